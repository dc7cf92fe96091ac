"""Small helpers to build fixed-width Line API strips from styled pieces of plain text."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

__all__ = ["ELLIPSIS", "fit", "pieces_width"]

ELLIPSIS = "…"


def pieces_width(pieces: Iterable[tuple[str, Style]]) -> int:
    """Total cell width of ``(text, style)`` pieces."""
    return sum(cell_len(text) for text, _ in pieces)


def fit(pieces: Iterable[tuple[str, Style]], width: int, pad_style: Style) -> Strip:
    """A strip of exactly ``width`` cells: padded with ``pad_style``, or cut with an ellipsis.

    The text must already be clean (see ``widgets.safe_text``); it is never parsed as markup.
    """
    segments = [Segment(text, style) for text, style in pieces if text]
    strip = Strip(segments)
    if width <= 0:
        return Strip([])
    if strip.cell_length > width:
        cut = strip.crop(0, width - 1)
        tail_style = segments[-1].style if segments else pad_style
        for segment in reversed(list(cut)):
            if segment.text:
                tail_style = segment.style
                break
        strip = Strip([*cut, Segment(ELLIPSIS, tail_style)])
    return strip.adjust_cell_length(width, pad_style)
