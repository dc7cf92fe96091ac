"""Gate maths: minimum sample, error share, p99 ratios, observed share and the health badge."""

from __future__ import annotations

from datetime import UTC, datetime

from console.config import GatesConfig
from console.gates import GateStatus, evaluate
from console.model import FleetSnapshot, Health, Quantiles, Track, TrackValues

GATES = GatesConfig(
    min_requests=200, max_error_share=0.02, max_ttft_p99_ratio=1.25, max_itl_p99_ratio=1.25
)


def snap(
    canary: TrackValues, stable: TrackValues | None = None, window_s: float = 300.0
) -> FleetSnapshot:
    stable = stable or TrackValues(
        requests_per_s=19.0, error_share=0.001, ttft_s=Quantiles(p99=0.8), itl_s=Quantiles(p99=0.05)
    )
    return FleetSnapshot(
        deployment="d",
        source="t",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=window_s,
        tracks={Track.STABLE: stable, Track.CANARY: canary},
    )


def healthy(**changes: object) -> TrackValues:
    base = TrackValues(
        requests_per_s=1.0, error_share=0.005, ttft_s=Quantiles(p99=0.9), itl_s=Quantiles(p99=0.055)
    )
    return base.model_copy(update=changes)


def test_too_few_requests_is_inconclusive_with_counts() -> None:
    report = evaluate(snap(healthy(requests_per_s=0.5)), GATES)
    assert report.health is Health.INCONCLUSIVE
    assert not report.passed
    assert report.reason == "inconclusive — wait: 150 of 200 canary requests in the last 5m"


def test_healthy_canary_passes_every_gate() -> None:
    report = evaluate(snap(healthy()), GATES, configured_percent=5.0)
    assert report.passed, report.results
    assert report.health is Health.HEALTHY
    assert report.reason == ""


def test_error_share_over_limit_fails() -> None:
    report = evaluate(snap(healthy(error_share=0.08)), GATES)
    assert report.health is Health.FAILING
    assert report.reason == "canary error share 8.00% (5m) over the 2.00% limit (stable 0.10%)"


def test_latency_ratio_over_limit_degrades() -> None:
    report = evaluate(snap(healthy(ttft_s=Quantiles(p99=1.2))), GATES)
    assert report.health is Health.DEGRADED
    ttft = next(r for r in report.results if r.name == "ttft_p99")
    assert ttft.status is GateStatus.FAIL
    assert ttft.observed == 1.2 / 0.8


def test_ratio_exactly_at_limit_passes() -> None:
    report = evaluate(snap(healthy(itl_s=Quantiles(p99=0.0625))), GATES)
    itl = next(r for r in report.results if r.name == "itl_p99")
    assert itl.status is GateStatus.PASS


def test_absolute_limit_fails_even_when_stable_is_as_slow() -> None:
    gates = GATES.model_copy(update={"max_ttft_p99_s": 0.5})
    report = evaluate(snap(healthy()), gates)
    assert report.health is Health.DEGRADED
    assert "over the 0.5s limit" in report.reason


def test_observed_share_far_from_configured_weight_fails() -> None:
    report = evaluate(snap(healthy()), GATES, configured_percent=25.0)
    share = next(r for r in report.results if r.name == "share")
    assert share.status is GateStatus.FAIL
    assert share.observed == 5.0
    assert share.detail == "canary gets 5.0% of requests (5m), configured 25%"


def test_missing_latency_is_inconclusive_not_pass() -> None:
    report = evaluate(snap(healthy(ttft_s=Quantiles())), GATES)
    assert report.health is Health.INCONCLUSIVE


def test_stale_metrics_judge_nothing() -> None:
    stale = snap(healthy()).model_copy(
        update={"stale": True, "stale_reason": "canary metrics 180s old"}
    )
    report = evaluate(stale, GATES, configured_percent=5.0)
    assert not report.passed
    assert report.health is Health.INCONCLUSIVE
    assert report.reason == "inconclusive — wait: canary metrics 180s old"


def with_canary_state(snapshot: FleetSnapshot, **state: object) -> FleetSnapshot:
    from console.model import CanaryState

    return snapshot.model_copy(update={"canary": CanaryState(weight_percent=5.0, **state)})


