"""Each scenario shows its signature in what the metrics source reports."""

from __future__ import annotations

from bisect import bisect_left

import pytest

from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT, SCENARIOS
from console.model import FleetSnapshot, Track
from console.sim import SimFleet, SimMetricsSource
from console.sim.scenarios import SCENARIO_BY_NAME, get_scenario
from console.sim.workload import daily_factor

SPEC = DEMO_DEPLOYMENT.spec()
PEAK = 1_760_000_000 - 1_760_000_000 % 86400 + 15 * 3600


def run(scenario: str, after_s: float, window_s: float, warmup_s: float = 300) -> FleetSnapshot:
    clock = ManualClock(PEAK)
    fleet = SimFleet(scenario, 7, SPEC, clock, warmup_s=warmup_s)
    clock.advance(after_s)
    return SimMetricsSource(fleet).snapshot(SPEC, window_s)


def test_every_configured_scenario_exists() -> None:
    assert set(SCENARIO_BY_NAME) == set(SCENARIOS)
    with pytest.raises(ValueError, match="healthy"):
        get_scenario("nope")


def test_daily_cycle() -> None:
    assert daily_factor(PEAK) == pytest.approx(1.0)
    assert daily_factor(PEAK + 12 * 3600) == pytest.approx(0.35)


def test_healthy_volume_and_quality() -> None:
    snap = run("healthy", 0, 300)
    stable, canary = snap.tracks[Track.STABLE], snap.tracks[Track.CANARY]
    assert stable.requests_per_s and canary.requests_per_s
    assert 12 <= stable.requests_per_s + canary.requests_per_s <= 20
    assert canary.requests_per_s / (stable.requests_per_s + canary.requests_per_s) == pytest.approx(
        0.05, abs=0.02
    )
    assert stable.error_share == 0 and canary.error_share == 0
    assert stable.codes_per_s.client_error and stable.codes_per_s.client_error > 0
    assert snap.canary is not None and snap.canary.weight_percent == pytest.approx(5.0)
    for values in (stable, canary):
        assert values.ttft_s.p99 and values.ttft_s.p99 < 1.0
        # Decode steps that share the batch with a prefill put p99 ITL past 25 ms (vLLM's ITL
        # buckets 0.025-0.05 s), well under the 100 ms warning.
        assert values.itl_s.p99 and 0.025 < values.itl_s.p99 < 0.1
        assert values.input_tokens.mean and 300 < values.input_tokens.mean < 1200
        assert values.output_tokens.mean and 150 < values.output_tokens.mean < 400
        # vLLM preallocates gpu_memory_utilization (0.9) of the GPU, plus the CUDA context.
        assert values.gpu_memory_used_fraction and 0.88 < values.gpu_memory_used_fraction < 0.95
        assert values.tps.p50 and values.tps.p50 > 20


def test_slow_canary_latency_regression() -> None:
    snap = run("slow-canary", 0, 300)
    stable, canary = snap.tracks[Track.STABLE], snap.tracks[Track.CANARY]
    assert stable.ttft_s.p99 and canary.ttft_s.p99 and stable.itl_s.p99 and canary.itl_s.p99
    assert canary.ttft_s.p99 >= 1.4 * stable.ttft_s.p99
    assert canary.itl_s.p99 >= 1.4 * stable.itl_s.p99
    assert canary.error_share == 0


def test_failing_canary_returns_5xx() -> None:
    snap = run("failing-canary", 0, 300)
    assert snap.tracks[Track.STABLE].error_share == 0
    share = snap.tracks[Track.CANARY].error_share
    assert share is not None and 0.05 <= share <= 0.10


def test_cold_start_503s_until_ready() -> None:
    clock = ManualClock(PEAK)
    fleet = SimFleet("cold-start", 7, SPEC, clock, warmup_s=120)
    source = SimMetricsSource(fleet)
    clock.advance(10)
    early = source.snapshot(SPEC, 15).tracks[Track.CANARY]
    assert early.replicas.serving == 0 and early.replicas.starting == 2
    assert early.error_share == 1.0 and early.ttft_s.p50 is None
    assert early.gpu_memory_used_fraction is not None  # pods exist, loading weights
    clock.advance(150)
    late = source.snapshot(SPEC, 30).tracks[Track.CANARY]
    assert late.replicas.serving == 2 and late.replicas.starting == 0
    assert late.error_share == 0 and late.codes_per_s.ok and late.ttft_s.p50 is not None


