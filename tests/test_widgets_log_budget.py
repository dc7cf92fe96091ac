"""The log view's byte budget: long lines cut with a marker, their whole text kept for saving
within a bound, old lines dropped by bytes as well as by count, and 2,000 lines of 1 MB held in
tens of MB rather than GBs (measured in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from widgets.log_budget import ITEM_OVERHEAD, LineBudget
from widgets.log_buffer import LogBuffer
from widgets.log_stream import LogStream

REPO = Path(__file__).resolve().parent.parent


class StreamApp(App[None]):
    def __init__(self, max_lines: int = 1000) -> None:
        super().__init__()
        self.max_lines = max_lines

    def compose(self) -> ComposeResult:
        yield LogStream(self.max_lines, id="log")

    @property
    def stream(self) -> LogStream:
        return self.query_one(LogStream)


@dataclass(frozen=True)
class Line:
    text: str
    source: str = "pod"
    track: str = "stable"
    time: float | None = None
    level: str | None = None


def test_a_long_line_is_cut_with_a_marker_and_saved_whole() -> None:
    buf = LogBuffer(100, budget=LineBudget(max_line_chars=1000))
    long = "ERROR " + "x" * 5000
    buf.add([Line("short"), Line(long)])
    kept = buf.item(1)
    assert kept.text == long[:1000] + " [line cut: 5,006 chars, 4,006 not shown]"
    assert kept.level == "error" and kept.source == "pod" and kept.track == "stable"
    assert buf.shown_texts() == ["short", long]


def test_whole_text_is_kept_only_within_its_budget() -> None:
    budget = LineBudget(max_line_chars=100, keep_whole_bytes=3 * (1000 + 49))
    buf = LogBuffer(100, budget=budget)
    lines = [Line(f"{n} " + "y" * 998) for n in range(5)]
    buf.add(lines)
    saved = buf.shown_texts()
    # The two oldest let their whole text go; the three newest are saved whole.
    assert [s.endswith("not shown]") for s in saved] == [True, True, False, False, False]
    assert saved[2:] == [line.text for line in lines[2:]]
    assert budget.whole_bytes <= budget.keep_whole_bytes


def test_old_lines_are_dropped_by_bytes_as_well_as_by_count() -> None:
    size = sys.getsizeof("z" * 1000) + ITEM_OVERHEAD
    buf = LogBuffer(100, max_bytes=10 * size)
    buf.add([Line("z" * 1000) for _ in range(25)])
    assert len(buf) == 10 and buf.bytes == 10 * size and buf.dropped == 15
    buf.add([Line("z" * 1000) for _ in range(3)])
    assert len(buf) == 10 and buf.bytes == 10 * size and buf.dropped == 18
    # One line over the whole budget is still shown (cut), never an empty view.
    small = LogBuffer(100, max_bytes=10, budget=LineBudget(max_line_chars=64))
    small.add([Line("a" * 500), Line("b" * 500)])
    assert len(small) == 1 and small.item(small.base).text.startswith("b" * 64)
    small.clear()
    assert small.bytes == 0


async def test_lines_held_while_paused_stay_within_the_budget() -> None:
    app = StreamApp(max_lines=1000)
    async with app.run_test(size=(60, 10)):
        stream = app.stream
        stream.pause()
        stream.append([Line("p" * 1_000_000) for _ in range(200)])
        held = sum(sys.getsizeof(item.text) for item in stream._pending)
        assert held < 200 * 20_000  # each cut to 16,384 characters
        assert stream.new_lines == 200
        stream.follow()
        assert stream.status.total == 200
        assert stream._lines.bytes <= stream._lines.max_bytes
        # Cut once, when it arrived: shown with one marker, saved whole (the newest ones).
        shown = stream._lines.item(stream._lines.base + 199).text
        assert shown.count("[line cut:") == 1
        assert shown.endswith(" [line cut: 1,000,000 chars, 983,616 not shown]")
        assert stream.lines_for_save()[-1] == "p" * 1_000_000


MEASURE = """
import json, sys
from widgets.log_buffer import LogBuffer

def rss():
    with open("/proc/self/status") as f:
        for row in f:
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) * 1024

class Line:
    __slots__ = ("text", "source", "track", "time", "level")
    def __init__(self, text):
        self.text, self.source, self.track = text, "pod", "canary"
        self.time = self.level = None

buf = LogBuffer(10_000)
before = rss()
for batch in range(100):
    buf.add([Line(f"{batch}-{n} " + "m" * 1_000_000) for n in range(20)])
print(json.dumps({"before": before, "after": rss(), "lines": len(buf), "bytes": buf.bytes}))
"""


@pytest.mark.slow
def test_two_thousand_lines_of_a_megabyte_do_not_take_gigabytes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(done.stdout)
    grown = figures["after"] - figures["before"]
    assert figures["lines"] == 2000
    # 2,000 × 16 KiB cut lines + 32 MiB of whole lines for saving; the line budget alone would
    # hold 2,000 MB.
    assert grown < 160 << 20, figures
