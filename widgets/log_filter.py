"""The log filter: ``track:`` and ``pod:`` terms, then a regular expression run by RE2 (linear
time, so no filter can freeze the view), or literal text when it is not a regular expression.

``track:canary 5\\d\\d`` shows canary lines with a 5xx code; ``pod:v2-7f9c`` lines whose label (a
pod's or a file's name) contains that text; ``track:stable,canary`` either track. Lower-case text
ignores case; any capital letter makes the match case-sensitive."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import re2

from widgets.log_format import LogItem

__all__ = ["FilterError", "LogFilter", "Matcher", "parse_filter"]

TRACKS: Final = ("stable", "canary")
_TERM: Final = re.compile(r"(?:^|\s+)(track|pod):(\S*)", re.IGNORECASE)
_NOT_RE2: Final = (
    "filters run in linear time (RE2), which has no look-around and no back-references"
)


class FilterError(ValueError):
    """The filter cannot be used; the message says why (the view keeps its old filter)."""


class Matcher:
    """A compiled RE2 pattern over text."""

    __slots__ = ("_pattern", "search")

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern
        self.search: Callable[[str], object] = pattern.search

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The (start, end) of each non-overlapping match in ``text``."""
        for found in self._pattern.finditer(text):
            yield found.span()


@dataclass(frozen=True)
class LogFilter:
    """What a filter text asks for; ``matches`` is the test for one line."""

    text: str
    pattern: Matcher | None = None
    regex: bool = False
    tracks: frozenset[str] = frozenset()
    pods: tuple[str, ...] = ()
    matches: Callable[[LogItem], bool] = field(default=lambda item: True, compare=False)


def parse_filter(text: str) -> LogFilter:
    """The filter for ``text``. Raises FilterError for an unknown track, or for a regular
    expression RE2 cannot run (look-around, back-references), naming what it could not take."""
    tracks: set[str] = set()
    pods: list[str] = []
    for found in _TERM.finditer(text):
        key, value = found.group(1).lower(), found.group(2)
        values = [v for v in value.split(",") if v]
        if not values:
            raise FilterError(f"{key}: needs a value, for example {key}:canary")
        if key == "track":
            unknown = [v for v in values if v.lower() not in TRACKS]
            if unknown:
                raise FilterError(f"track:{unknown[0]}: the tracks are stable and canary")
            tracks.update(v.lower() for v in values)
        else:
            pods.extend(v.lower() for v in values)
    rest = _TERM.sub("", text).strip()
    pattern, regex = compile_text(rest) if rest else (None, False)
    return LogFilter(
        text,
        pattern,
        regex,
        frozenset(tracks),
        tuple(pods),
        _matcher(pattern, frozenset(tracks), tuple(pods)),
    )


def compile_text(text: str) -> tuple[Matcher, bool]:
    """The matcher for the text part of a filter and whether it is a regular expression."""
    options = re2.Options()
    options.log_errors = False  # RE2 would write its errors to the terminal's stderr
    options.case_sensitive = any(ch.isupper() for ch in text)
    try:
        return Matcher(re2.compile(text, options)), True
    except re2.error as err:
        reason = _reason(err)
    try:
        re.compile(text)
    except (re.error, RecursionError, OverflowError):
        options.literal = True  # not a regular expression at all: the text itself
        return Matcher(re2.compile(text, options)), False
    raise FilterError(f"filter not applied: {reason} ({_NOT_RE2})")


def _reason(err: Exception) -> str:
    arg = err.args[0] if err.args else err
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
    return text[:120]


def _matcher(
    pattern: Matcher | None, tracks: frozenset[str], pods: tuple[str, ...]
) -> Callable[[LogItem], bool]:
    search = pattern.search if pattern is not None else None

    def matches(item: LogItem) -> bool:
        if tracks and item.track not in tracks:
            return False
        if pods:
            source = item.source.lower()
            if not any(pod in source for pod in pods):
                return False
        return search is None or search(item.text) is not None

    return matches
