"""The apps the benchmarks run: the console on the simulated fleet and bare Textual baselines.

Run as ``python -m bench.apps NAME [--first-paint frame|data]``: the app exits right after its first
painted frame, or after the frame that shows its first poll's values (the console's full paint).
"""

from __future__ import annotations

import argparse
import sys
import time

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static


class BareApp(App[None]):
    """A bare Textual app: one static line."""

    def compose(self) -> ComposeResult:
        yield Static("bare textual app")


class ClockApp(App[None]):
    """A bare Textual app with a 1 Hz clock: the idle-CPU baseline."""

    def compose(self) -> ComposeResult:
        yield Static(id="clock")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)
        self.tick()

    def tick(self) -> None:
        self.query_one("#clock", Static).update(time.strftime("%H:%M:%S"))


def build(name: str) -> App[None]:
    if name == "bare":
        return BareApp()
    if name == "clock":
        return ClockApp()
    if name == "console":
        from console.cli import build_parser
        from console.commands.common import load
        from console.factory import build_context

        args = build_parser().parse_args(["--demo"])
        from console.tui.app import ConsoleApp

        return ConsoleApp(build_context(load(args)), own_process=True)  # as the command runs it
    raise SystemExit(f"unknown app {name!r}")


async def _exit_after_first_frame(pilot: Pilot[object]) -> None:
    """Exit once the first screen is laid out and painted (the console: panels still empty)."""
    await pilot.pause()
    pilot.app.exit()


async def _exit_after_first_data(pilot: Pilot[object]) -> None:
    """Exit once the first poll's values are painted (a bare app has no data: first frame)."""
    app = pilot.app
    dashboard = getattr(app, "dashboard", None)
    while dashboard is not None and dashboard.polls < 1:
        await pilot.pause(0.001)
    await pilot.pause()  # the refresh that paints what the poll applied
    app.exit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["bare", "clock", "console"])
    parser.add_argument("--first-paint", choices=["frame", "data"])
    args = parser.parse_args()
    app = build(args.name)
    if args.first_paint:
        pilot = _exit_after_first_data if args.first_paint == "data" else _exit_after_first_frame
        app.run(headless=True, size=(160, 48), auto_pilot=pilot)
    else:
        app.run()
    sys.exit(0)


if __name__ == "__main__":
    main()
