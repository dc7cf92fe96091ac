"""A sparkline's time scale: the ``-5m ··· now`` row under it, and action letters placed where
they happened in its span."""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style

from widgets.safe_text import clean

__all__ = ["axis_row", "mark_row"]

Pieces = list[tuple[str, Style]]


def axis_row(window: str, width: int, style: Style) -> Pieces:
    """``-5m`` at the left edge, ``now`` at the right (only ``now`` when there is no room)."""
    start, end = f"-{clean(window)}", "now"
    gap = width - cell_len(start) - cell_len(end)
    if gap < 1:
        return [(end.rjust(width), style)]
    return [(start + " " * gap + end, style)]


def mark_row(
    row: Pieces,
    markers: tuple[tuple[float, str], ...],
    width: int,
    pad: Style,
    marker: Style,
) -> Pieces:
    """``row`` (single-cell characters) with each marker's letter at ``fraction`` of the way
    along, in the ``marker`` style; a marker outside 0..1 is left out."""
    if not markers or width <= 0:
        return row
    cells = [(char, style) for text, style in row for char in text]
    cells += [(" ", pad)] * (width - len(cells))
    for fraction, letter in markers:
        if not 0.0 <= fraction <= 1.0:
            continue
        column = min(round(fraction * (width - 1)), width - 1)
        cells[column] = (clean(letter)[:1] or "?", marker)
    return cells[:width]
