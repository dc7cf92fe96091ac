"""The apps the benchmarks run: the console on the simulated fleet and bare Textual baselines.

Run as ``python -m bench.apps NAME [--first-paint]``. With ``--first-paint`` the app exits as soon
as its first full paint is done (for the console: the dashboard showing its first poll's values).
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
        from console.app import ConsoleApp

        return ConsoleApp(build_context(load(args)))
    raise SystemExit(f"unknown app {name!r}")


async def _exit_after_first_paint(pilot: Pilot[None]) -> None:
    app = pilot.app
    dashboard = getattr(app, "dashboard", None)
    while dashboard is not None and dashboard.polls < 1:
        await pilot.pause(0.001)
    await pilot.pause()  # the refresh that paints what the poll applied
    app.exit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["bare", "clock", "console"])
    parser.add_argument("--first-paint", action="store_true")
    args = parser.parse_args()
    app = build(args.name)
    if args.first_paint:
        app.run(headless=True, size=(160, 48), auto_pilot=_exit_after_first_paint)
    else:
        app.run()
    sys.exit(0)


if __name__ == "__main__":
    main()
