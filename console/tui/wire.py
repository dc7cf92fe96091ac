"""What a partial repaint sends to the terminal: only the cells that changed, in few bytes.

Textual's compositor collects the regions widgets ask to repaint as spans ``(y, x1, x2)`` of
screen cells, but when it writes a span that starts inside a widget's slice of the line (a
"chop") it sends that slice from its own start up to ``x2``: a panel whose number at column 60
changed resends columns 0-60, and each of several changed numbers on a row resends the row's
prefix again. Over an SSH link that is most of what an idle dashboard costs.

:class:`ExactChops` writes each span from ``x1`` instead (widened to the whole of a wide
character it would otherwise split), with one cursor move per run and no newline between
spans. Between segments it sends only the colour that changed (Rich resets and restates the
whole style around every segment), and where the terminal paints erased cells with the
background colour, a row's blank tail goes as one erase. The screen it leaves is the same as
Textual's: ``tests/test_wire.py`` replays both into a terminal emulator and compares.
"""

from __future__ import annotations

import os
from functools import lru_cache

from rich.cells import cell_len
from rich.color import Color, ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.control import Control
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

__all__ = ["ExactChops", "erases_with_background", "exact", "render_strip", "whole_characters"]

ERASE_TO_END = "\x1b[K"
MIN_ERASED = 8
"""A blank tail shorter than this is sent as spaces: the erase and its colours cost as much."""


def erases_with_background(term: str | None) -> bool:
    """Whether the terminal named ``term`` fills erased cells with the current background
    colour (terminfo's ``bce``): then a row's blank tail can go as one erase instead of its
    spaces. Read once per process (curses reads terminfo once); False when it cannot tell."""
    if not term:
        return False
    try:
        import curses

        with open(os.devnull, "w") as devnull:
            curses.setupterm(term, devnull.fileno())
        return curses.tigetflag("bce") == 1
    except Exception:  # no terminfo entry, no curses: send the spaces
        return False


def whole_characters(strip: Strip, start: int, end: int) -> tuple[int, int]:
    """Cell offsets ``start`` and ``end`` of ``strip`` widened to the characters they fall in,
    so that cropping there never splits a double-width character."""
    position = 0
    for segment in strip:
        text = segment.text
        width = cell_len(text)
        if position + width <= start or width == len(text):
            # wholly before the start, or one cell per character: any offset is a boundary
            position += width
            if position >= end:
                break
            continue
        for char in text:
            char_width = cell_len(char)
            if position < start < position + char_width:
                start = position
            if position < end < position + char_width:
                return start, position + char_width
            position += char_width
            if position >= end:
                return start, end
    return start, end


def _plain_blank(strip: Strip) -> tuple[Strip, Style] | None:
    """``strip`` without its blank tail and the tail's style, when the tail is spaces whose only
    visible attribute is colour (an erase paints the background, nothing else)."""
    segments = list(strip)
    if not segments:
        return None
    last = segments[-1]
    text, style = last.text, last.style
    if len(text) < MIN_ERASED or text.strip(" ") or style is None or last.control:
        return None
    if (
        any((style.underline, style.underline2, style.overline, style.strike, style.reverse))
        or style.link
        or style.bgcolor is None
    ):
        return None
    return Strip(segments[:-1]), style


RESET = "\x1b[0m"


@lru_cache(maxsize=4096)
def _transition(before: Style | None, after: Style, system: ColorSystem) -> str:
    """The SGR sequence that turns the terminal's current style ``before`` into ``after``: only
    the colour that changed when nothing else did, otherwise a reset and the whole style."""
    if before is not None and before.without_color == after.without_color:
        codes: list[str] = []
        for old, new, foreground in (
            (before.color, after.color, True),
            (before.bgcolor, after.bgcolor, False),
        ):
            if old != new:
                color = new or Color.default()
                codes += color.downgrade(system).get_ansi_codes(foreground=foreground)
        return f"\x1b[{';'.join(codes)}m" if codes else ""
    whole = after.render("\0", color_system=system).partition("\0")[0]  # Rich's own codes
    return RESET + whole if before is not None else whole


def render_strip(strip: Strip, system: ColorSystem, erase: Style | None = None) -> str:
    """``strip`` as terminal text, sending only what changes between segments' styles (Rich
    resets and restates the whole style around every segment); with ``erase``, followed by an
    erase to the end of the line in that style. Ends reset."""
    out: list[str] = []
    current: Style | None = None
    for text, style, control in strip:
        if control:
            continue
        if style is None or style.link:  # a link is Rich's to write (OSC 8), from a reset
            if current is not None:
                out.append(RESET)
                current = None
            out.append(text if style is None else Strip.render_style(style, text, system))
            continue
        if style != current:
            if not style:  # the null style: the terminal's defaults
                if current is not None:
                    out.append(RESET)
                current = None
                out.append(text)
                continue
            out.append(_transition(current, style, system))
            current = style
        out.append(text)
    if erase is not None:
        # an erase paints only the background: the foreground may stay as it is
        same_paint = (
            current is not None
            and current.bgcolor == erase.bgcolor
            and current.without_color == erase.without_color
        )
        if not same_paint:
            out.append(_transition(current, erase, system))
            current = erase
        out.append(ERASE_TO_END)
    if current is not None:
        out.append(RESET)
    return "".join(out)


class ExactChops(ChopsUpdate):
    """A partial update that writes each span from its own start, not its chop's; with
    ``erase``, a span that runs to the screen's right edge sends its blank tail as one erase."""

    erase = False

    def render_segments(self, console: Console) -> str:
        system = COLOR_SYSTEMS.get(console.color_system or "", ColorSystem.TRUECOLOR)
        out: list[str] = []
        append = out.append
        move_to = Control.move_to
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start, stop = whole_characters(strip, max(x1 - x, 0), min(end, x2) - x)
                append(move_to(x + start, y).segment.text)
                piece = strip.crop(start, stop)
                tail = None
                if self.erase and x + stop == self.chop_ends[y][-1]:
                    tail = _plain_blank(piece)
                if tail is None:
                    append(render_strip(piece, system))
                else:
                    append(render_strip(tail[0], system, erase=tail[1]))
        return "".join(out)


def exact(update: object, *, erase: bool = False) -> object:
    """``update`` as an :class:`ExactChops` when it is a partial update; otherwise unchanged.
    ``erase``: the terminal fills erased cells with the background (``erases_with_background``)."""
    if type(update) is ChopsUpdate:
        chops = ExactChops(update.chops, update.spans, update.chop_ends)
        chops.erase = erase
        return chops
    return update
