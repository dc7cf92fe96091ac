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
background colour, a row's blank tail goes as one erase; a band of whole rows that moved up
(the log tail) goes as a scroll (:class:`Terminal`). The screen it leaves is the same as
Textual's: ``tests/test_wire.py`` replays both into a terminal emulator and compares.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import cast

from rich.cells import cell_len
from rich.color import Color, ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.control import Control
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

__all__ = ["ExactChops", "Terminal", "erases_with_background", "render_strip", "whole_characters"]

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


def render_strip(strip: Strip, erase: Style | None, system: ColorSystem) -> str:
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


class Terminal:
    """What this process last drew on each screen row it wrote whole, and how to write to it.

    A partial update that rewrites a run of whole rows, some of whose new content is the old
    moved up (a log tail that followed new lines), sends the longest such band as a scroll of
    the terminal's rows and writes only the others. Rows are remembered as the exact
    text sent for them; a row written in part is forgotten, and a full repaint (a resize, a
    screen change) forgets everything, so a scroll is only sent when what the terminal shows is
    known to be what moves."""

    MIN_BAND = 3
    """Fewer rows than this are cheaper to write than to scroll."""

    def __init__(self, *, erase: bool = False) -> None:
        self.erase = erase
        self.rows: dict[int, str] = {}

    def update(self, renderable: object) -> object:
        """The renderable to send: a partial update written exactly (``ExactChops``); anything
        else as it is, after which nothing on screen is known."""
        if type(renderable) is ChopsUpdate:
            chops = cast("list[dict[int, Strip | None]]", renderable.chops)
            return ExactChops(chops, renderable.spans, renderable.chop_ends, self)
        self.rows.clear()
        return renderable

    def scroll(self, rows: dict[int, str]) -> tuple[str, set[int]]:
        """For rows written whole (row → text), the scroll that moves what the terminal already
        shows into place, and the rows it leaves still to write."""
        known = self.rows
        best: tuple[int, int, int] | None = None  # (rows saved, band top, lines moved)
        ys = sorted(rows)
        start = 0
        for index in range(1, len(ys) + 1):
            if index < len(ys) and ys[index] == ys[index - 1] + 1:
                continue
            run = ys[start:index]  # consecutive rows written whole: a band may scroll in them
            start = index
            for n in range(1, len(run) - 1):
                stretch = 0  # rows in a row whose new text is what the terminal shows n below
                for y in run[: len(run) - n]:
                    stretch = stretch + 1 if known.get(y + n) == rows[y] else 0
                    if stretch >= self.MIN_BAND and (best is None or stretch > best[0]):
                        best = (stretch, y - stretch + 1, n)
        if best is None:
            return "", set()
        saved, top, n = best
        bottom = top + saved - 1 + n  # the band: the moved rows and the n that come in below
        scroll = f"\x1b[{top + 1};{bottom + 1}r\x1b[{bottom + 1};1H" + "\n" * n + "\x1b[r"
        return scroll, set(range(top, top + saved))


class ExactChops(ChopsUpdate):
    """A partial update that writes each span from its own start, not its chop's (see the
    module's docstring); ``terminal`` remembers whole rows, so a moved band is scrolled."""

    def __init__(
        self,
        chops: list[dict[int, Strip | None]],
        spans: list[tuple[int, int, int]],
        chop_ends: list[list[int]],
        terminal: Terminal,
    ) -> None:
        super().__init__(chops, spans, chop_ends)
        self.terminal = terminal

    def render_segments(self, console: Console) -> str:
        system = COLOR_SYSTEMS.get(console.color_system or "", ColorSystem.TRUECOLOR)
        erase = self.terminal.erase
        pieces: list[tuple[int, int, int, str]] = []  # (y, x, cells, text), in write order
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start, stop = whole_characters(strip, max(x1 - x, 0), min(end, x2) - x)
                piece = strip.crop(start, stop)
                tail = None
                if erase and x + stop == self.chop_ends[y][-1]:
                    tail = _plain_blank(piece)
                text = render_strip(*tail, system) if tail else render_strip(piece, None, system)
                pieces.append((y, x + start, stop - start, text))
        # the rows written whole, left edge to right edge, as the text sent for them
        by_row: dict[int, list[tuple[int, int, str]]] = {}
        for y, x, cells, text in pieces:
            by_row.setdefault(y, []).append((x, cells, text))
        full: dict[int, str] = {}
        for y, items in by_row.items():
            reach = 0
            for x, cells, _ in items:
                if x != reach:
                    break
                reach = x + cells
            else:
                if reach == self.chop_ends[y][-1]:
                    full[y] = "".join(text for _, _, text in items)
        scrolls, moved = self.terminal.scroll(full)
        known = self.terminal.rows
        for y in by_row:
            if y in full:
                known[y] = full[y]
            else:
                known.pop(y, None)
        move_to = Control.move_to
        out = [scrolls]
        for y, x, _, text in pieces:
            if y not in moved:
                out.append(move_to(x, y).segment.text)
                out.append(text)
        return "".join(out)
