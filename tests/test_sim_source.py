"""The simulated metrics source: snapshot shape, missing data, and history alignment and caching."""

from __future__ import annotations

from datetime import UTC

import pytest

from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT
from console.errors import SourceError
from console.model import HISTORY_KEYS, DeploymentSpec, Track
from console.sim import SimFleet, SimMetricsSource

SPEC = DEMO_DEPLOYMENT.spec()
PEAK = 1_760_000_000 - 1_760_000_000 % 86400 + 15 * 3600


def setup(warmup_s: float = 300) -> tuple[ManualClock, SimFleet, SimMetricsSource]:
    clock = ManualClock(PEAK + 0.4)
    fleet = SimFleet("healthy", 7, SPEC, clock, warmup_s=warmup_s)
    return clock, fleet, SimMetricsSource(fleet)


def test_snapshot_shape() -> None:
    _, _, source = setup()
    snap = source.snapshot(SPEC, 300)
    assert (snap.deployment, snap.source, snap.window_s) == (SPEC.name, "sim:healthy", 300)
    assert snap.at.tzinfo is UTC and snap.at.timestamp() == pytest.approx(PEAK + 0.4)
    assert set(snap.tracks) == {Track.STABLE, Track.CANARY} and not snap.histories
    assert snap.canary is not None and snap.canary.mirror_percent is None
    assert snap.stale is False and snap.error is None
    with pytest.raises(SourceError):
        source.snapshot(DeploymentSpec(name="x", stable="a", canary="b"), 300)
    with pytest.raises(SourceError):
        source.snapshot(SPEC, 0)
    source.close()


def test_no_requests_means_zero_rate_and_no_latency() -> None:
    clock, fleet, source = setup()
    fleet.set_weights(100, 0)
    clock.advance(200)  # long enough for every canary request to have finished
    canary = source.snapshot(SPEC, 60).tracks[Track.CANARY]
    assert canary.requests_per_s == 0.0 and canary.codes_per_s.ok == 0.0
    assert canary.error_share is None and canary.ttft_s.p99 is None and canary.tps.p50 is None
    assert canary.input_tokens.mean is None and canary.queue_depth == 0.0
    assert canary.replicas.serving == 1 and canary.gpu_utilization_fraction is not None


@pytest.mark.parametrize(("history_s", "step"), [(300, 3), (900, 9), (3600, 36)])
def test_history_alignment(history_s: float, step: int) -> None:
    clock, fleet, source = setup()
    for _ in range(3):
        snap = source.snapshot(SPEC, 300, history_s)
        assert snap.history_s == history_s
        for track in Track:
            h = snap.histories[track]
            assert h.step_s == step and h.start % step == 0
            end = h.start + 99 * step
            assert fleet.last <= end < fleet.last + step
            assert set(h.series) == set(HISTORY_KEYS)
            assert all(len(v) == 100 for v in h.series.values())
            # The newest point is the live window; older points before the warm-up are empty.
            assert h.values("replicas.serving")[-1] == snap.tracks[track].replicas.serving
        clock.advance(7)


def test_history_points_are_stable_and_evaluated_over_their_lookback() -> None:
    clock, fleet, source = setup(warmup_s=600)
    first = source.snapshot(SPEC, 300, 300).histories[Track.STABLE]
    clock.advance(6)
    second = source.snapshot(SPEC, 300, 300).histories[Track.STABLE]
    assert second.start == first.start + 6
    rps1, rps2 = first.values("requests_per_s"), second.values("requests_per_s")
    assert rps2[:97] == rps1[2:99]  # completed points never change
    at = int(second.start) + 50 * 3
    flat, final = fleet.window(Track.STABLE, at, 30)  # look-back is max(step, 30 s)
    assert final and rps2[50] == flat["requests_per_s"]
    assert all(v is not None for v in rps2)


def test_history_before_data_is_none() -> None:
    _, _, source = setup(warmup_s=60)
    h = source.snapshot(SPEC, 60, 900).histories[Track.CANARY]
    rps = h.values("requests_per_s")
    assert rps[0] is None and rps[-1] is not None
