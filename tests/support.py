"""Building the real console for tests: the same factory the CLI uses, a frozen clock."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime

from textual.pilot import Pilot
from textual.widget import Widget

from console.clock import ManualClock
from console.commands.common import load
from console.config import Loaded
from console.context import AppContext
from console.factory import build_context
from console.tui.app import ConsoleApp

#: A weekday afternoon (UTC): the simulated daily cycle is near its peak.
T0 = datetime(2026, 3, 10, 14, 0, 0, tzinfo=UTC).timestamp()


def demo_loaded() -> Loaded:
    return load(argparse.Namespace(demo=True, config=None, deployment=None))


def demo_context(
    scenario: str = "healthy", seed: int = 7, clock: ManualClock | None = None, **kwargs: object
) -> AppContext:
    return build_context(
        demo_loaded(), clock=clock or ManualClock(T0), scenario=scenario, seed=seed, **kwargs
    )  # type: ignore[arg-type]


def demo_app(scenario: str = "healthy", seed: int = 7, **kwargs: object) -> ConsoleApp:
    return ConsoleApp(demo_context(scenario, seed, **kwargs))


async def wait_until(
    pilot: Pilot[object],
    condition: Callable[[], bool],
    what: str = "condition",
    timeout: float = 20.0,
) -> None:
    """Let the app run until ``condition`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


async def wait_polls(pilot: Pilot[object], app: ConsoleApp, count: int = 1) -> None:
    target = app.dashboard.polls + count
    await wait_until(pilot, lambda: app.dashboard.polls >= target, f"{count} poll(s)")


async def wait_logs(pilot: Pilot[object], app: ConsoleApp) -> None:
    """Wait until the server-log stream has its first batch (the simulated fleet's tail)."""
    from widgets.log_stream import LogStream

    stream = app.dashboard.query_one("#server-logs", LogStream)
    await wait_until(pilot, lambda: stream.received > 0, "the first log lines")


def count_repaints(widget: Widget) -> list[int]:
    """A list that grows by one each time ``widget.refresh`` is called from now on."""
    repaints: list[int] = []
    original = widget.refresh

    def counting(*args: object, **kwargs: object) -> Widget:
        repaints.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    widget.refresh = counting  # type: ignore[method-assign]
    return repaints
