"""The log filter: track and pod terms, RE2 so that no pattern can hang, literal text, and a clear
error for what RE2 does not run."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pytest

from widgets.log_buffer import LogBuffer
from widgets.log_filter import FilterError, parse_filter


@dataclass(frozen=True)
class Line:
    text: str
    source: str = "llama-v1-6d5f8b7c9d-x2x4q"
    track: str = "stable"
    time: float | None = None
    level: str | None = None


FLEET = [
    Line("GET /v1/completions 200"),
    Line("POST /v1/completions 503", track="canary", source="llama-v2-7f9c4d5b6-abcde"),
    Line("GET /health 200", track="canary", source="llama-v2-7f9c4d5b6-zzzzz"),
    Line("ERROR engine died", source="vllm.log", track=""),
]


def shown(text: str) -> list[str]:
    buf = LogBuffer(100)
    buf.add(FLEET)
    buf.set_filter(text)
    return buf.shown_texts()


def test_track_and_pod_terms_match_the_label_column() -> None:
    assert shown("track:canary") == ["POST /v1/completions 503", "GET /health 200"]
    assert shown("TRACK:Stable") == ["GET /v1/completions 200"]
    assert shown("track:stable,canary") == [line.text for line in FLEET[:3]]
    assert shown("pod:zzzzz") == ["GET /health 200"]
    assert shown("pod:V2-7F9C") == ["POST /v1/completions 503", "GET /health 200"]
    assert shown("pod:vllm.log") == ["ERROR engine died"]
    assert shown("pod:x2x4q,zzzzz") == ["GET /v1/completions 200", "GET /health 200"]


def test_terms_combine_with_the_text_wherever_they_are_written() -> None:
    assert shown(r"track:canary 5\d\d") == ["POST /v1/completions 503"]
    assert shown(r"5\d\d track:canary") == ["POST /v1/completions 503"]
    rule = parse_filter(r"GET track:canary /health")
    assert rule.tracks == {"canary"} and rule.regex
    assert shown(r"GET track:canary /health") == ["GET /health 200"]
    # The text part is only the text: highlighting never covers the terms.
    assert rule.pattern is not None and list(rule.pattern.spans("GET /health 200")) == [(0, 11)]


def test_bad_terms_say_what_is_wrong() -> None:
    with pytest.raises(FilterError, match="track:blue: the tracks are stable and canary"):
        parse_filter("track:blue")
    with pytest.raises(FilterError, match="pod: needs a value"):
        parse_filter("pod: error")


def test_what_re2_cannot_run_is_refused_and_the_old_filter_stays() -> None:
    buf = LogBuffer(10)
    buf.add(FLEET)
    buf.set_filter("track:canary")
    for pattern, said in ((r"(a)\1", r"invalid escape sequence: \1"), ("(?<=G)ET", "(?<=")):
        with pytest.raises(FilterError) as caught:
            buf.set_filter(pattern)
        assert said in str(caught.value)
        assert "look-around" in str(caught.value) and "back-references" in str(caught.value)
        assert buf.filter == "track:canary" and len(buf.shown_texts()) == 2


def test_not_a_regular_expression_is_literal_text_and_case_follows_capitals() -> None:
    rule = parse_filter("[bold")
    assert not rule.regex
    assert shown("[bold") == []
    assert shown("error") == ["ERROR engine died"]
    assert shown("Error") == []
    assert shown("ERROR") == ["ERROR engine died"]


@pytest.mark.parametrize(
    ("pattern", "line"),
    [
        (r"(a+)+$", "a" * 34 + "!"),
        (r"(\w+\s?)+$", "INFO 12-04 20:12:01 [engine.py:300] Avg prompt throughput: 12 tokens/s!"),
        (r"(x+x+)+y", "x" * 5000),
    ],
)
def test_catastrophic_patterns_finish(pattern: str, line: str) -> None:
    """Patterns that take Python's backtracking engine exponential time (hours at 34 ``a``s)
    finish over a buffer of such lines. The thread bound only stops a regression from hanging
    the suite; it is not a speed claim."""
    buf = LogBuffer(2000)
    buf.add([Line(line)] * 2000)
    done = threading.Event()

    def run() -> None:
        buf.set_filter(pattern)
        done.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert done.is_set(), "the filter did not finish"
    assert buf.regex and buf.shown_texts() == []
    # The same answer as Python's engine gives on a line short enough for it.
    short = line[:12] + line[-1]
    expected = re.search(pattern, short) is not None
    assert parse_filter(pattern).matches(Line(short)) is expected


BATCH = [
    "GET /a 200 OK",
    "",
    "POST /b 503",
    "  indented ÉRROR ünïcode",
    "OK",
    "x" * 300,
    "tab\there",
    "ends with space ",
]


@pytest.mark.parametrize(
    "pattern",
    [r"^GET", r"OK$", r"^$", r"\s", r"[^x]+", r"^\s+\S", r"érror", "ok", r"5\d\d|^x+$", r"\bOK\b"],
)
def test_a_batch_selects_exactly_the_lines_that_match_one_by_one(pattern: str) -> None:
    """The view filters a batch in one search; it must pick what line-by-line search picks
    (anchors at each line's ends, no match across two lines)."""
    rule = parse_filter(pattern)
    lines = [Line(text) for text in BATCH]
    one_by_one = [i for i, line in enumerate(lines) if rule.matches(line)]
    assert rule.select(lines) == one_by_one
    flags = 0 if any(c.isupper() for c in pattern) else re.IGNORECASE
    assert one_by_one == [i for i, text in enumerate(BATCH) if re.search(pattern, text, flags)]
