"""Plain, frozen data the widgets display; the application builds these from its own model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "HEALTH_STATES",
    "LEVELS",
    "Cell",
    "Column",
    "CostCurve",
    "HeaderData",
    "Level",
    "PanelData",
]

Level = Literal["normal", "ok", "warn", "bad", "muted", "stale"]

LEVELS: Final[tuple[str, ...]] = ("normal", "ok", "warn", "bad", "muted", "stale")
"""Every value of ``Cell.level``; an unknown level is shown as ``normal``."""

HEALTH_STATES: Final[tuple[str, ...]] = (
    "healthy",
    "degraded",
    "failing",
    "inconclusive",
    "no canary",
    "released",
    "mirroring",
)
"""The canary health words the header knows how to colour."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One piece of text coloured by how good or bad it is (``level`` is one of ``LEVELS``)."""

    text: str
    level: str = "normal"
    short: str = ""
    """A shorter form used when the line is too wide (``starting`` -> ``start``); never for
    digits."""
    drop: int = 0
    """0: always shown. Otherwise the cell may be left out when the line is too wide, higher
    numbers first — a lower-priority field goes before anything is cut."""


@dataclass(frozen=True, slots=True)
class Column:
    """One track's half of a panel: value lines (cells joined by spaces) and a sparkline."""

    label: str
    lines: tuple[tuple[Cell, ...], ...] = ()
    spark: tuple[float | None, ...] = ()
    spark_label: str = ""
    spark_offset: int | None = None
    """The absolute index of ``spark[0]`` (its time ÷ the spacing): columns are then bins fixed
    in time, so a new point redraws one column rather than the whole sparkline."""


@dataclass(frozen=True, slots=True)
class PanelData:
    """A metric group with the stable track on the left and the canary on the right.

    With ``shared_scale`` both sparklines use one vertical scale (right for latencies, where the
    heights should be compared); without it each is scaled to its own range (right for rates,
    where the canary carries a small share of the traffic).
    """

    title: str
    stable: Column
    canary: Column
    note: str = ""
    shared_scale: bool = False
    aligned: bool = False
    """Lay the value lines out as a table: one column per cell position, numbers right-aligned
    (for lines of the same shape, e.g. a p50/p90/p99 header over rows of latencies)."""
    spark_row: int = 0
    """In the compact layout, the value line the one-row sparkline follows."""
    value_window: str = ""
    """What the values are computed over (``1m``), said once in the panel."""
    chart_window: str = ""
    """What the sparkline spans (``5m``); its axis runs from ``-5m`` to ``now``."""
    markers: tuple[tuple[float, str], ...] = ()
    """Actions on the sparklines' time scale: (fraction from the left edge to ``now``, letter),
    e.g. ``(0.8, "S")`` for a step four fifths of the way along."""
    heading: bool = False
    """Compact layout: draw a row naming the tracks (and the windows) above the values — set on
    the first panel of a stack, so the columns below are labelled once."""


@dataclass(frozen=True, slots=True)
class HeaderData:
    """What the top bar shows: source, freshness, canary state, cost and mode."""

    deployment: str
    source: str
    age_s: float | None
    stale: bool
    window: str
    canary_percent: float | None
    next_percent: float | None
    health: str
    health_reason: str = ""
    health_short: str = ""  # the reason in a few words, shown when the whole one does not fit
    burn_per_hour: float | None = None
    read_only: bool = False
    error: str = ""
    #: Stable's own trouble, shown apart from the canary comparison (empty: none).
    fleet: str = ""


@dataclass(frozen=True, slots=True)
class CostCurve:
    """Two series of dollars (API, dedicated) at evenly spaced x from 0 to the right edge
    (``x_max_label``), and marks as (fraction of the x range, label)."""

    api: tuple[float, ...]
    dedicated: tuple[float, ...]
    x_max_label: str
    y_label: str = "$"
    marks: tuple[tuple[float, str], ...] = ()
