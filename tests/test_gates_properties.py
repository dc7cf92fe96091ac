"""Gate properties over generated fleets: each gate's verdict follows its rule, a report passes
only when every gate does, and no number from outside (NaN, ±Inf, 1e308) makes a canary pass."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.config import GatesConfig
from console.gates import GateReport, GateResult, GateStatus, evaluate
from console.model import (
    CanaryState,
    FleetSnapshot,
    Health,
    Quantiles,
    Replicas,
    Track,
    TrackValues,
)
from tests.budget import budget

PASS, FAIL, INCONCLUSIVE = GateStatus.PASS, GateStatus.FAIL, GateStatus.INCONCLUSIVE

rates = st.floats(0, 500)
shares = st.none() | st.floats(0, 1)
latencies = st.none() | st.floats(0, 30)
outside = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, -1.0])
wild_rates, wild_shares, wild_latencies = rates | outside, shares | outside, latencies | outside


@st.composite
def gate_configs(draw: st.DrawFn) -> GatesConfig:
    return GatesConfig(
        min_requests=draw(st.integers(0, 2000)),
        max_error_share=draw(st.floats(0, 1)),
        max_ttft_p99_ratio=draw(st.floats(0.5, 3)),
        max_itl_p99_ratio=draw(st.floats(0.5, 3)),
        max_ttft_p99_s=draw(st.none() | st.floats(0.01, 30)),
        max_itl_p99_s=draw(st.none() | st.floats(0.001, 1)),
        max_share_deviation=draw(st.floats(0, 2)),
    )


@st.composite
def tracks(
    draw: st.DrawFn, rate: st.SearchStrategy, share: st.SearchStrategy, lat: st.SearchStrategy
) -> TrackValues:
    return TrackValues(
        requests_per_s=draw(rate),
        error_share=draw(share),
        ttft_s=Quantiles(p99=draw(lat)),
        itl_s=Quantiles(p99=draw(lat)),
        replicas=Replicas(serving=draw(st.none() | st.integers(0, 3))),
    )


def snap(stable: TrackValues, canary: TrackValues, window_s: float = 60.0) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="d",
        source="t",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=window_s,
        tracks={Track.STABLE: stable, Track.CANARY: canary},
    )


def status(report: GateReport, name: str) -> GateStatus:
    return next(r.status for r in report.results if r.name == name)


def expected_ratio(
    stable: float | None, canary: float | None, max_ratio: float, max_abs: float | None
) -> GateStatus:
    """The latency rule: both tracks measured and stable above zero, under the absolute limit
    (when set), and the canary no slower than ``max_ratio`` × stable."""
    if stable is None or canary is None or stable <= 0:
        return INCONCLUSIVE
    if max_abs is not None and canary > max_abs:
        return FAIL
    return PASS if canary / stable <= max_ratio else FAIL


@budget(300)
@given(
    gate_configs(),
    tracks(rates, shares, latencies),
    tracks(rates, shares, latencies),
    st.none() | st.floats(0, 100),
    st.sampled_from([30.0, 60.0, 300.0]),
)
def test_each_gate_follows_its_rule(
    gates: GatesConfig,
    stable: TrackValues,
    canary: TrackValues,
    configured: float | None,
    window_s: float,
) -> None:
    report = evaluate(snap(stable, canary, window_s), gates, configured)
    if configured is not None and configured <= 0:
        # nothing to compare at 0 %: stable's own health is judged
        assert [r.name for r in report.results] == ["stable_health", "canary"]
        share = stable.error_share
        expected = (
            INCONCLUSIVE if share is None else PASS if share <= gates.max_error_share else FAIL
        )
        assert status(report, "stable_health") is expected
        assert status(report, "canary") is PASS
        return
    seen = (canary.requests_per_s or 0.0) * window_s
    if configured is not None and canary.replicas.serving == 0:
        # a canary given traffic with nothing serving is down: it fails at once
        assert [(r.name, r.status) for r in report.results] == [("serving", FAIL)]
        return
    if canary.error_share is not None and canary.error_share >= 0.99 and seen >= 1:
        assert [(r.name, r.status) for r in report.results] == [("error_share", FAIL)]
        return
    if seen < gates.min_requests:
        assert [(r.name, r.status) for r in report.results] == [("sample", INCONCLUSIVE)]
        assert report.results[0].observed == seen
        assert report.health is Health.INCONCLUSIVE and not report.passed
        return
    assert status(report, "sample") is PASS
    if canary.error_share is None:
        assert status(report, "error_share") is INCONCLUSIVE
    else:
        ok = canary.error_share <= gates.max_error_share
        assert status(report, "error_share") is (PASS if ok else FAIL)
    for name, field, max_ratio, max_abs in (
        ("ttft_p99", "ttft_s", gates.max_ttft_p99_ratio, gates.max_ttft_p99_s),
        ("itl_p99", "itl_s", gates.max_itl_p99_ratio, gates.max_itl_p99_s),
    ):
        s, c = getattr(stable, field).p99, getattr(canary, field).p99
        assert status(report, name) is expected_ratio(s, c, max_ratio, max_abs), name
    names = [r.name for r in report.results]
    if configured is None:
        assert "share" not in names
    else:
        total = (stable.requests_per_s or 0.0) + (canary.requests_per_s or 0.0)
        if total <= 0 or configured <= 0:
            assert status(report, "share") is INCONCLUSIVE
        else:
            observed = 100.0 * (canary.requests_per_s or 0.0) / total
            ok = abs(observed - configured) <= gates.max_share_deviation * configured
            share = next(r for r in report.results if r.name == "share")
            assert math.isclose(share.observed or 0.0, observed, rel_tol=1e-9, abs_tol=1e-9)
            if not math.isclose(abs(observed - configured) / configured, gates.max_share_deviation):
                assert share.status is (PASS if ok else FAIL)


@budget(300)
@given(
    gate_configs(),
    tracks(rates, shares, latencies),
    tracks(rates, shares, latencies),
    st.none() | st.floats(0, 100),
)
def test_report_passes_only_when_every_gate_passes(
    gates: GatesConfig, stable: TrackValues, canary: TrackValues, configured: float | None
) -> None:
    report = evaluate(snap(stable, canary), gates, configured)
    statuses = [r.status for r in report.results]
    assert report.passed == all(s is PASS for s in statuses)
    failed = {r.name for r in report.results if r.status is FAIL}
    if failed & {"error_share", "serving", "stable_health"}:
        assert report.health is Health.FAILING
    elif failed:
        assert report.health is Health.DEGRADED
    elif INCONCLUSIVE in statuses:
        assert report.health is Health.INCONCLUSIVE
    else:
        assert report.health is Health.HEALTHY
    first = next((r for r in report.results if r.status is FAIL), None) or next(
        (r for r in report.results if r.status is INCONCLUSIVE), None
    )
    assert report.reason == (first.detail if first else "")
    assert all(r.detail for r in report.results)


@budget(300)
@given(
    gate_configs(),
    tracks(wild_rates, wild_shares, wild_latencies),
    tracks(wild_rates, wild_shares, wild_latencies),
    st.none() | st.floats(0, 100) | outside,
)
def test_numbers_from_outside_never_crash_and_never_pass_unseen(
    gates: GatesConfig, stable: TrackValues, canary: TrackValues, configured: float | None
) -> None:
    report = evaluate(snap(stable, canary), gates, configured)
    assert report.results and all(isinstance(r.detail, str) for r in report.results)
    if report.passed and configured is not None and configured <= 0:
        # at 0 % only stable's own error share is judged
        assert stable.error_share is not None and math.isfinite(stable.error_share)
    elif report.passed:
        judged = [
            # the request rate is judged only when a minimum sample is asked for
            canary.requests_per_s if gates.min_requests else 0.0,
            canary.error_share,
            stable.ttft_s.p99,
            canary.ttft_s.p99,
            stable.itl_s.p99,
            canary.itl_s.p99,
        ]
        assert all(v is not None and math.isfinite(v) for v in judged), report.results
        assert all(r.observed is None or math.isfinite(r.observed) for r in report.results)


JUDGED = (
    ("canary", "requests_per_s"),
    ("canary", "error_share"),
    ("canary", "ttft_s"),
    ("canary", "itl_s"),
    ("stable", "ttft_s"),
    ("stable", "itl_s"),
    ("stable", "requests_per_s"),
)


@pytest.mark.parametrize("where", JUDGED)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -1.0, -1e308])
def test_one_unusable_number_never_lets_a_canary_pass(where: tuple[str, str], bad: float) -> None:
    """Start from a canary that passes every gate and spoil one measurement it is judged on."""
    tracks_ = {"stable": STABLE, "canary": CANARY}
    assert evaluate(snap(STABLE, CANARY), GATES, 5.0).passed
    side, field = where
    value: object = Quantiles(p99=bad) if field in ("ttft_s", "itl_s") else bad
    tracks_[side] = tracks_[side].model_copy(update={field: value})
    report = evaluate(snap(tracks_["stable"], tracks_["canary"]), GATES, 5.0)
    assert not report.passed, (where, bad, report.results)


@budget(150)
@given(gate_configs(), tracks(rates, shares, latencies), st.floats(0.001, 0.999))
def test_a_better_canary_never_does_worse(
    gates: GatesConfig, canary: TrackValues, factor: float
) -> None:
    """Lower error share and latency (same traffic) never turn a pass into anything else."""
    stable = TrackValues(
        requests_per_s=50.0, error_share=0.01, ttft_s=Quantiles(p99=1.0), itl_s=Quantiles(p99=0.1)
    )
    before = evaluate(snap(stable, canary), gates)

    def better(q: Quantiles) -> Quantiles:
        return Quantiles(p99=None if q.p99 is None else q.p99 * factor)

    improved = canary.model_copy(
        update={
            "error_share": None if canary.error_share is None else canary.error_share * factor,
            "ttft_s": better(canary.ttft_s),
            "itl_s": better(canary.itl_s),
        }
    )
    after = evaluate(snap(stable, improved), gates)
    if before.passed:
        assert after.passed


# The semantic slips a refactor could make, each pinned by the outcome it would change.

GATES = GatesConfig(min_requests=10, max_error_share=0.02, max_share_deviation=0.5)
STABLE = TrackValues(
    requests_per_s=95.0, error_share=0.001, ttft_s=Quantiles(p99=0.8), itl_s=Quantiles(p99=0.05)
)
CANARY = TrackValues(
    requests_per_s=5.0, error_share=0.001, ttft_s=Quantiles(p99=0.8), itl_s=Quantiles(p99=0.05)
)


def test_missing_canary_error_share_is_inconclusive_not_zero() -> None:
    report = evaluate(snap(STABLE, CANARY.model_copy(update={"error_share": None})), GATES)
    assert status(report, "error_share") is INCONCLUSIVE
    assert not report.passed and report.health is Health.INCONCLUSIVE


def test_share_gate_fails_in_both_directions() -> None:
    assert evaluate(snap(STABLE, CANARY), GATES, 5.0).passed
    assert status(evaluate(snap(STABLE, CANARY), GATES, 20.0), "share") is FAIL  # too little
    assert status(evaluate(snap(STABLE, CANARY), GATES, 1.0), "share") is FAIL  # too much


def test_a_zero_stable_latency_judges_nothing() -> None:
    zero = STABLE.model_copy(update={"ttft_s": Quantiles(p99=0.0)})
    report = evaluate(snap(zero, CANARY), GATES)
    assert status(report, "ttft_p99") is INCONCLUSIVE and not report.passed


def test_not_a_number_request_rate_is_no_sample() -> None:
    report = evaluate(snap(STABLE, CANARY.model_copy(update={"requests_per_s": math.nan})), GATES)
    assert [r.status for r in report.results] == [INCONCLUSIVE]
    assert not report.passed


# What each result records (the audit trail and the confirmation dialog show these), and the
# edges of each rule.


def result(report: GateReport, name: str) -> GateResult:
    return next(r for r in report.results if r.name == name)


def test_each_result_records_what_was_observed_and_its_limit() -> None:
    gates = GatesConfig(min_requests=10, max_error_share=0.02, max_ttft_p99_ratio=1.5)
    slow = CANARY.model_copy(update={"ttft_s": Quantiles(p99=1.6), "error_share": 0.01})
    report = evaluate(snap(STABLE, slow), gates, 5.0)
    assert (result(report, "sample").observed, result(report, "sample").limit) == (300.0, 10.0)
    assert (result(report, "error_share").observed, result(report, "error_share").limit) == (
        0.01,
        0.02,
    )
    ttft = result(report, "ttft_p99")
    assert (ttft.status, ttft.observed, ttft.limit) == (FAIL, 2.0, 1.5)
    assert result(report, "itl_p99").limit == gates.max_itl_p99_ratio
    share = result(report, "share")
    assert (share.observed, share.limit) == (5.0, 5.0)
    capped = evaluate(snap(STABLE, slow), gates.model_copy(update={"max_ttft_p99_s": 1.0}))
    ttft = result(capped, "ttft_p99")
    assert (ttft.status, ttft.observed, ttft.limit) == (FAIL, 2.0, 1.5)
    blind = evaluate(snap(STABLE, CANARY.model_copy(update={"error_share": None})), gates, 5.0)
    assert result(blind, "error_share").limit == 0.02
    assert result(blind, "error_share").observed is None
    unmeasured = evaluate(snap(STABLE, CANARY.model_copy(update={"itl_s": Quantiles()})), gates)
    assert (result(unmeasured, "itl_p99").observed, result(unmeasured, "itl_p99").limit) == (
        None,
        gates.max_itl_p99_ratio,
    )
    quiet = evaluate(snap(STABLE, CANARY.model_copy(update={"requests_per_s": 0.1})), gates)
    assert (quiet.results[0].name, quiet.results[0].observed, quiet.results[0].limit) == (
        "sample",
        6.0,
        10.0,
    )


def test_limits_are_inclusive() -> None:
    gates = GatesConfig(min_requests=10, max_error_share=0.25, max_share_deviation=0.5)
    at_limit = CANARY.model_copy(update={"error_share": 0.25})
    assert status(evaluate(snap(STABLE, at_limit), gates), "error_share") is PASS
    # observed 15 % against 10 % configured: a deviation of exactly 0.5
    stable = STABLE.model_copy(update={"requests_per_s": 85.0})
    canary = CANARY.model_copy(update={"requests_per_s": 15.0})
    assert status(evaluate(snap(stable, canary), gates, 10.0), "share") is PASS
    healthy = STABLE.model_copy(update={"error_share": 0.25})
    assert status(evaluate(snap(healthy, CANARY), gates, 0.0), "stable_health") is PASS
    spotless = STABLE.model_copy(update={"error_share": 0.0})
    at_zero = evaluate(snap(spotless, CANARY), gates, 0.0)
    assert status(at_zero, "stable_health") is PASS and at_zero.passed
    assert result(at_zero, "stable_health").observed == 0.0
    assert result(at_zero, "stable_health").limit == 0.25


def test_stable_health_at_zero_percent_judges_stable_only() -> None:
    gates = GatesConfig(max_error_share=0.02)
    failing = STABLE.model_copy(update={"error_share": 0.05})
    report = evaluate(snap(failing, CANARY), gates, 0.0)
    assert status(report, "stable_health") is FAIL and report.health is Health.FAILING
    assert result(report, "stable_health").observed == 0.05
    for unusable in (None, math.nan, -0.5):
        odd = STABLE.model_copy(update={"error_share": unusable})
        judged = result(evaluate(snap(odd, CANARY), gates, 0.0), "stable_health")
        assert (judged.status, judged.observed, judged.limit) == (INCONCLUSIVE, None, 0.02)


def test_a_dead_canary_fails_at_once() -> None:
    gates = GatesConfig(min_requests=200)
    down = CANARY.model_copy(update={"replicas": Replicas(serving=0)})
    for configured in (0.5, 5.0):
        report = evaluate(snap(STABLE, down), gates, configured)
        assert [(r.name, r.status, r.observed) for r in report.results] == [("serving", FAIL, 0.0)]
        assert report.health is Health.FAILING
    # one request seen (1/60 req/s over 60 s), all failing: down, however small the sample
    failing = CANARY.model_copy(update={"requests_per_s": 1 / 60, "error_share": 0.99})
    report = evaluate(snap(STABLE, failing), gates)
    assert [(r.name, r.status, r.observed) for r in report.results] == [("error_share", FAIL, 0.99)]
    nearly = failing.model_copy(update={"error_share": 0.98})
    assert evaluate(snap(STABLE, nearly), gates).results[0].name == "sample"


def test_unusable_latencies_judge_nothing_and_zero_is_fast() -> None:
    for stable_p99, canary_p99 in ((math.inf, 0.5), (0.5, math.inf), (math.nan, 0.5), (0.5, -1.0)):
        stable = STABLE.model_copy(update={"ttft_s": Quantiles(p99=stable_p99)})
        canary = CANARY.model_copy(update={"ttft_s": Quantiles(p99=canary_p99)})
        report = evaluate(snap(stable, canary), GATES)
        assert status(report, "ttft_p99") is INCONCLUSIVE, (stable_p99, canary_p99)
    instant = CANARY.model_copy(update={"ttft_s": Quantiles(p99=0.0)})
    report = evaluate(snap(STABLE, instant), GATES)
    assert status(report, "ttft_p99") is PASS and result(report, "ttft_p99").observed == 0.0


def test_share_without_traffic_or_with_little_traffic() -> None:
    gates = GatesConfig(min_requests=0)
    silent = [t.model_copy(update={"requests_per_s": 0.0}) for t in (STABLE, CANARY)]
    report = evaluate(snap(*silent), gates, 5.0)
    assert status(report, "share") is INCONCLUSIVE
    assert result(report, "share").limit == 5.0 and result(report, "share").observed is None
    # half a request a second in all: still judged, the canary getting none of it
    stable = STABLE.model_copy(update={"requests_per_s": 0.5})
    canary = CANARY.model_copy(update={"requests_per_s": 0.0})
    share = result(evaluate(snap(stable, canary), gates, 5.0), "share")
    assert (share.status, share.observed) == (FAIL, 0.0)


def with_canary(snapshot: FleetSnapshot, **state: object) -> FleetSnapshot:
    return snapshot.model_copy(update={"canary": CanaryState(weight_percent=5.0, **state)})


def test_the_share_settles_for_a_whole_window_after_a_change() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    base = snap(STABLE, CANARY)  # a 60 s window
    for since, settling in ((0.0, True), (30.0, True), (59.9, True), (60.0, False), (-5, False)):
        report = evaluate(with_canary(base, changed_at=at - since), GATES, 5.0)
        share = result(report, "share")
        assert (share.status is INCONCLUSIVE) == settling, since
        assert share.limit == 5.0
        if settling:
            assert share.observed is None


def test_mirrored_copies_are_not_live_requests() -> None:
    # 100 live req/s, 5 % to the canary, and 20 % of all live traffic mirrored to it as well
    stable = STABLE.model_copy(update={"requests_per_s": 95.0})
    canary = CANARY.model_copy(update={"requests_per_s": 25.0})
    report = evaluate(with_canary(snap(stable, canary), mirror_percent=20.0), GATES, 5.0)
    share = result(report, "share")
    assert share.status is PASS and math.isclose(share.observed or 0, 5.0)
    plain = evaluate(with_canary(snap(stable, canary)), GATES, 5.0)
    assert math.isclose(result(plain, "share").observed or 0, 25 / 120 * 100)


def test_a_stale_snapshot_is_judged_fresh_first() -> None:
    stale = snap(STABLE, CANARY).model_copy(update={"stale": True})
    report = evaluate(stale, GATES, 5.0)
    assert [(r.name, r.status) for r in report.results] == [("fresh", INCONCLUSIVE)]
    assert report.reason


def test_a_missing_track_judges_nothing_and_never_crashes() -> None:
    for tracks in ({Track.CANARY: CANARY}, {Track.STABLE: STABLE}, {}):
        snapshot = snap(STABLE, CANARY).model_copy(update={"tracks": tracks})
        report = evaluate(snapshot, GATES, 5.0)
        assert not report.passed
