"""The details screen: what upstream dashboards show beside the panels, per track, for a release
decision — failures by cause, finish reasons, requests running, queue time, TPOT, prefix-cache
hits and pods Prometheus cannot scrape. A still picture of the last snapshot (polls pause while
a modal is open)."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from console.model import FleetSnapshot, Quantiles, Track, TrackValues
from console.units import format_duration

DASH = "–"

Row = tuple[str, str, str]


def _num(value: float | None, unit: str = "", digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return DASH if value is None or math.isnan(value) else "overflow"
    return f"{value:.{digits}f}{unit}"


def _pct(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{100 * value:.1f}%"


def _secs(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"


def _quantiles(label: str, s: Quantiles, c: Quantiles) -> list[Row]:
    return [(f"{label} {q}", _secs(getattr(s, q)), _secs(getattr(c, q))) for q in ("p50", "p99")]


def detail_rows(snapshot: FleetSnapshot) -> list[Row]:
    """(what, stable, canary) for every value of the details screen; "–" where there is none."""
    s = snapshot.tracks.get(Track.STABLE, TrackValues())
    c = snapshot.tracks.get(Track.CANARY, TrackValues())
    rows: list[Row] = [
        ("error share (server failures)", _pct(s.error_share), _pct(c.error_share)),
        ("failed /s", _num(s.failed_per_s), _num(c.failed_per_s)),
    ]
    for reason in ("error", "abort", "stop", "length"):
        rows.append(
            (
                f"finished: {reason} /s",
                _num(getattr(s.finish_per_s, reason)),
                _num(getattr(c.finish_per_s, reason)),
            )
        )
    rows += [
        ("requests running", _num(s.running, digits=0), _num(c.running, digits=0)),
        ("requests waiting", _num(s.queue_depth, digits=0), _num(c.queue_depth, digits=0)),
        *_quantiles("queue time", s.queue_time_s, c.queue_time_s),
        *_quantiles("TPOT", s.tpot_s, c.tpot_s),
        ("prefix-cache hits", _pct(s.prefix_cache_hit_fraction), _pct(c.prefix_cache_hit_fraction)),
        ("pods not scraped", _num(s.targets_down, digits=0), _num(c.targets_down, digits=0)),
    ]
    return rows


def window_line(snapshot: FleetSnapshot) -> str:
    window = format_duration(snapshot.window_s)
    if snapshot.requested_window_s is not None:
        asked = format_duration(snapshot.requested_window_s)
        return f"rates over {window} (widened from {asked}: four scrape intervals at least)"
    return f"rates over {window}"


def detail_content(snapshot: FleetSnapshot | None) -> Content:
    """The table as plain content (names and values are never parsed as markup)."""
    if snapshot is None:
        return Content("No data yet.\n\nPress escape, q or i to close.")
    rows = detail_rows(snapshot)
    width = max(len(r[0]) for r in rows)
    parts = [
        Content.styled(f"{'':<{width}}  {'stable':>10}  {'canary':>10}\n", "bold"),
        *(Content(f"{what:<{width}}  {s:>10}  {c:>10}\n") for what, s, c in rows),
        Content.styled(f"\n{window_line(snapshot)}; – = the engine does not report it\n", "dim"),
        Content("\nPress escape, q or i to close."),
    ]
    return Content("").join(parts)


class DetailScreen(ModalScreen[None]):
    """Per-track details of the last snapshot (see the module docstring)."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "dismiss", "Close", id="detail-close"),
        Binding("q", "dismiss", "Close", show=False, id="detail-close-q"),
        Binding("i", "dismiss", "Close", show=False, id="detail-close-i"),
    ]

    def __init__(self, snapshot: FleetSnapshot | None, title: str) -> None:
        super().__init__()
        self._snapshot = snapshot
        self._title = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled(self._title, "bold"), id="help-title")
            yield Static(detail_content(self._snapshot), id="detail-body")
