"""The lines behind a log view, without Textual: a bounded buffer, a filter and what it shows.

Every line gets a sequence number when it arrives; the buffer keeps the newest ``max_lines`` and
the sequence numbers of those that pass the filter (the *view*, sorted). Dropping the oldest
lines and filtering new ones cost time in proportion to the batch, not to the buffer."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, cast

from widgets._ring import Ring
from widgets.log_filter import LogFilter, Matcher, parse_filter
from widgets.log_format import LogItem

__all__ = ["LogBuffer", "count_below"]


class LogBuffer:
    """The newest ``max_lines`` items and the sequence numbers of those matching the filter."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max(int(max_lines), 1)
        self.dropped = 0
        self.items: Ring[LogItem] = Ring()
        self.base = 0  # sequence number of the oldest kept item
        self.view: Ring[int] = Ring()  # sequence numbers of the lines that pass the filter
        self.rule: LogFilter | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def filter(self) -> str:
        return self.rule.text if self.rule is not None else ""

    @property
    def pattern(self) -> Matcher | None:
        """The text part of the filter (for highlighting matches)."""
        return self.rule.pattern if self.rule is not None else None

    @property
    def regex(self) -> bool:
        return self.rule is not None and self.rule.regex

    def item(self, seq: int) -> LogItem:
        return self.items[seq - self.base]

    def matches(self, items: Sequence[LogItem]) -> int:
        """How many of ``items`` pass the filter."""
        rule = self.rule
        if rule is None:
            return len(items)
        return sum(1 for item in items if rule.matches(item))

    def add(self, items: Sequence[LogItem]) -> tuple[list[int] | range, int]:
        """Keep ``items`` (oldest first), dropping the oldest beyond ``max_lines``.

        Returns the sequence numbers of the new items that pass the filter, and how many view
        entries were dropped from the front (including any of the new items already gone)."""
        gone = 0
        if len(items) > self.max_lines:
            skipped = len(items) - self.max_lines
            gone = self.drop_oldest(len(self.items))
            self.base += skipped
            self.dropped += skipped
            items = items[skipped:]
        start = self.base + len(self.items)
        self.items.extend(items)
        rule = self.rule
        matched: list[int] | range
        if rule is None:
            matched = range(start, start + len(items))
        else:
            test = rule.matches
            matched = [start + i for i, item in enumerate(items) if test(item)]
        self.view.extend(matched)
        gone += self.drop_oldest(len(self.items) - self.max_lines)
        return matched, gone

    def drop_oldest(self, count: int) -> int:
        """Forget the ``count`` oldest items; returns how many of them were in the view."""
        if count <= 0:
            return 0
        self.items.drop_front(count)
        self.base += count
        self.dropped += count
        gone = count_below(self.view, self.base)
        self.view.drop_front(gone)
        return gone

    def set_filter(self, text: str) -> None:
        """Keep only lines matching ``text`` in the view (``widgets.log_filter``: ``track:`` and
        ``pod:`` terms, a regex or literal text); empty text keeps every line. Raises
        FilterError when ``text`` cannot be used (the filter is then unchanged)."""
        self.rule = parse_filter(text) if text.strip() else None
        self.refilter()

    def refilter(self) -> None:
        rule, base = self.rule, self.base
        self.view.clear()
        if rule is None:
            self.view.extend(range(base, base + len(self.items)))
        else:
            test = rule.matches
            self.view.extend(base + i for i, it in enumerate(self.items) if test(it))

    def clear(self) -> None:
        self.base += len(self.items)
        self.items.clear()
        self.view.clear()

    def shown_texts(self) -> list[str]:
        """The whole text of every line in the view, oldest first."""
        base, items = self.base, self.items
        return [items[seq - base].text for seq in self.view]


def count_below(ring: Ring[Any], bound: Any) -> int:
    """How many leading items of a sorted ring are below ``bound``."""
    return bisect_left(cast(Sequence[Any], ring), bound)
