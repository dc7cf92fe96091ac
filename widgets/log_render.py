"""One log line as Line API strips: time, source label, level colour, filter matches, wrapping.

Text is cleaned by ``display_text`` first and only ever placed in segments, never parsed as
markup."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from widgets._strips import fit
from widgets.log_budget import line_length
from widgets.log_filter import Matcher
from widgets.log_format import (
    LEVELS,
    LogItem,
    detect_level,
    display_text,
    short_label,
    time_label,
)

__all__ = ["LineLayout", "render_item"]

Pieces = list[tuple[str, Style]]
StyleFor = Callable[[str], Style]
TIME_WIDTH = 13  # "HH:MM:SS.mmm "


@dataclass(frozen=True)
class LineLayout:
    """What goes before the text and how the text is laid out."""

    timestamps: bool
    show_source: bool
    label_width: int
    wrap: bool

    @property
    def prefix_width(self) -> int:
        return (TIME_WIDTH if self.timestamps else 0) + (
            self.label_width + 1 if self.show_source else 0
        )


def render_item(
    item: LogItem,
    width: int,
    base: Style,
    style: StyleFor,
    layout: LineLayout,
    pattern: Matcher | None,
) -> list[Strip]:
    """The strips (one, or one per row when wrapping) for ``item``, each ``width`` cells wide.

    ``style(name)`` gives the partial style for ``time``, ``source``, ``stable``, ``canary``,
    ``match`` and each level."""
    pieces: Pieces = []
    if layout.timestamps:
        pieces.append((time_label(item.time) + " ", base + style("time")))
    if layout.show_source:
        label = short_label(item.source, layout.label_width).ljust(layout.label_width)
        track = item.track if item.track in ("stable", "canary") else "source"
        pieces.append((label + " ", base + style(track)))
    level = item.level or detect_level(item.text)
    text_style = base + style(level) if level in LEVELS else base
    text = display_text(item.text, line_length(item))
    if pattern is None or not text:
        pieces.append((text, text_style))
    else:
        pieces.extend(highlight(text, pattern, text_style, text_style + style("match")))
    if not layout.wrap:
        return [fit(pieces, width, base)]
    strip = Strip([Segment(t, s) for t, s in pieces if t])
    rows = max(math.ceil(strip.cell_length / width), 1)
    return [
        strip.crop(i * width, (i + 1) * width).adjust_cell_length(width, base) for i in range(rows)
    ]


def highlight(text: str, pattern: Matcher, style: Style, match: Style) -> Pieces:
    """``text`` in pieces, the non-empty matches of ``pattern`` in the ``match`` style."""
    pieces: Pieces = []
    at = 0
    for start, end in pattern.spans(text):
        if start == end:
            continue
        if start > at:
            pieces.append((text[at:start], style))
        pieces.append((text[start:end], match))
        at = end
    pieces.append((text[at:], style))
    return pieces
