"""Which parts of a widget's rows changed between two renders, so that only those cells are
sent to the terminal: over an SSH link a repaint costs its bytes, and a panel whose one number
moved need not resend its sparklines."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.geometry import Region
from textual.strip import Strip

__all__ = ["changed_regions"]

MERGE_GAP = 6
"""Two changed runs this close are sent as one: a cursor move costs about as much."""


def _cells(strip: Strip) -> list[tuple[str, object]] | None:
    """One (character, style) per cell; None if a character is not one cell wide."""
    cells: list[tuple[str, object]] = []
    for segment in strip:
        text, style = segment.text, segment.style
        if not text.isascii() and cell_len(text) != len(text):
            return None
        cells.extend((char, style) for char in text)
    return cells


def changed_regions(old: Sequence[Strip], new: Sequence[Strip]) -> list[Region] | None:
    """The changed runs of cells, row by row, as regions in the widget's content; None when
    the rows cannot be compared cell by cell (another number of rows or another width)."""
    if len(old) != len(new):
        return None
    regions: list[Region] = []
    for y, (before, after) in enumerate(zip(old, new, strict=True)):
        if before == after:
            continue
        a, b = _cells(before), _cells(after)
        if a is None or b is None or len(a) != len(b):
            return None
        start = -1
        last = -MERGE_GAP - 1
        for x, (p, q) in enumerate(zip(a, b, strict=True)):
            if p == q:
                continue
            if start >= 0 and x - last > MERGE_GAP:
                regions.append(Region(start, y, last - start + 1, 1))
                start = -1
            if start < 0:
                start = x
            last = x
        if start >= 0:
            regions.append(Region(start, y, last - start + 1, 1))
    return regions
