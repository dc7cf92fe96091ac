"""Turns a fleet snapshot into what the panels show: formatted cells with threshold levels.

Headless: it produces the widgets' plain data classes and knows nothing of Textual."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from console.config import ThresholdsConfig
from console.markers import Marker, positions
from console.model import FleetSnapshot, Quantiles, SizeStats, Track, TrackValues
from console.units import format_bytes, format_duration, format_percent_of, format_si
from widgets.data import Cell, Column, PanelData


@dataclass(frozen=True)
class PanelSpec:
    id: str
    title: str  # at most 9 cells: the compact layout gives titles a fixed column
    spark_key: str
    spark_label: str
    note: str = ""  # the unit the values share (``tok/req``): under the title when compact
    shared_scale: bool = False  # latencies compare heights across tracks; rates do not


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("volume", "Volume", "requests_per_s", "req/s"),
    PanelSpec("sizes", "Tokens", "input_tokens.mean", "mean input", "tok/req"),
    PanelSpec("codes", "Responses", "error_share", "error share"),
    PanelSpec("latency", "Latency", "ttft_s.p99", "p99 TTFT", shared_scale=True),
    PanelSpec("replicas", "Replicas", "replicas.serving", "serving"),
    PanelSpec("utilisation", "Resources", "gpu_utilization_fraction", "GPU util"),
    PanelSpec("queue", "Queue", "queue_depth", "waiting"),
)

ALIGNED = frozenset({"sizes", "codes", "latency"})
"""Panels whose value lines are tables (the same shape on every line)."""
SPARK_ROW = {"latency": 1}
"""Compact layout: the line the sparkline follows, when not the first (latency: TTFT, under
the p50/p90/p99 heading)."""

NA = "–"


def present(
    snapshot: FleetSnapshot | None,
    thresholds: ThresholdsConfig,
    markers: Sequence[Marker] = (),
) -> dict[str, PanelData]:
    """Every panel's data, keyed by panel id. ``None`` (no data yet) gives placeholder panels.
    ``markers`` are actions to mark on the sparklines where they fall in their time span."""
    out: dict[str, PanelData] = {}
    value_window = format_duration(snapshot.window_s) if snapshot else ""
    chart_window = _chart_window(snapshot)
    marks = _marks(snapshot, markers)
    for index, spec in enumerate(PANELS):
        columns = []
        for track in (Track.STABLE, Track.CANARY):
            values = snapshot.tracks.get(track) if snapshot else None
            stable = snapshot.tracks.get(Track.STABLE) if snapshot else None
            lines = _lines(spec.id, values, stable, track, thresholds, stale=_stale(snapshot))
            spark: Sequence[float | None] = ()
            offset = None
            if snapshot and track in snapshot.histories:
                history = snapshot.histories[track]
                spark = history.values(spec.spark_key)
                offset = _offset(history.start, history.step_s)
            columns.append(
                Column(
                    label=track.value,
                    lines=lines,
                    spark=tuple(spark),
                    spark_label=spec.spark_label,
                    spark_offset=offset,
                )
            )
        out[spec.id] = PanelData(
            title=spec.title,
            stable=columns[0],
            canary=columns[1],
            note=spec.note,
            shared_scale=spec.shared_scale,
            aligned=spec.id in ALIGNED,
            spark_row=SPARK_ROW.get(spec.id, 0),
            value_window=value_window,
            chart_window=chart_window,
            markers=marks,
            heading=index == 0,
        )
    return out


def _offset(start: float, step: float) -> int | None:
    """The first history point's index on the absolute time axis (None when it has none)."""
    if not (step > 0 and math.isfinite(start) and math.isfinite(step)):
        return None
    index = start / step
    return round(index) if abs(index) < 2**53 else None


def _chart_window(snapshot: FleetSnapshot | None) -> str:
    """How far back the sparklines reach (``5m``), from the histories' spacing and length."""
    if snapshot is None:
        return ""
    spans = [
        h.step_s * max((len(v) for v in h.series.values()), default=0)
        for h in snapshot.histories.values()
    ]
    span = max(spans, default=0.0)
    return format_duration(span) if span > 0 and math.isfinite(span) else ""


def _marks(
    snapshot: FleetSnapshot | None, markers: Sequence[Marker]
) -> tuple[tuple[float, str], ...]:
    """Markers as fractions of the sparklines' span: from the first point to the newest."""
    if snapshot is None or not markers or not snapshot.histories:
        return ()
    history = next(iter(snapshot.histories.values()))
    points = max((len(v) for v in history.series.values()), default=0)
    if points < 2:
        return ()
    return positions(markers, history.start, history.start + history.step_s * (points - 1))


def _stale(snapshot: FleetSnapshot | None) -> bool:
    return snapshot is None or snapshot.stale


