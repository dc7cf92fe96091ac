"""The lines behind a log view, without Textual: a bounded buffer, a filter and what it shows.

Every line gets a sequence number when it arrives; the buffer keeps the newest lines within
``max_lines`` and ``max_bytes`` (long lines cut first, ``widgets.log_budget``) and the sequence
numbers of those that pass the filter (the *view*, sorted). Dropping the oldest lines and
filtering new ones cost time in proportion to the batch, not to the buffer."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, cast

from widgets._ring import Ring
from widgets.log_budget import MAX_BUFFER_BYTES, LineBudget, item_bytes, whole_text
from widgets.log_filter import LogFilter, Matcher, parse_filter
from widgets.log_format import LogItem

__all__ = ["LogBuffer", "count_below"]


class LogBuffer:
    """The newest items within ``max_lines`` and ``max_bytes``, and the sequence numbers of those
    matching the filter."""

    def __init__(
        self,
        max_lines: int,
        max_bytes: int = MAX_BUFFER_BYTES,
        budget: LineBudget | None = None,
    ) -> None:
        self.max_lines = max(int(max_lines), 1)
        self.max_bytes = max(int(max_bytes), 1)
        self.budget = budget or LineBudget()
        self.bytes = 0  # what the kept items take (``item_bytes``)
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
        return len(items) if rule is None else len(rule.select(items))

    def add(self, items: Sequence[LogItem]) -> tuple[list[int] | range, int]:
        """Keep ``items`` (oldest first), dropping the oldest beyond ``max_lines``.

        Returns the sequence numbers of the new items that pass the filter, and how many view
        entries were dropped from the front (including any of the new items already gone)."""
        gone = 0
        items = self.budget.cut(items)
        if len(items) > self.max_lines:
            skipped = len(items) - self.max_lines
            gone = self.drop_oldest(len(self.items))
            self.base += skipped
            self.dropped += skipped
            items = items[skipped:]
        start = self.base + len(self.items)
        self.items.extend(items)
        self.bytes += sum(item_bytes(item) for item in items)
        rule = self.rule
        matched: list[int] | range
        if rule is None:
            matched = range(start, start + len(items))
        else:
            matched = [start + i for i in rule.select(items)]
        self.view.extend(matched)
        gone += self.drop_oldest(max(len(self.items) - self.max_lines, self._over_budget()))
        return matched, gone

    def _over_budget(self) -> int:
        """How many of the oldest items to drop to bring ``bytes`` within ``max_bytes`` (the
        newest item is always kept)."""
        excess = self.bytes - self.max_bytes
        count = 0
        items = self.items
        while excess > 0 and count < len(items) - 1:
            excess -= item_bytes(items[count])
            count += 1
        return count

    def drop_oldest(self, count: int) -> int:
        """Forget the ``count`` oldest items; returns how many of them were in the view."""
        if count <= 0:
            return 0
        count = min(count, len(self.items))
        self.bytes -= sum(item_bytes(item) for item in self.items.slice(0, count))
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
            kept = self.items.slice(0, len(self.items))
            self.view.extend(base + i for i in rule.select(kept))

    def clear(self) -> None:
        self.base += len(self.items)
        self.items.clear()
        self.view.clear()
        self.bytes = 0
        self.budget.clear()

    def shown_texts(self) -> list[str]:
        """The text of every line in the view as received, oldest first (a cut line whole
        while the budget keeps it, else with its cut marker)."""
        base, items = self.base, self.items
        return [whole_text(items[seq - base]) for seq in self.view]

    def shown_items(self) -> list[LogItem]:
        """Every line in the view, oldest first."""
        base, items = self.base, self.items
        return [items[seq - base] for seq in self.view]


def count_below(ring: Ring[Any], bound: Any) -> int:
    """How many leading items of a sorted ring are below ``bound``."""
    return bisect_left(cast(Sequence[Any], ring), bound)
