"""Saving log lines: time, track and source beside each line, control characters never written,
cut lines whole, a private file that never replaces another."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from console.tui.log_save import save_lines, save_name
from widgets.log_budget import LineBudget
from widgets.log_buffer import LogBuffer


@dataclass(frozen=True)
class Line:
    text: str
    source: str
    track: str
    time: float | None
    level: str | None = None


def test_lines_are_saved_with_their_pod_track_and_time(tmp_path: Path) -> None:
    buf = LogBuffer(100, budget=LineBudget(max_line_chars=100))
    long = "INFO " + "z" * 500
    buf.add(
        [
            Line(
                "INFO 12-04 20:12:01 [engine.py:300] ok",
                "llama-v2-7f9c4d5b6-abcde",
                "canary",
                1796415121.25,
            ),
            Line(
                "title \x1b]0;owned\x07 clip \x1b]52;c;eA==\x07 bell\x07",
                "llama-v1-6d5-x",
                "stable",
                None,
            ),
            Line(long, "vllm.log", "", 1796415122.0),
        ]
    )
    path = save_lines(tmp_path / "saved" / "llama-server-logs.log", buf.shown_items())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    rows = path.read_text().splitlines()
    assert rows == [
        "# time\ttrack\tsource\tline",
        "2026-12-04T20:12:01.250Z\tcanary\tllama-v2-7f9c4d5b6-abcde\t"
        "INFO 12-04 20:12:01 [engine.py:300] ok",
        "-\tstable\tllama-v1-6d5-x\ttitle  clip  bell␇",
        f"2026-12-04T20:12:02.000Z\t-\tvllm.log\t{long}",
    ]
    assert "\x1b" not in path.read_text()


def test_a_save_never_replaces_a_file(tmp_path: Path) -> None:
    target = tmp_path / "x.log"
    target.write_text("keep me\n")
    first = save_lines(target, [Line("a", "p", "stable", None)])
    second = save_lines(target, [Line("b", "p", "stable", None)])
    assert target.read_text() == "keep me\n"
    assert (first.name, second.name) == ("x-1.log", "x-2.log")
    assert second.read_text().endswith("\tb\n")


def test_save_names_cannot_make_a_path() -> None:
    assert (
        save_name("../../etc/x y", "server-logs", 0)
        == "_.._etc_x_y-server-logs-19700101T000000Z.log"
    )
