"""Pure sparkline rendering: a series of numbers to rows of eighth-block characters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from math import isfinite
from typing import Final

__all__ = ["BLOCKS", "finite_values", "render_sparkline", "resample", "resample_binned"]

BLOCKS: Final = "▁▂▃▄▅▆▇█"
"""Eighth blocks, one to eight eighths of a cell high."""


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    if type(value) is float:  # the usual case, without the conversion
        return value if isfinite(value) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if isfinite(number) else None


def finite_values(values: Sequence[float | None]) -> list[float]:
    """The present, finite numbers of ``values`` (None, NaN and infinities dropped)."""
    return [v for v in map(_finite, values) if v is not None]


def resample(values: Sequence[float | None], width: int) -> list[float | None]:
    """Fit ``values`` into exactly ``width`` columns; missing, NaN and infinite values are None.

    With more points than columns, each column holds the maximum of its bin, so a short spike is
    never averaged away. With fewer, each point is repeated the same whole number of times and the
    series is right-aligned (the newest point at the right edge), blank columns on the left.
    """
    if width <= 0:
        return []
    points = [_finite(v) for v in values]
    count = len(points)
    if count == 0:
        return [None] * width
    if count >= width:
        columns: list[float | None] = []
        for column in range(width):
            start = column * count // width
            end = (column + 1) * count // width
            present = [v for v in points[start:end] if v is not None]
            columns.append(max(present) if present else None)
        return columns
    repeat = width // count
    stretched = [v for v in points for _ in range(repeat)]
    return [None] * (width - len(stretched)) + stretched


def resample_binned(values: Sequence[float | None], width: int, offset: int) -> list[float | None]:
    """Like ``resample`` but with bins fixed in time: ``values[0]`` is point ``offset`` of an
    absolute sequence (e.g. the sample time ÷ the step). Point ``i`` of that sequence belongs to
    column ``i * width // count`` (``count`` points in ``width`` columns: each column holds the
    maximum of one or two whole runs of points, never averaged away), counted from point 0, and
    the newest bin is the right edge. A new point then changes only the right-hand column —
    until it starts a new bin, when the chart moves one column left — instead of moving every
    bin's edges (and so redrawing the whole chart) at every point. With fewer points than
    columns each point is a column, the newest at the right edge."""
    if width <= 0:
        return []
    count = len(values)
    columns: list[float | None] = [None] * width
    if count == 0:
        return columns
    per_count, per_width = (count, width) if count >= width else (1, 1)
    # One pass over the points (this runs for every sparkline at every refresh).
    first_bin = (offset + count - 1) * per_width // per_count - width + 1
    for index, value in enumerate(values, offset):
        if type(value) is not float or not isfinite(value):
            value = _finite(value)
            if value is None:
                continue
        column = index * per_width // per_count - first_bin
        if column >= 0:
            held = columns[column]
            if held is None or value > held:
                columns[column] = value
    return columns


def _fraction(value: float, lo: float, hi: float) -> float:
    """Where ``value`` sits between ``lo`` and ``hi`` (clamped to 0..1), overflow-safe."""
    span = hi - lo
    if math.isinf(span):  # e.g. lo=-1e308, hi=1e308: halve everything first
        value, lo, span = value / 2, lo / 2, hi / 2 - lo / 2
    fraction = (value - lo) / span
    return min(1.0, max(0.0, fraction))


def render_sparkline(
    values: Sequence[float | None],
    width: int,
    height: int = 1,
    *,
    lo: float | None = None,
    hi: float | None = None,
    offset: int | None = None,
) -> list[str]:
    """Draw ``values`` as ``height`` rows (top row first), each exactly ``width`` cells.

    The scale runs from ``lo`` (default: the smaller of 0 and the series minimum) to ``hi``
    (default: the series maximum). Every present value draws at least the lowest eighth, so a
    zero is visible and distinct from a gap; a series with no range draws a low line. Missing,
    NaN and infinite values draw as spaces. Rows below the top of a bar are full blocks. With
    ``offset`` (the absolute index of the first value) and at least a point per column, the
    columns are bins fixed in time (see ``resample_binned``).
    """
    if height <= 0:
        return []
    width = max(0, width)
    if offset is not None and len(values) >= width > 0:
        columns = resample_binned(values, width, offset)
    else:
        columns = resample(values, width)
    present = [v for v in columns if v is not None]
    if not present:
        return [" " * width for _ in range(height)]

    low = _finite(lo)
    high = _finite(hi)
    if low is None:
        low = min(0.0, min(present))
    if high is None:
        high = max(present)
    steps = 8 * height

    span, top = high - low, steps - 1
    if high <= low:
        levels = [0 if value is None else 1 for value in columns]
    elif math.isinf(span):
        levels = [0 if v is None else 1 + round(_fraction(v, low, high) * top) for v in columns]
    else:  # as ``_fraction``, without a call per column
        levels = [
            0 if v is None else 1 + round(min(1.0, max(0.0, (v - low) / span)) * top)
            for v in columns
        ]

    rows: list[str] = []
    for row in range(height - 1, -1, -1):
        glyphs = _row_glyphs(row * 8, steps)
        rows.append("".join([glyphs[level] for level in levels]))
    return rows


@lru_cache(maxsize=64)
def _row_glyphs(base: int, steps: int) -> str:
    """The glyph of each level 0..``steps`` in the row whose bottom is level ``base``: a space
    below it, a partial block in it, a full block above it."""
    return "".join(
        " " if level - base <= 0 else BLOCKS[min(8, level - base) - 1] for level in range(steps + 1)
    )
