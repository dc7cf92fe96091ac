"""The log view's buffer on its own: bounded, filtered, and eviction reported in view entries."""

from __future__ import annotations

from dataclasses import dataclass

from widgets.log_buffer import LogBuffer


@dataclass(frozen=True)
class Line:
    text: str
    source: str = "pod"
    track: str = "stable"
    time: float | None = None
    level: str | None = None


def lines(*texts: str) -> list[Line]:
    return [Line(t) for t in texts]


def test_keeps_the_newest_lines_and_counts_the_dropped() -> None:
    buf = LogBuffer(3)
    matched, gone = buf.add(lines("a", "b"))
    assert list(matched) == [0, 1] and gone == 0
    matched, gone = buf.add(lines("c", "d", "e"))
    assert list(matched) == [2, 3, 4] and gone == 2
    assert buf.shown_texts() == ["c", "d", "e"]
    assert buf.dropped == 2 and buf.base == 2


def test_a_batch_larger_than_the_buffer_keeps_its_tail() -> None:
    buf = LogBuffer(2)
    buf.add(lines("old"))
    matched, gone = buf.add(lines("1", "2", "3", "4"))
    assert list(matched) == [3, 4]
    assert gone == 1  # "old" left the view
    assert buf.shown_texts() == ["3", "4"]
    assert buf.dropped == 3


def test_filter_applies_to_kept_and_new_lines_and_eviction_counts_only_the_view() -> None:
    buf = LogBuffer(4)
    buf.add(lines("GET 200", "GET 500", "GET 200", "GET 503"))
    buf.set_filter(r"5\d\d")
    assert buf.regex and buf.shown_texts() == ["GET 500", "GET 503"]
    assert buf.matches(lines("x 502", "x 201")) == 1
    # Two lines evicted ("GET 200", "GET 500"): only one of them was in the view.
    matched, gone = buf.add(lines("x 502", "x 201"))
    assert list(matched) == [4] and gone == 1
    assert buf.shown_texts() == ["GET 503", "x 502"]
    buf.set_filter("")
    assert buf.shown_texts() == ["GET 200", "GET 503", "x 502", "x 201"]


def test_plain_text_that_is_not_a_regex_is_matched_literally() -> None:
    buf = LogBuffer(10)
    buf.add(lines("a [b", "c"))
    buf.set_filter("[b")
    assert not buf.regex
    assert buf.shown_texts() == ["a [b"]


def test_clear_keeps_sequence_numbers_rising() -> None:
    buf = LogBuffer(10)
    buf.add(lines("a", "b"))
    buf.clear()
    assert len(buf) == 0 and buf.shown_texts() == []
    matched, _ = buf.add(lines("c"))
    assert list(matched) == [2]
    assert buf.item(2).text == "c"
