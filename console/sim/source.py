"""``MetricsSource`` over the simulated fleet: windows and histories from its per-tick ring."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from console.errors import SourceError
from console.model import CanaryState, DeploymentSpec, FleetSnapshot, History, Track
from console.sim.evaluate import Flat, track_values
from console.sim.fleet import SimFleet

HISTORY_POINTS = 100
MIN_LOOKBACK_S = 30


def check_spec(fleet: SimFleet, spec: DeploymentSpec) -> None:
    """SourceError unless ``spec`` names the fleet's deployment."""
    own = fleet.deployment
    if (spec.name, spec.namespace, spec.stable, spec.canary) != (
        own.name, own.namespace, own.stable, own.canary,
    ):  # fmt: skip
        raise SourceError(
            f"the simulated fleet serves {own.namespace}/{own.name} "
            f"({own.stable}, {own.canary}), not {spec.namespace}/{spec.name}"
        )


class SimMetricsSource:
    """Panel values from the simulated fleet, computed like Prometheus would from its counters."""

    def __init__(self, fleet: SimFleet) -> None:
        self.fleet = fleet
        self._cache: dict[tuple[Track, int, int], Flat] = {}

    @property
    def name(self) -> str:
        return f"sim:{self.fleet.scenario.name}"

    def close(self) -> None:
        self._cache.clear()

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        fleet = self.fleet
        check_spec(fleet, deployment)
        if not window_s > 0 or (history_s is not None and not history_s > 0):
            raise SourceError("window and history must be positive durations")
        with fleet.lock:
            now = fleet.clock.now()
            fleet.advance_to(now)
            last = fleet.last
            lookback = max(1, round(window_s))
            tracks = {t: track_values(fleet.window(t, last, lookback)[0]) for t in Track}
            histories = (
                {t: self._history(t, history_s) for t in Track} if history_s is not None else {}
            )
            canary = CanaryState(
                weight_percent=100.0
                * fleet.canary_weight
                / (fleet.stable_weight + fleet.canary_weight),
                mirror_percent=fleet.mirror_percent or None,
                changed_at=fleet.weights_changed_at,
            )
        return FleetSnapshot(
            deployment=deployment.name,
            source=self.name,
            at=datetime.fromtimestamp(now, UTC),
            window_s=window_s,
            history_s=history_s,
            tracks=tracks,
            histories=histories,
            canary=canary,
        )

    def _history(self, track: Track, history_s: float) -> History:
        fleet = self.fleet
        last = fleet.last
        step = max(1, round(history_s / HISTORY_POINTS))
        lookback = max(step, MIN_LOOKBACK_S)
        end = math.ceil(last / step) * step
        start = end - (HISTORY_POINTS - 1) * step
        points: list[Flat] = []
        for i in range(HISTORY_POINTS):
            at = start + i * step
            if at > last:
                # The newest point is still filling: evaluate it on what has happened so far.
                points.append(fleet.window(track, last, lookback)[0])
                continue
            key = (track, at, lookback)
            flat = self._cache.get(key)
            if flat is None:
                flat, final = fleet.window(track, at, lookback)
                if final:
                    self._cache[key] = flat
            points.append(flat)
        self._prune(last - fleet.retain_s - 2 * lookback)
        series = {key: [p[key] for p in points] for key in points[-1]}
        return History.model_construct(start=float(start), step_s=float(step), series=series)

    def _prune(self, before: int) -> None:
        if len(self._cache) > 8 * HISTORY_POINTS:
            for key in [k for k in self._cache if k[1] < before]:
                del self._cache[key]
            if len(self._cache) > 8 * HISTORY_POINTS:
                self._cache.clear()
