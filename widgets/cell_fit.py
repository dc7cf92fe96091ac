"""Fitting value lines into a width without cutting a digit: short forms, then lower-priority
cells left out, then (only when nothing else is left) the caller's ellipsis.

Pure: works on ``Cell`` tuples and returns (text, level) pieces, so it is tested without a
terminal."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.cells import cell_len

from widgets.data import Cell
from widgets.safe_text import clean

__all__ = ["Piece", "fit_lines", "line_width"]

Piece = tuple[str, str]
"""Clean text and its level (``muted``, ``ok`` …); a separating space has level ``normal``."""

Line = Sequence[Cell]


def _variants(lines: Sequence[Line]) -> Iterator[list[list[tuple[str, str]]]]:
    """The lines as they would be shown, from the fullest to the most reduced."""
    full = [[(clean(c.text), c.level) for c in line] for line in lines]
    yield full
    shortened = [[(clean(c.short or c.text), c.level) for c in line] for line in lines]
    if shortened != full:
        yield shortened
    priorities = sorted({c.drop for line in lines for c in line if c.drop > 0}, reverse=True)
    for limit in priorities:
        yield [
            [(clean(c.short or c.text), c.level) for c in line if not c.drop or c.drop < limit]
            for line in lines
        ]


def _join(cells: list[tuple[str, str]], widths: list[int] | None) -> list[Piece]:
    pieces: list[Piece] = []
    for index, (text, level) in enumerate(cells):
        if index:
            pieces.append((" ", "normal"))
        if widths is not None:
            pad = widths[index] - cell_len(text)
            if pad > 0 and index == 0:
                text = text + " " * pad
            elif pad > 0:
                pieces.append((" " * pad, "normal"))
        pieces.append((text, level))
    return pieces


def _table(variant: list[list[tuple[str, str]]], aligned: bool) -> list[list[Piece]]:
    widths: list[int] | None = None
    shapes = {len(line) for line in variant}
    if aligned and len(shapes) == 1:
        count = shapes.pop()
        widths = [max(cell_len(line[i][0]) for line in variant) for i in range(count)]
    return [_join(line, widths) for line in variant]


def line_width(pieces: Sequence[Piece]) -> int:
    """Cells taken by ``pieces``."""
    return sum(cell_len(text) for text, _ in pieces)


def fit_lines(lines: Sequence[Line], width: int, *, aligned: bool = False) -> list[list[Piece]]:
    """Each line as pieces no wider than ``width`` where possible.

    All lines take the same reduction, so an aligned table keeps its columns: first every
    cell's short form, then the cells with the highest ``drop`` go, then the next. A line that
    is still too wide once nothing more may go is returned as it is — the caller cuts it, which
    happens only far below the sizes the layout is meant for.
    """
    table: list[list[Piece]] = []
    for variant in _variants(lines):
        table = _table(variant, aligned)
        if all(line_width(line) <= width for line in table):
            return table
    return table