def test_traffic_spike_queues_and_overloads() -> None:
    before = run("traffic-spike", 0, 60)
    during = run("traffic-spike", 330, 60, warmup_s=60)
    b, d = before.tracks[Track.STABLE], during.tracks[Track.STABLE]
    assert b.requests_per_s and d.requests_per_s and d.requests_per_s > 2.2 * b.requests_per_s
    assert b.queue_depth == 0 and d.queue_depth and d.queue_depth > 20
    assert b.ttft_s.p99 and d.ttft_s.p99 and d.ttft_s.p99 > 3 * b.ttft_s.p99
    assert d.error_share and d.error_share > 0.1
    assert d.gpu_utilization_fraction and d.gpu_utilization_fraction > 0.9


def test_scenario_events_before_a_short_warmup_still_happen() -> None:
    fleet = SimFleet("cold-start", 7, SPEC, ManualClock(PEAK), warmup_s=0)
    assert fleet.tracks[Track.CANARY].desired == 2 and fleet.canary_weight == 10


def test_inter_token_latency_spreads_over_vllm_buckets_and_differs_by_track() -> None:
    from console.sim.histogram import ITL_BUCKETS

    clock = ManualClock(PEAK)
    fleet = SimFleet("healthy", 7, SPEC, clock, warmup_s=300)
    source = SimMetricsSource(fleet)
    first = source.snapshot(SPEC, 300).tracks
    stable, canary = first[Track.STABLE], first[Track.CANARY]
    assert stable.itl_s.p50 and stable.itl_s.p99 and canary.itl_s.p50 and canary.itl_s.p99
    # p50 and p99 in different buckets: not every observation in one.
    assert bisect_left(ITL_BUCKETS, stable.itl_s.p50) < bisect_left(ITL_BUCKETS, stable.itl_s.p99)
    # Stable runs fuller batches than a 5 % canary on one replica: slower tokens.
    assert stable.itl_s.p50 > canary.itl_s.p50 * 1.03
    assert stable.tps.p50 and canary.tps.p50 and canary.tps.p50 > stable.tps.p50
    # And it moves with load over the day: at the trough, batches are smaller.
    clock.advance(12 * 3600)
    trough = source.snapshot(SPEC, 300).tracks[Track.STABLE]
    assert trough.itl_s.p50 and trough.itl_s.p50 < stable.itl_s.p50


def test_kv_cache_follows_the_batch_while_gpu_memory_stays_preallocated() -> None:
    clock = ManualClock(PEAK)
    fleet = SimFleet("traffic-spike", 7, SPEC, clock, warmup_s=300)
    source = SimMetricsSource(fleet)
    calm = source.snapshot(SPEC, 60).tracks[Track.STABLE]
    clock.advance(240)  # the spike (3× for five minutes) has queued requests by now
    busy = source.snapshot(SPEC, 60).tracks[Track.STABLE]
    assert busy.queue_depth and busy.queue_depth > 0
    assert calm.kv_cache_used_fraction and busy.kv_cache_used_fraction
    assert busy.kv_cache_used_fraction > 2 * calm.kv_cache_used_fraction
    assert calm.gpu_memory_used_fraction == pytest.approx(busy.gpu_memory_used_fraction)


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_healthy_stable_stays_healthy_through_its_daily_peak(seed: int) -> None:
    clock = ManualClock(PEAK - 1800)
    fleet = SimFleet("healthy", seed, SPEC, clock, warmup_s=300)
    source = SimMetricsSource(fleet)
    for _ in range(12):  # an hour either side of the peak, five minutes at a time
        clock.advance(300)
        stable = source.snapshot(SPEC, 300).tracks[Track.STABLE]
        assert stable.error_share is not None and stable.error_share < 0.01