def _lines(
    panel: str,
    v: TrackValues | None,
    stable: TrackValues | None,
    track: Track,
    t: ThresholdsConfig,
    *,
    stale: bool,
) -> tuple[tuple[Cell, ...], ...]:
    if v is None:
        return ((Cell(NA, "muted"),),)
    lines: tuple[tuple[Cell, ...], ...]
    if panel == "volume":
        lines = ((Cell(_num(v.requests_per_s)), Cell("req/s", "muted")),)
    elif panel == "sizes":
        lines = (_size_line("in", v.input_tokens), _size_line("out", v.output_tokens))
    elif panel == "codes":
        c = v.codes_per_s
        lines = (
            (
                Cell("2xx", "muted"),
                Cell(_rate(c.ok)),
                Cell("4xx", "muted"),
                Cell(_rate(c.client_error)),
            ),
            (
                Cell("5xx", "muted"),
                Cell(_rate(c.server_error), _level(c.server_error, 1e-9, 1e-9)),
                Cell("errors", "muted", short="err"),
                Cell(
                    _pct(v.error_share),
                    _level(v.error_share, t.error_share_warn, t.error_share_bad),
                ),
            ),
        )
    elif panel == "latency":
        lines = (
            (Cell("", "muted"), Cell("p50", "muted"), Cell("p90", "muted"), Cell("p99", "muted")),
            _quantile_line(
                "TTFT",
                v.ttft_s,
                _latency_level(
                    v.ttft_s.p99,
                    stable.ttft_s.p99 if stable else None,
                    track,
                    t.ttft_p99_warn_s,
                    t.ttft_p99_bad_s,
                ),
            ),
            _quantile_line(
                "ITL",
                v.itl_s,
                _latency_level(
                    v.itl_s.p99,
                    stable.itl_s.p99 if stable else None,
                    track,
                    t.itl_p99_warn_s,
                    t.itl_p99_bad_s,
                ),
            ),
            _quantile_line("E2E", v.e2e_s, _level(v.e2e_s.p99, t.e2e_p99_warn_s, t.e2e_p99_bad_s)),
        )
    elif panel == "replicas":
        r = v.replicas
        serving_level = "normal"
        if r.desired and r.serving is not None:
            serving_level = "bad" if r.serving == 0 else ("warn" if r.serving < r.desired else "ok")
        lines = (
            (
                Cell(_int(r.serving), serving_level),
                Cell("serving", "muted"),
                Cell(f"of {_int(r.desired)}", "muted", drop=1),
                Cell("·", "muted", drop=2),
                Cell(_int(r.starting), "warn" if r.starting else "normal"),
                Cell("starting", "muted", short="start"),
            ),
        )
    elif panel == "utilisation":
        lines = (
            (
                Cell("GPU mem", "muted"),
                Cell(
                    _pct(v.gpu_memory_used_fraction, 0),
                    _level(v.gpu_memory_used_fraction, t.gpu_memory_warn, t.gpu_memory_bad),
                ),
                Cell("util", "muted"),
                Cell(_pct(v.gpu_utilization_fraction, 0)),
            ),
            (
                Cell("CPU", "muted"),
                Cell(_num(v.cpu_cores)),
                Cell("cores", "muted", short="c"),
                Cell("mem", "muted"),
                Cell(NA if v.host_memory_bytes is None else format_bytes(v.host_memory_bytes)),
            ),
        )
    else:  # queue
        per_replica = None
        if v.queue_depth is not None and v.replicas.serving:
            per_replica = v.queue_depth / v.replicas.serving
        level = _level(per_replica, t.queue_per_replica_warn, t.queue_per_replica_bad)
        if v.queue_depth is not None and v.queue_depth > 0 and not v.replicas.serving:
            level = "bad"
        kv = v.kv_cache_used_fraction
        lines = (
            (
                Cell(_num(v.queue_depth), level),
                Cell("waiting", "muted"),
                Cell("·", "muted", drop=1),
                Cell("KV cache", "muted", short="KV"),
                Cell(_pct(kv, 0), _level(kv, t.kv_cache_warn, t.kv_cache_bad)),
            ),
        )
    if stale:
        lines = tuple(
            tuple(Cell(c.text, "stale", short=c.short, drop=c.drop) for c in line) for line in lines
        )
    return lines


def _size_line(label: str, stats: SizeStats) -> tuple[Cell, ...]:
    return (
        Cell(label, "muted"),
        Cell("mean", "muted"),
        Cell(_num(stats.mean)),
        Cell("p90", "muted"),
        Cell(_num(stats.p90)),
    )


def _quantile_line(label: str, q: Quantiles, p99_level: str) -> tuple[Cell, ...]:
    return (
        Cell(label, "muted"),
        Cell(format_seconds(q.p50)),
        Cell(format_seconds(q.p90)),
        Cell(format_seconds(q.p99), p99_level),
    )


def _latency_level(
    value: float | None, stable: float | None, track: Track, warn: float, bad: float
) -> str:
    level = _level(value, warn, bad)
    if track is Track.CANARY and value is not None and stable and level != "bad":
        ratio = value / stable
        if ratio > 1.5:
            return "bad"
        if ratio > 1.2:
            return "warn"
    return level


def _level(value: float | None, warn: float, bad: float) -> str:
    if value is None or math.isnan(value):
        return "muted"
    if value >= bad:
        return "bad"
    if value >= warn:
        return "warn"
    return "ok"


def _num(value: float | None) -> str:
    return NA if value is None else format_si(value)


def _rate(value: float | None) -> str:
    return NA if value is None else f"{format_si(value)}/s"


def _int(value: int | None) -> str:
    return NA if value is None else format_si(value)


def _pct(value: float | None, decimals: int = 1) -> str:
    return NA if value is None else format_percent_of(value, decimals)


def format_seconds(value: float | None) -> str:
    """Latency for a narrow column: 0.0123 -> 12.3ms, 1.5 -> 1.5s, 95 -> 95s (NaN, ∞ and
    1e308 stay short too)."""
    if value is None:
        return NA
    if math.isfinite(value) and abs(value) < 1:
        return f"{format_si(value * 1000)}ms"
    return f"{format_si(value)}s"
