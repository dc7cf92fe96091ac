"""Line plots in braille: each cell holds a 2×4 grid of dots, so a W×H area draws 2W×4H points.

Pure: series in, rows of (character, owner) out, so it is tested without a terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["plot"]

_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Braille dot bits by (row within the cell, column within the cell)."""


def _column_values(values: Sequence[float], columns: int) -> list[float]:
    """``values`` (evenly spaced over the x range) linearly interpolated at ``columns`` points."""
    if not values or columns <= 0:
        return []
    if len(values) == 1 or columns == 1:
        return [float(values[0])] * columns
    last = len(values) - 1
    out = []
    for i in range(columns):
        x = i * last / (columns - 1)
        lo = min(int(x), last - 1)
        frac = x - lo
        out.append(values[lo] * (1 - frac) + values[lo + 1] * frac)
    return out


def plot(
    series: Sequence[Sequence[float]], width: int, height: int, top: float
) -> list[list[tuple[str, int]]]:
    """``height`` rows (top first) of ``width`` cells: each a braille character (a space where no
    dot is set) and the index of the series with most dots in it (-1 for an empty cell). Values
    run from 0 (bottom) to ``top``; points of one series are joined vertically so steep lines
    stay lines. NaN and infinite values are left out."""
    if width <= 0 or height <= 0:
        return []
    dots_y = 4 * height
    bits = [[0] * width for _ in range(height)]
    counts = [[[0] * len(series) for _ in range(width)] for _ in range(height)]

    def dot(x: int, y: int, owner: int) -> None:
        row, sub_y = divmod(dots_y - 1 - y, 4)
        column, sub_x = divmod(x, 2)
        bits[row][column] |= _BITS[sub_y][sub_x]
        counts[row][column][owner] += 1

    for owner, values in enumerate(series):
        previous: int | None = None
        for x, value in enumerate(_column_values(values, 2 * width)):
            if not math.isfinite(value) or not top > 0:
                previous = None
                continue
            y = round(min(max(value / top, 0.0), 1.0) * (dots_y - 1))
            low, high = (y, y) if previous is None else sorted((previous, y))
            for step in range(low, high + 1):
                dot(x, step, owner)
            previous = y
    rows = []
    for row in range(height):
        cells = []
        for column in range(width):
            owners = counts[row][column]
            owner = max(range(len(owners)), key=owners.__getitem__) if any(owners) else -1
            bit = bits[row][column]
            cells.append((chr(0x2800 + bit) if bit else " ", owner))
        rows.append(cells)
    return rows
