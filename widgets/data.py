"""Plain, frozen data the widgets display; the application builds these from its own model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "HEALTH_STATES",
    "LEVELS",
    "Cell",
    "Column",
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


@dataclass(frozen=True, slots=True)
class Column:
    """One track's half of a panel: value lines (cells joined by spaces) and a sparkline."""

    label: str
    lines: tuple[tuple[Cell, ...], ...] = ()
    spark: tuple[float | None, ...] = ()
    spark_label: str = ""


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
    burn_per_hour: float | None = None
    read_only: bool = False
    error: str = ""
    #: Stable's own trouble, shown apart from the canary comparison (empty: none).
    fleet: str = ""
