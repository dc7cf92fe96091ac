"""``MetricsSource`` over the Prometheus HTTP API (also Thanos, Mimir, VictoriaMetrics).

Built on ``console.sources.promql.PrometheusClient`` (httpx) rather than prometheus-api-client:
that library has no timeout unless given one, brings requests as a second HTTP stack, and reports a
bad query as the raw response body instead of Prometheus's own ``error`` text; httpx gives a kept-
alive, thread-safe pool with a timeout on every request and the server's message intact.

The cost of a refresh does not grow with the fleet: one request per panel returns that panel's
values for both tracks (inputs and tracks told apart by labels added with ``label_replace``), every
query aggregates over the track's pods on the server, and quantiles come from the track's summed
bucket rates (one ``sum by (le)`` per histogram, not one query per quantile). Panel requests run in
parallel. Sparkline history is fetched with ``query_range`` once per window and then extended by
the new points only. ``queries`` counts the requests of the last ``snapshot`` call.

Freshness costs no request either: the queue panel also asks for the newest sample time of each
track's engine gauge, and a snapshot whose track's newest sample is older than ``stale_after`` is
``stale`` with a reason (an instant query returns a series' last sample for the lookback, 5 m by
default, so a server that stopped being scraped would otherwise look current).
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from console.clock import Clock, SystemClock
from console.errors import SourceError
from console.model import DeploymentSpec, FleetSnapshot, History, Track
from console.profiles import Input, resolve
from console.sim.evaluate import track_values
from console.sources.prom_interval import ScrapeIntervals
from console.sources.prometheus_values import (
    INPUT_LABEL,
    Flat,
    Raw,
    collect,
    compose,
    sample_ages,
    stale_reason,
    track_flat,
)
from console.sources.promql import PrometheusClient
from console.sources.selectors import track_placeholders

HISTORY_POINTS = 100
MAX_PARALLEL = 4
#: A track whose newest engine sample is older than this is stale (``[prometheus] stale_after``).
STALE_AFTER_S = 120.0


@dataclass
class _HistoryCache:
    key: tuple[object, ...]
    end: float
    points: dict[float, dict[Track, Flat]] = field(default_factory=dict)


class PrometheusSource:
    """Panel values of one deployment's two tracks from PromQL (see the module docstring)."""

    def __init__(
        self,
        client: PrometheusClient,
        profile: str = "vllm",
        overrides: dict[str, str] | None = None,
        metric_prefix: str = "",
        track_selectors: dict[str, dict[Track, str]] | None = None,
        clock: Clock | None = None,
        *,
        stale_after: float = STALE_AFTER_S,
        scrape_interval: float | None = None,
    ) -> None:
        self.client = client
        self.stale_after = stale_after
        try:
            self.profile, inputs = resolve(profile, overrides, metric_prefix)
        except ValueError as err:
            raise SourceError(str(err)) from None
        self.track_selectors = track_selectors or {}
        self.clock: Clock = clock or SystemClock()
        #: Rates span at least four scrape intervals (configured, or learned from the targets).
        self.intervals = ScrapeIntervals(client, self.clock, scrape_interval)
        self.panels: dict[str, tuple[Input, ...]] = {}
        for item in inputs:
            self.panels[item.panel] = (*self.panels.get(item.panel, ()), item)
        self.by = {item.name: item.by for item in inputs}
        self.queries = 0
        self.queries_total = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=min(len(self.panels), MAX_PARALLEL), thread_name_prefix="promql"
        )
        self._history: _HistoryCache | None = None

    @property
    def name(self) -> str:
        label = f", {self.profile.label}" if self.profile.label else ""
        return f"prometheus {self.client.shown_url} ({self.profile.name}{label})"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    def selectors(self, spec: DeploymentSpec) -> dict[Track, dict[str, str]]:
        """The placeholder values of each track (see ``console.profiles``)."""
        return track_placeholders(spec, self.track_selectors.get(spec.name))

    # -- the MetricsSource protocol --------------------------------------------------------------

    def snapshot(
        self,
        deployment: DeploymentSpec,
        window_s: float,
        history_s: float | None = None,
        at: float | None = None,
    ) -> FleetSnapshot:
        if not window_s > 0 or (history_s is not None and not history_s > 0):
            raise SourceError("window and history must be positive durations")
        now = self.clock.now() if at is None else at
        self.queries = 0
        selectors = self.selectors(deployment)
        asked_s, window_s = window_s, self.intervals.window(deployment, window_s)
        window = _range(window_s)
        raw = self._instant(selectors, window, now)
        names = set(self.by)
        tracks = {t: track_values(track_flat(self.profile, raw, t, names)) for t in Track}
        # Instant queries return a series' last sample for the lookback (5 m): say when it is old.
        reason = stale_reason(sample_ages(raw, now), self.stale_after)
        histories = {}
        if history_s is not None:
            histories = self._histories(deployment, selectors, window_s, history_s, now)
        return FleetSnapshot(
            deployment=deployment.name,
            source=self.name,
            at=datetime.fromtimestamp(now, UTC),
            window_s=window_s,
            requested_window_s=asked_s if window_s != asked_s else None,
            history_s=history_s,
            stale=bool(reason),
            stale_reason=reason or None,
            tracks=tracks,
            histories=histories,
        )

    # -- queries ---------------------------------------------------------------------------------

    def expressions(self, selectors: dict[Track, dict[str, str]], window: str) -> dict[str, str]:
        """The one PromQL expression of each panel."""
        return {panel: compose(inputs, selectors, window) for panel, inputs in self.panels.items()}

    def _run(self, jobs: dict[str, Future[list[object]]]) -> dict[str, list[object]]:
        results: dict[str, list[object]] = {}
        first: SourceError | None = None
        for panel, future in jobs.items():
            try:
                results[panel] = future.result()
            except SourceError as err:
                first = first or SourceError(f"{panel} panel: {err}")
        if first is not None:
            raise first
        return results

    def _count(self, n: int) -> None:
        with self._lock:
            self.queries += n
            self.queries_total += n

    def _instant(self, selectors: dict[Track, dict[str, str]], window: str, at: float) -> Raw:
        expressions = self.expressions(selectors, window)
        self._count(len(expressions))
        jobs = {
            panel: self._pool.submit(self.client.query, expr, at)
            for panel, expr in expressions.items()
        }
        raw: Raw = {}
        for samples in self._run(jobs).values():  # type: ignore[arg-type]
            for sample in samples:
                collect(raw, sample.labels, sample.value, self.by)  # type: ignore[attr-defined]
        return raw

    def _histories(
        self,
        spec: DeploymentSpec,
        selectors: dict[Track, dict[str, str]],
        window_s: float,
        history_s: float,
        at: float,
    ) -> dict[Track, History]:
        step = max(1, round(history_s / HISTORY_POINTS))
        lookback = max(step, round(window_s))
        end = math.floor(at / step) * step
        start = end - (HISTORY_POINTS - 1) * step
        key = (spec, step, lookback)
        cache = self._history
        if cache is None or cache.key != key or cache.end < start:
            cache = self._history = _HistoryCache(key, start - step)
            fetch_from = float(start)
        else:
            # Re-evaluate the newest point held: its last scrape may not have landed then.
            fetch_from = cache.end
        if end > cache.end or not cache.points:
            self._extend(cache, selectors, _range(lookback), fetch_from, end, step)
        for t in [t for t in cache.points if t < start]:
            del cache.points[t]
        out: dict[Track, History] = {}
        for track in Track:
            rows = [
                cache.points.get(start + i * step, {}).get(track) for i in range(HISTORY_POINTS)
            ]
            keys = next((list(r) for r in rows if r), [])
            series = {k: [r.get(k) if r else None for r in rows] for k in keys}
            out[track] = History.model_construct(
                start=float(start), step_s=float(step), series=series
            )
        return out

    def _extend(
        self,
        cache: _HistoryCache,
        selectors: dict[Track, dict[str, str]],
        window: str,
        start: float,
        end: float,
        step: int,
    ) -> None:
        expressions = self.expressions(selectors, window)
        self._count(len(expressions))
        jobs = {
            panel: self._pool.submit(self.client.query_range, expr, start, end, step)
            for panel, expr in expressions.items()
        }
        by_time: dict[float, Raw] = {}
        for series_list in self._run(jobs).values():  # type: ignore[arg-type]
            for series in series_list:
                labels = series.labels  # type: ignore[attr-defined]
                if INPUT_LABEL not in labels:
                    continue
                for t, value in series.points:  # type: ignore[attr-defined]
                    collect(by_time.setdefault(t, {}), labels, value, self.by)
        names = set(self.by)
        t = start
        while t <= end:
            raw = by_time.get(t, {})
            cache.points[t] = {tr: track_flat(self.profile, raw, tr, names) for tr in Track}
            t += step
        cache.end = max(cache.end, end)


def _range(seconds: float) -> str:
    return f"{max(1, round(seconds))}s"
