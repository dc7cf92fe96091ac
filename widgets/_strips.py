"""Small helpers to build fixed-width Line API strips from styled pieces of plain text.

Rows are put together as lists of segments and made into one ``Strip`` at the end: a strip is
not cheap to create (it carries its own caches), and a panel repaints dozens of rows a second."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

__all__ = ["ELLIPSIS", "Segments", "fit", "fit_segments", "fit_text", "pieces_width", "strip_of"]

ELLIPSIS = "…"
Segments = list[Segment]


def pieces_width(pieces: Iterable[tuple[str, Style]]) -> int:
    """Total cell width of ``(text, style)`` pieces."""
    return sum(cell_len(text) for text, _ in pieces)


def fit_segments(pieces: Iterable[tuple[str, Style]], width: int, pad_style: Style) -> Segments:
    """Segments of exactly ``width`` cells: padded with ``pad_style``, or cut with an ellipsis.

    The text must already be clean (see ``widgets.safe_text``); it is never parsed as markup.
    """
    if width <= 0:
        return []
    segments = [Segment(text, style) for text, style in pieces if text]
    length = sum(cell_len(segment.text) for segment in segments)
    if length > width:
        segments = _cut(segments, width - 1)
        segments.append(Segment(ELLIPSIS, segments[-1].style if segments else pad_style))
        length = width
    if length < width:
        segments.append(Segment(" " * (width - length), pad_style))
    return segments


def _cut(segments: Segments, width: int) -> Segments:
    """The first ``width`` cells of ``segments`` (a wide character that would be split becomes
    a space)."""
    kept: Segments = []
    room = width
    for segment in segments:
        cells = cell_len(segment.text)
        if cells <= room:
            kept.append(segment)
            room -= cells
            continue
        if room > 0:
            kept.append(Segment(set_cell_size(segment.text, room), segment.style))
        break
    return kept


def fit_text(text: str, width: int) -> str:
    """``text`` when it fits in ``width`` cells, otherwise its start and an ellipsis."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + ELLIPSIS if width > 0 else ""


def fit(pieces: Iterable[tuple[str, Style]], width: int, pad_style: Style) -> Strip:
    """A strip of exactly ``width`` cells (see ``fit_segments``)."""
    return Strip(fit_segments(pieces, width, pad_style), max(width, 0))


def strip_of(parts: Iterable[Segments], width: int) -> Strip:
    """One strip of ``parts`` laid side by side, which together are ``width`` cells."""
    return Strip([segment for part in parts for segment in part], width)