def test_at_zero_percent_stable_health_is_judged_and_the_step_may_go() -> None:
    report = evaluate(snap(TrackValues()), GATES, configured_percent=0.0)
    assert report.passed, report.reason
    assert {r.name for r in report.results} == {"stable_health", "canary"}


def test_at_zero_percent_a_burning_stable_refuses_the_first_step() -> None:
    burning = TrackValues(requests_per_s=19.0, error_share=0.24)
    report = evaluate(snap(TrackValues(), stable=burning), GATES, configured_percent=0.0)
    assert not report.passed
    assert report.health is Health.FAILING
    assert "stable error share 24.00% (5m) over the 2.00% limit" in report.reason


def test_a_canary_without_a_serving_replica_fails_at_once() -> None:
    from console.model import Replicas

    dead = TrackValues(requests_per_s=0.01, replicas=Replicas(desired=1, serving=0, starting=1))
    report = evaluate(snap(dead), GATES, configured_percent=5.0)
    assert report.health is Health.FAILING  # not "inconclusive — wait" for 200 requests
    assert "no serving replica" in report.reason


def test_a_canary_failing_every_request_fails_before_the_minimum_sample() -> None:
    report = evaluate(snap(healthy(requests_per_s=0.05, error_share=1.0)), GATES, 5.0)
    assert report.health is Health.FAILING
    assert "every canary request failed" in report.reason


def test_a_few_errors_in_a_small_sample_still_wait() -> None:
    report = evaluate(snap(healthy(requests_per_s=0.05, error_share=0.5)), GATES, 5.0)
    assert report.health is Health.INCONCLUSIVE


def test_the_share_settles_for_a_window_after_a_weight_change() -> None:
    base = snap(healthy(requests_per_s=1.0))
    at = base.at.timestamp()
    fresh = with_canary_state(base, changed_at=at - 40)  # 40 s into a 300 s window
    share = next(r for r in evaluate(fresh, GATES, 25.0).results if r.name == "share")
    assert share.status is GateStatus.INCONCLUSIVE
    assert share.detail.startswith("settling — 260s")
    settled = with_canary_state(base, changed_at=at - 301)
    share = next(r for r in evaluate(settled, GATES, 25.0).results if r.name == "share")
    assert share.status is GateStatus.FAIL  # 5 % observed against 25 %: a real deviation


def test_mirrored_copies_do_not_count_as_canary_traffic() -> None:
    # 19 req/s live; 10 % of it (1.9) mirrored to a canary that also gets 5 % (≈1) live.
    live, mirrored = 20.0, 2.0
    canary = healthy(requests_per_s=1.0 + mirrored)
    stable = TrackValues(
        requests_per_s=live - 1.0, error_share=0.001, ttft_s=Quantiles(p99=0.8),
        itl_s=Quantiles(p99=0.05),
    )  # fmt: skip
    snapshot = with_canary_state(snap(canary, stable=stable), mirror_percent=10.0)
    share = next(r for r in evaluate(snapshot, GATES, 5.0).results if r.name == "share")
    assert share.status is GateStatus.PASS, share.detail
    assert share.observed is not None and abs(share.observed - 5.0) < 0.1
    counted = snap(canary, stable=stable)  # the same rates with the mirror not known
    naive = next(r for r in evaluate(counted, GATES, 5.0).results if r.name == "share")
    assert naive.observed is not None and naive.observed > 13


def test_a_rate_whose_count_overflows_counts_as_no_requests() -> None:
    # 1e308 req/s over a 5 m window is infinitely many requests: as unknown as an infinite rate.
    flood = healthy(requests_per_s=1e308)
    report = evaluate(snap(flood), GATES, 5.0)
    sample = next(r for r in report.results if r.name == "sample")
    assert sample.status is GateStatus.INCONCLUSIVE and sample.observed == 0.0
    assert "inf" not in sample.detail
    # With no minimum asked, it passes as a count of zero, not an infinite one.
    unasked = evaluate(snap(flood), GATES.model_copy(update={"min_requests": 0}), 5.0)
    counted = next(r for r in unasked.results if r.name == "sample")
    assert counted.observed == 0.0 and "inf" not in counted.detail


def test_nan_and_inf_are_inconclusive_never_a_crash() -> None:
    for bad in (float("nan"), float("inf")):
        odd = healthy(error_share=bad, ttft_s=Quantiles(p99=bad))
        report = evaluate(snap(odd), GATES, 5.0)
        assert not report.passed
