"""The apps the benchmarks run: the console on the simulated fleet and bare Textual baselines.

Run as ``python -m bench.apps NAME [--first-paint frame|data]``: the app exits right after its first
painted frame, or after the frame that shows its first poll's values (the console's full paint),
and prints ``painted-at`` and the wall time it was painted.
``--repaints FILE`` (the console) keeps writing to FILE how many rows and cells its partial frames
repaint on average; ``floor --rows R --cells C`` repaints that much every second with nothing
else to do: what Textual itself costs for the console's changes.

The console starts as its command does (``console.cli.entry``): the collector paused from the
first import until the console is built (``console.startup``).
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["console"]:
    from console.startup import pause_collector

    pause_collector()  # before the imports below, as in the command

import argparse
import time
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widget import Widget
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


class _Repainted(Widget):
    """The whole screen as one Line API widget that, once a second, changes ``cells`` cells
    spread over ``rows`` rows (short runs of digits in eight colours, as a dashboard's numbers
    are) and asks to repaint exactly those; its rows are made on demand from a counter."""

    STYLES = tuple(
        Style(color=f"#{30 * i:02x}{90 + 10 * i:02x}{200 - 12 * i:02x}") for i in range(8)
    )

    def __init__(self, rows: int, cells: int) -> None:
        super().__init__()
        self.rows = rows
        self.cells = cells
        self.phase = 0

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        self.phase += 1
        width, height = self.size
        rows = min(self.rows, height)
        per_row = min(width, max(1, round(self.cells / max(rows, 1))))
        self.refresh(*(Region(0, y, per_row, 1) for y in range(rows)))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        digit = str((y + self.phase) % 10)
        runs = [
            Segment(digit * 9 + " ", self.STYLES[(run + self.phase) % 8])
            for run in range(width // 10)
        ]
        return Strip(runs, width // 10 * 10).extend_cell_length(width)


class FloorApp(App[None]):
    """The least a Textual app pays to change what the console changes each second."""

    def __init__(self, rows: int, cells: int) -> None:
        super().__init__()
        self.rows = rows
        self.cells = cells

    def compose(self) -> ComposeResult:
        yield _Repainted(self.rows, self.cells)


def record_repaints(app: App[None], path: Path) -> None:
    """Keep ``path`` holding ``rows cells frames``: how many rows and cells the console's partial
    frames repainted so far, and how many frames (what ``console/tui/wire.py`` is handed to
    send); a reader takes the difference between two readings for a stretch of its own."""
    from console.tui import wire

    terminal = app._terminal  # type: ignore[attr-defined]
    update = terminal.update
    totals = [0, 0, 0]

    def counted(renderable: object) -> object:
        sent = update(renderable)
        if isinstance(sent, wire.ExactChops):
            totals[0] += len({y for y, _, _ in sent.spans})
            totals[1] += sum(x2 - x1 for _, x1, x2 in sent.spans)
            totals[2] += 1
            path.write_text(" ".join(map(str, totals)) + "\n")
        return sent

    terminal.update = counted


def build(name: str, rows: int = 0, cells: int = 0) -> App[None]:
    if name == "bare":
        return BareApp()
    if name == "clock":
        return ClockApp()
    if name == "floor":
        return FloorApp(rows, cells)
    if name == "console":
        from console.cli import build_parser
        from console.commands.common import load
        from console.factory import build_context

        args = build_parser().parse_args(["--demo"])
        from console.startup import resume_collector
        from console.tui.app import ConsoleApp

        ctx = build_context(load(args))
        resume_collector()
        return ConsoleApp(ctx, own_process=True)  # as the command runs it
    raise SystemExit(f"unknown app {name!r}")


def _painted() -> None:
    """Say when the awaited frame was painted (wall clock: the benchmark compares it with the
    time it started the process, so what the app does to exit is not counted)."""
    print(f"painted-at {time.time():.6f}", flush=True)


async def _exit_after_first_frame(pilot: Pilot[object]) -> None:
    """Exit once the first screen is laid out and painted (the console: panels still empty)."""
    await pilot.pause()
    _painted()
    pilot.app.exit()


async def _exit_after_first_data(pilot: Pilot[object]) -> None:
    """Exit once the first poll's values are painted (a bare app has no data: first frame)."""
    app = pilot.app
    dashboard = getattr(app, "dashboard", None)
    while dashboard is not None and dashboard.polls < 1:
        await pilot.pause(0.001)
    await pilot.pause()  # the refresh that paints what the poll applied
    _painted()
    app.exit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["bare", "clock", "console", "floor"])
    parser.add_argument("--first-paint", choices=["frame", "data"])
    parser.add_argument("--repaints", type=Path, help="the console: record its repaints here")
    parser.add_argument("--rows", type=int, default=1, help="floor: rows changed per second")
    parser.add_argument("--cells", type=int, default=10, help="floor: cells changed per second")
    args = parser.parse_args()
    app = build(args.name, args.rows, args.cells)
    if args.repaints and args.name == "console":
        record_repaints(app, args.repaints)
    if args.first_paint:
        pilot = _exit_after_first_data if args.first_paint == "data" else _exit_after_first_frame
        app.run(headless=True, size=(160, 48), auto_pilot=pilot)
    else:
        app.run()
    sys.exit(0)


if __name__ == "__main__":
    main()
