"""The log filter: ``track:`` and ``pod:`` terms, then a regular expression run by RE2 (linear
time, so no filter can freeze the view), or literal text when it is not a regular expression.

``track:canary 5\\d\\d`` shows canary lines with a 5xx code; ``pod:v2-7f9c`` lines whose label (a
pod's or a file's name) contains that text; ``track:stable,canary`` either track. Lower-case text
ignores case; any capital letter makes the match case-sensitive."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
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
    """A compiled RE2 pattern: ``search``/``spans`` on one text; ``select`` over many at once.

    ``select`` runs one search over a batch joined by newlines (the batch pattern never matches
    a newline and takes ``^``/``$`` at each line's ends), so a batch costs one call into RE2
    plus one per matching line, rather than one per line."""

    __slots__ = ("_batch", "_pattern", "search")

    def __init__(self, pattern: Any, batch: Any) -> None:
        self._pattern = pattern
        self._batch = batch
        self.search: Callable[[str], object] = pattern.search

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The (start, end) of each non-overlapping match in ``text``."""
        for found in self._pattern.finditer(text):
            yield found.span()

    def select(self, texts: Sequence[str]) -> list[int]:
        """The indices of the texts that match, in order."""
        if not texts:
            return []
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        joined = b"\n".join(encoded)
        starts = list(accumulate((len(b) + 1 for b in encoded[:-1]), initial=0))
        search, pos, last = self._batch.search, 0, len(starts) - 1
        out: list[int] = []
        while True:
            found = search(joined, pos)
            if found is None:
                return out
            index = bisect_right(starts, found.start()) - 1
            out.append(index)
            if index >= last:
                return out
            pos = starts[index + 1]


@dataclass(frozen=True)
class LogFilter:
    """What a filter text asks for; ``matches`` is the test for one line."""

    text: str
    pattern: Matcher | None = None
    regex: bool = False
    tracks: frozenset[str] = frozenset()
    pods: tuple[str, ...] = ()
    matches: Callable[[LogItem], bool] = field(default=lambda item: True, compare=False)

    def select(self, items: Sequence[LogItem]) -> list[int]:
        """The indices of the items that pass, in order."""
        tracks, pods = self.tracks, self.pods
        if tracks or pods:
            chosen = [
                i
                for i, item in enumerate(items)
                if (not tracks or item.track in tracks)
                and (not pods or any(pod in item.source.lower() for pod in pods))
            ]
        else:
            chosen = list(range(len(items)))
        if self.pattern is None:
            return chosen
        picked = self.pattern.select([items[i].text for i in chosen])
        return [chosen[j] for j in picked]


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
    try:
        return _compile(text, literal=False), True
    except re2.error as err:
        reason = _reason(err)
    try:
        re.compile(text)
    except (re.error, RecursionError, OverflowError):
        # Not a regular expression at all: the text itself.
        return _compile(text, literal=True), False
    raise FilterError(f"filter not applied: {reason} ({_NOT_RE2})")


def _compile(text: str, literal: bool) -> Matcher:
    options = re2.Options()
    options.log_errors = False  # RE2 would write its errors to the terminal's stderr
    options.case_sensitive = any(ch.isupper() for ch in text)
    options.literal = literal
    single = re2.compile(text, options)
    options.never_nl = True  # a match never spans two lines of a batch
    options.never_capture = True
    batch = text if literal else f"(?m){text}"  # ^ and $ at each line's ends
    return Matcher(single, re2.compile(batch.encode("utf-8", "surrogatepass"), options))


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
