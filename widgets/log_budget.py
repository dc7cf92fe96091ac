"""What a log view may hold in bytes: long lines cut to ``max_line_chars`` with a visible marker,
the whole text of cut lines kept for saving only within ``keep_whole_bytes`` (oldest let go
first), and the size of a kept line for the buffer's byte budget."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from widgets.log_format import LogItem, detect_level

__all__ = [
    "ITEM_OVERHEAD",
    "KEEP_WHOLE_BYTES",
    "MAX_BUFFER_BYTES",
    "MAX_LINE_CHARS",
    "CutLine",
    "LineBudget",
    "drop_oldest_over",
    "item_bytes",
    "line_length",
    "whole_text",
]

MAX_LINE_CHARS: Final = 16_384
"""Characters of a line kept in the view (and matched by the filter); the rest is cut."""
KEEP_WHOLE_BYTES: Final = 32 << 20
"""Bytes of cut lines' whole text kept so that saving writes them whole."""
MAX_BUFFER_BYTES: Final = 64 << 20
"""Bytes a view's lines may take, beside its line count."""
ITEM_OVERHEAD: Final = 160
"""Bytes a kept line costs beside its text (the line object, its slots in the buffer)."""


@dataclass(slots=True)
class CutLine:
    """A line cut for the view; ``whole`` is its whole text while the budget keeps it."""

    text: str
    source: str
    track: str
    time: float | None
    level: str | None
    whole: str | None
    held: int  # bytes of ``whole`` counted against the budget
    length: int  # characters of the whole line


def item_bytes(item: LogItem) -> int:
    """What a kept line costs in memory, near enough for a budget."""
    return sys.getsizeof(item.text) + ITEM_OVERHEAD


def drop_oldest_over(
    items: list[LogItem], size: int, max_lines: int, max_bytes: int
) -> tuple[int, int]:
    """Drop the oldest of ``items`` (which take ``size`` bytes) until at most ``max_lines`` and
    ``max_bytes`` remain, always keeping the newest; returns how many went and their bytes."""
    drop = max(len(items) - max_lines, 0)
    freed = sum(item_bytes(item) for item in items[:drop])
    over = size - freed - max_bytes
    while over > 0 and drop < len(items) - 1:
        cost = item_bytes(items[drop])
        over, freed, drop = over - cost, freed + cost, drop + 1
    if drop:
        del items[:drop]
    return drop, freed


def line_length(item: LogItem) -> int:
    """Characters of the line as received."""
    return item.length if isinstance(item, CutLine) else len(item.text)


def whole_text(item: LogItem) -> str:
    """The line as received when it is still kept whole, else the text shown (with its cut
    marker)."""
    if isinstance(item, CutLine) and item.whole is not None:
        return item.whole
    return item.text


class LineBudget:
    """Cuts long lines and keeps the whole text of the newest cut ones within a byte budget."""

    def __init__(
        self, max_line_chars: int = MAX_LINE_CHARS, keep_whole_bytes: int = KEEP_WHOLE_BYTES
    ) -> None:
        self.max_line_chars = max(int(max_line_chars), 64)
        self.keep_whole_bytes = max(int(keep_whole_bytes), 0)
        self._whole: deque[CutLine] = deque()
        self.whole_bytes = 0

    def cut(self, items: Sequence[LogItem]) -> Sequence[LogItem]:
        """``items`` with every line over ``max_line_chars`` cut (the same sequence when none
        is)."""
        limit = self.max_line_chars
        if all(len(item.text) <= limit or isinstance(item, CutLine) for item in items):
            return items
        return [
            self._cut(item) if len(item.text) > limit and not isinstance(item, CutLine) else item
            for item in items
        ]

    def _cut(self, item: LogItem) -> CutLine:
        text, limit = item.text, self.max_line_chars
        # ASCII, so that an ASCII line keeps one byte a character.
        marker = f" [line cut: {len(text):,} chars, {len(text) - limit:,} not shown]"
        level = item.level or detect_level(text)
        line = CutLine(
            text[:limit] + marker, item.source, item.track, item.time, level, None, 0, len(text)
        )
        size = sys.getsizeof(text)
        if size <= self.keep_whole_bytes:
            line.whole, line.held = text, size
            self._whole.append(line)
            self.whole_bytes += size
            while self.whole_bytes > self.keep_whole_bytes:
                oldest = self._whole.popleft()
                self.whole_bytes -= oldest.held
                oldest.whole, oldest.held = None, 0
        return line

    def clear(self) -> None:
        for line in self._whole:
            line.whole = None
        self._whole.clear()
        self.whole_bytes = 0
