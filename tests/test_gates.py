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
    assert report.reason == "inconclusive — wait: 150 of 200 canary requests in the last 300s"


def test_healthy_canary_passes_every_gate() -> None:
    report = evaluate(snap(healthy()), GATES, configured_percent=5.0)
    assert report.passed, report.results
    assert report.health is Health.HEALTHY
    assert report.reason == ""


def test_error_share_over_limit_fails() -> None:
    report = evaluate(snap(healthy(error_share=0.08)), GATES)
    assert report.health is Health.FAILING
    assert report.reason == "canary error share 8.00% over the 2.00% limit (stable 0.10%)"


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
    assert share.detail == "canary gets 5.0% of requests, configured 25%"


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
