"""Building the real console for tests: the same factory the CLI uses, a frozen clock."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.widget import Widget

from console.clock import ManualClock
from console.commands.common import load
from console.config import Loaded
from console.context import AppContext
from console.factory import build_context
from console.tui.app import ConsoleApp
from tests.waiting import wait_until
from widgets.log_stream import LogStream
from widgets.status_header import StatusHeader

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


async def wait_polls(pilot: Pilot[object], app: ConsoleApp, count: int = 1) -> None:
    target = app.dashboard.polls + count
    await wait_until(pilot, lambda: app.dashboard.polls >= target, f"{count} poll(s)")


async def wait_logs(pilot: Pilot[object], app: ConsoleApp) -> None:
    """Wait until the server-log stream has its first batch (the simulated fleet's tail)."""
    from widgets.log_stream import LogStream

    stream = app.dashboard.query_one("#server-logs", LogStream)
    await wait_until(pilot, lambda: stream.received > 0, "the first log lines")


def header_text(app: object) -> str:
    """The header's lines as shown (plain text)."""
    header = app.screen.query_one(StatusHeader)  # type: ignore[attr-defined]
    return "\n".join(header.render_line(y).text for y in range(header.size.height))


def count_repaints(widget: Widget) -> list[int]:
    """A list that grows by one each time ``widget.refresh`` is called from now on."""
    repaints: list[int] = []
    original = widget.refresh

    def counting(*args: object, **kwargs: object) -> Widget:
        repaints.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    widget.refresh = counting  # type: ignore[method-assign]
    return repaints


def file_app(tmp_path: Path, lines: list[str]) -> ConsoleApp:
    """The demo console (simulated fleet, manual clock) following a log file of ``lines``; its
    audit trail is the simulated fleet's own (``demo_audit_path()``)."""
    log = tmp_path / "server.log"
    log.write_text("".join(f"{line}\n" for line in lines))
    loaded = demo_loaded()
    logs = loaded.settings.logs.model_copy(update={"file": log, "sim": False})
    settings = loaded.settings.model_copy(update={"logs": logs})
    ctx = build_context(replace(loaded, settings=settings), clock=ManualClock(T0))
    return ConsoleApp(ctx)


def log_stream(app: ConsoleApp, which: str = "server-logs") -> LogStream:
    """One of the log pane's streams (``server-logs`` or ``audit-log``)."""
    return app.dashboard.query_one(f"#{which}", LogStream)


def panel_rows(app: object, panel_id: str) -> list[str]:
    """A panel's rows as shown, inside its box (the box is drawn with the rows)."""
    from widgets.compare_panel import ComparePanel

    panel = app.screen.query_one(f"#panel-{panel_id}", ComparePanel)  # type: ignore[attr-defined]
    rows = [panel.render_line(y).text for y in range(panel.size.height)]
    if rows and rows[0].startswith("╭"):
        rows = [row[2:-2] for row in rows[1:-1]]
    return rows
