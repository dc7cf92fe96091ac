"""Turns a fleet snapshot into what the panels show: formatted cells with threshold levels.

Headless: it produces the widgets' plain data classes and knows nothing of Textual."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from console.config import ThresholdsConfig
from console.model import FleetSnapshot, Track, TrackValues
from console.units import format_bytes, format_si
from widgets.data import Cell, Column, PanelData


@dataclass(frozen=True)
class PanelSpec:
    id: str
    title: str  # at most 9 cells: the compact layout gives titles a fixed column
    spark_key: str
    spark_label: str
    note: str = ""
    shared_scale: bool = False  # latencies compare heights across tracks; rates do not


PANELS: tuple[PanelSpec, ...] = (
    PanelSpec("volume", "Volume", "requests_per_s", "req/s"),
    PanelSpec("sizes", "Tokens", "input_tokens.mean", "mean input tokens", "per request"),
    PanelSpec("codes", "Responses", "error_share", "error share"),
    PanelSpec("latency", "Latency", "ttft_s.p99", "p99 TTFT", "p50 p90 p99", shared_scale=True),
    PanelSpec("replicas", "Replicas", "replicas.serving", "serving"),
    PanelSpec("utilisation", "Resources", "gpu_utilization_fraction", "GPU util"),
    PanelSpec("queue", "Queue", "queue_depth", "waiting"),
)

NA = "–"


def present(snapshot: FleetSnapshot | None, thresholds: ThresholdsConfig) -> dict[str, PanelData]:
    """Every panel's data, keyed by panel id. ``None`` (no data yet) gives placeholder panels."""
    out: dict[str, PanelData] = {}
    for spec in PANELS:
        columns = []
        for track in (Track.STABLE, Track.CANARY):
            values = snapshot.tracks.get(track) if snapshot else None
            stable = snapshot.tracks.get(Track.STABLE) if snapshot else None
            lines = _lines(spec.id, values, stable, track, thresholds, stale=_stale(snapshot))
            spark: Sequence[float | None] = ()
            if snapshot and track in snapshot.histories:
                spark = snapshot.histories[track].values(spec.spark_key)
            columns.append(
                Column(
                    label=track.value, lines=lines, spark=tuple(spark), spark_label=spec.spark_label
                )
            )
        out[spec.id] = PanelData(
            title=spec.title,
            stable=columns[0],
            canary=columns[1],
            note=spec.note,
            shared_scale=spec.shared_scale,
        )
    return out


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
        lines = (
            (
                Cell("in", "muted"),
                Cell(_num(v.input_tokens.mean)),
                Cell("p90", "muted"),
                Cell(_num(v.input_tokens.p90)),
            ),
            (
                Cell("out", "muted"),
                Cell(_num(v.output_tokens.mean)),
                Cell("p90", "muted"),
                Cell(_num(v.output_tokens.p90)),
            ),
        )
    elif panel == "codes":
        c = v.codes_per_s
        lines = (
            (
                Cell("2xx", "muted"),
                Cell(_num(c.ok)),
                Cell("4xx", "muted"),
                Cell(_num(c.client_error)),
                Cell("5xx", "muted"),
                Cell(_num(c.server_error), _level(c.server_error, 1e-9, 1e-9)),
                Cell("/s", "muted"),
            ),
            (
                Cell("errors", "muted"),
                Cell(
                    _pct(v.error_share),
                    _level(v.error_share, t.error_share_warn, t.error_share_bad),
                ),
            ),
        )
    elif panel == "latency":
        lines = (
            _quantile_line(
                "TTFT",
                v.ttft_s.p50,
                v.ttft_s.p90,
                v.ttft_s.p99,
                _latency_level(
                    v.ttft_s.p99,
                    stable.ttft_s.p99 if stable else None,
                    track,
                    t.ttft_p99_warn_s,
                    t.ttft_p99_bad_s,
                ),
            ),
            _tps_line(v),
            _quantile_line(
                "E2E",
                v.e2e_s.p50,
                v.e2e_s.p90,
                v.e2e_s.p99,
                _level(v.e2e_s.p99, t.e2e_p99_warn_s, t.e2e_p99_bad_s),
            ),
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
                Cell(_int(r.starting), "warn" if r.starting else "normal"),
                Cell("starting", "muted"),
                Cell("of", "muted"),
                Cell(_int(r.desired)),
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
                Cell("KV cache", "muted"),
                Cell(_pct(kv, 0), _level(kv, t.kv_cache_warn, t.kv_cache_bad)),
            ),
        )
    if stale:
        lines = tuple(tuple(Cell(c.text, "stale") for c in line) for line in lines)
    return lines


def _tps_line(v: TrackValues) -> tuple[Cell, ...]:
    return (
        Cell("tok/s", "muted"),
        Cell(_num(v.tps.p50)),
        Cell(_num(v.tps.p90)),
        Cell(_num(v.tps.p99)),
    )


def _quantile_line(
    label: str, p50: float | None, p90: float | None, p99: float | None, p99_level: str
) -> tuple[Cell, ...]:
    return (
        Cell(label, "muted"),
        Cell(format_seconds(p50)),
        Cell(format_seconds(p90)),
        Cell(format_seconds(p99), p99_level),
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
    if value is None:
        return "muted"
    if value >= bad:
        return "bad"
    if value >= warn:
        return "warn"
    return "ok"


def _num(value: float | None) -> str:
    return NA if value is None else format_si(value)


def _int(value: int | None) -> str:
    return NA if value is None else str(value)


def _pct(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return NA
    return f"{100 * value:.{decimals}f}%"


def format_seconds(value: float | None) -> str:
    """Latency for a narrow column: 0.0123 -> 12.3ms, 1.5 -> 1.5s, 95 -> 95s."""
    if value is None:
        return NA
    if value < 0.9995:  # what rounds to 1000ms shows as 1s, not "1kms"
        return f"{format_si(value * 1000)}ms"
    return f"{format_si(value)}s"
