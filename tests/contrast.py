"""WCAG 2.x contrast over what the compositor actually draws: every segment's foreground against
its background, text at 4.5:1 (AA), block graphics (sparklines, bars, meters) at 3:1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.color import Color
from textual.strip import Strip

TEXT_AA = 4.5
GRAPHICS = 3.0


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """The WCAG contrast ratio of two sRGB colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(color: Color) -> tuple[int, int, int]:
    triplet = color.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def _graphics(char: str) -> bool:
    return 0x2580 <= ord(char) <= 0x259F  # block elements: sparklines, bars, meters


def _border(char: str) -> bool:
    return 0x2500 <= ord(char) <= 0x257F  # box drawing: frames and rules, not content


@dataclass(frozen=True)
class Failure:
    row: int
    text: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]
    ratio: float
    needed: float

    def __str__(self) -> str:
        return (
            f"row {self.row}: {self.text!r} #{bytes(self.fg).hex()} on #{bytes(self.bg).hex()} "
            f"is {self.ratio:.2f}:1, needs {self.needed}:1"
        )


def failures(strips: Iterable[Strip]) -> tuple[list[Failure], int]:
    """Every drawn pair below its threshold, and how many pairs were checked."""
    found: list[Failure] = []
    checked = 0
    for row, strip in enumerate(strips):
        for segment in strip:
            style = segment.style
            visible = [c for c in segment.text if not c.isspace() and not _border(c)]
            if style is None or not visible:
                continue
            assert style.color is not None and style.bgcolor is not None, (
                f"row {row}: {segment.text!r} drawn in the terminal's default colours"
            )
            fg, bg = _rgb(style.color), _rgb(style.bgcolor)
            if style.reverse:
                fg, bg = bg, fg
            needed = GRAPHICS if all(_graphics(c) for c in visible) else TEXT_AA
            value = ratio(fg, bg)
            checked += 1
            if value < needed:
                found.append(Failure(row, "".join(visible)[:24], fg, bg, value, needed))
    return found, checked
