"""The simulated fleet: determinism, pod identity, and source values against ground truth."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT
from console.model import Track
from console.sim import SimFleet, SimMetricsSource, build_sim
from console.sim import layout as L
from console.sim.histogram import E2E_BUCKETS, ITL_BUCKETS, TTFT_BUCKETS, bucket_width_at
from console.sim.pods import SAFE_CHARS

SPEC = DEMO_DEPLOYMENT.spec()
PEAK = 1_760_000_000 - 1_760_000_000 % 86400 + 15 * 3600  # 15:00 UTC, the daily peak


def fleet(scenario: str = "healthy", seed: int = 7, warmup_s: float = 120) -> SimFleet:
    return SimFleet(scenario, seed, SPEC, ManualClock(PEAK), warmup_s=warmup_s)


def test_same_seed_same_snapshots() -> None:
    a, b = fleet(), fleet()
    for f in (a, b):
        assert isinstance(f.clock, ManualClock)
        f.clock.advance(90)
    snap_a = SimMetricsSource(a).snapshot(SPEC, 60, 300)
    snap_b = SimMetricsSource(b).snapshot(SPEC, 60, 300)
    assert snap_a.model_dump() == snap_b.model_dump()
    other = fleet(seed=8)
    assert isinstance(other.clock, ManualClock)
    other.clock.advance(90)
    assert SimMetricsSource(other).snapshot(SPEC, 60).tracks != snap_a.tracks


def test_results_do_not_depend_on_how_time_is_advanced() -> None:
    jumps, steps = fleet(), fleet()
    jumps.advance_to(PEAK + 150.9)
    t = float(PEAK)
    while t < PEAK + 150.9:
        t += 0.37
        steps.advance_to(t)
    assert jumps.last == steps.last == PEAK + 150
    for track in Track:
        for k in range(jumps.first, jumps.last + 1):
            assert jumps.vector(track, k) == steps.vector(track, k)
        assert jumps.ground_truth(track, 120) == steps.ground_truth(track, 120)


def test_pod_names_look_like_kubernetes_and_follow_the_seed() -> None:
    f = fleet()
    chars = re.escape(SAFE_CHARS)
    pattern = re.compile(rf"^{SPEC.stable}-[{chars}]{{10}}-[{chars}]{{5}}$")
    names = [p.name for p in f.tracks[Track.STABLE].pods]
    assert len(names) == 5 and len(set(names)) == 5
    assert all(pattern.match(n) for n in names)
    assert len({n.rsplit("-", 1)[0] for n in names}) == 1  # one pod-template hash
    assert [p.name for p in fleet().tracks[Track.STABLE].pods] == names
    assert [p.name for p in fleet(seed=9).tracks[Track.STABLE].pods] != names


def test_pods_keep_their_own_counters() -> None:
    f = fleet()
    f.sync()  # the warm-up runs on the first read, not in the constructor
    for track in Track:
        pods = f.tracks[track].pods
        total = f.tracks[track].counters[L.REQ_2XX]
        assert total > 0
        assert sum(p.counters[L.REQ_2XX] for p in pods) == total


@pytest.mark.parametrize("scenario", ["healthy", "failing-canary", "traffic-spike"])
def test_source_matches_ground_truth(scenario: str) -> None:
    f = fleet(scenario, warmup_s=420)
    assert isinstance(f.clock, ManualClock)
    f.clock.advance(300)  # the spike is on by now
    snap = SimMetricsSource(f).snapshot(SPEC, 300)
    for track in Track:
        est, truth = snap.tracks[track], f.ground_truth(track, 300)
        # Counters are exact.
        assert est.requests_per_s == pytest.approx(truth.requests_per_s)
        assert est.codes_per_s == truth.codes_per_s
        assert est.error_share == pytest.approx(truth.error_share)
        assert est.input_tokens.mean == pytest.approx(truth.input_tokens.mean)
        assert est.output_tokens.mean == pytest.approx(truth.output_tokens.mean)
        assert est.replicas == truth.replicas
        assert est.queue_depth == truth.queue_depth
        # Quantiles: the estimate lies in the bucket that holds the exact nearest-rank value, so
        # it is off by at most that bucket's width.
        for name, bounds in (
            ("ttft_s", TTFT_BUCKETS),
            ("itl_s", ITL_BUCKETS),
            ("e2e_s", E2E_BUCKETS),
        ):
            for label in ("p50", "p90", "p99"):
                e = getattr(getattr(est, name), label)
                x = getattr(getattr(truth, name), label)
                assert e is not None and x is not None
                assert abs(e - x) <= bucket_width_at(bounds, x) + 1e-9, (track, name, label, e, x)
        assert est.tps.p99 == pytest.approx(1 / est.itl_s.p99)  # type: ignore[operator]


def test_ground_truth_window_is_bounded() -> None:
    with pytest.raises(ValueError):
        fleet().ground_truth(Track.STABLE, 3600)


def test_build_sim_wires_one_fleet() -> None:
    f, source, cluster = build_sim("slow-canary", 3, SPEC, ManualClock(PEAK))
    assert source.fleet is f and cluster.fleet is f
    assert source.name == "sim:slow-canary"


@pytest.mark.slow
def test_no_textual_imported() -> None:
    code = (
        "import sys, console.sim, console.sources.sim\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_hour_of_warm_up_reads_as_one_history_across_its_seam() -> None:
    """The hour before start: the newest 15 minutes simulated before the first poll, the rest
    when first read. Counters never go back across the seam, a window across it counts both
    sides, and the older part is the same whenever it is read."""
    early = SimFleet("healthy", 7, SPEC, ManualClock(PEAK), warmup_s=3600)
    late = SimFleet("healthy", 7, SPEC, ManualClock(PEAK), warmup_s=3600)
    early.sync()
    assert early.live_from == early.start - 900 and early.first == early.start - 3600
    assert early.vector(Track.STABLE, early.first) is not None  # read now: filled now
    late.clock.advance(120)  # type: ignore[attr-defined]
    late.sync()  # the live part moves on before anyone reads the older part
    for track in (Track.STABLE, Track.CANARY):
        totals = []
        for k in range(early.first + 120, early.last + 1):  # what both keep
            mine, other = early.vector(track, k), late.vector(track, k)
            assert mine is not None and other is not None
            assert list(mine) == list(other), k  # deterministic whenever it was filled
            totals.append(mine[L.REQ_2XX] + mine[L.REQ_4XX] + mine[L.REQ_5XX])
        assert all(b >= a for a, b in itertools.pairwise(totals))
        assert totals[-1] > totals[0]
    seam = early.live_from
    before = early.window(Track.STABLE, seam - 60, 120)[0]["requests_per_s"]
    across = early.window(Track.STABLE, seam + 60, 120)[0]["requests_per_s"]
    after = early.window(Track.STABLE, seam + 180, 120)[0]["requests_per_s"]
    assert before and across and after
    assert min(before, after) * 0.7 <= across <= max(before, after) * 1.3
