"""Acceptance: a week of history backfilled into a real Prometheus gives the cost figures that
are computed by hand from the same generated data.

Tolerances, and why:
- Tokens: exact (relative 1e-9). The window's edges fall on scrape timestamps and the late pod's
  counter starts at 0, so Prometheus's ``increase`` extrapolation adds nothing; the restart's
  counter reset is handled by ``increase`` exactly as the hand sum does (increments after the
  reset count from zero).
- Replica-hours: at most one subquery point's worth. ``avg_over_time(...[7d:5m])`` in
  Prometheus 2.x takes 2017 points (both ends included) where the hand integral has 2016 intervals,
  so the average can be off by up to max(replicas) × 168 h / 2017 (0.17 replica-hours per replica).
"""

from __future__ import annotations

import pytest

from console.config import CostConfig
from console.cost import compute
from console.cost.usage import resolve_inputs
from console.model import DeploymentSpec, Track
from console.sources.cost_inputs import PrometheusCostInputs
from console.sources.promql import PrometheusClient
from tests.prom import CANARY, DAY, NAMESPACE, STABLE, PrometheusWeek

pytestmark = pytest.mark.slow  # starts processes

SPEC = DeploymentSpec(name="llama", namespace=NAMESPACE, stable=STABLE, canary=CANARY)
HORIZON = 7 * DAY
POINTS = HORIZON // 300 + 1
GPUS = 2
CONFIG = CostConfig(
    price_in_per_mtok=1.25,
    price_out_per_mtok=10.0,
    gpu_hour_price=3.5,
    gpus_per_replica=GPUS,
    engineering_hours_per_week=4,
    engineering_rate=120,
)


def _grid_tolerance(max_replicas: int) -> float:
    return max_replicas * (HORIZON / 3600) / POINTS


def test_week_through_real_prometheus_matches_hand_figures(
    prometheus_week: PrometheusWeek,
) -> None:
    week = prometheus_week.week
    with PrometheusClient(prometheus_week.url, timeout=10) as client:
        usage = PrometheusCostInputs(client).usage(SPEC, HORIZON, at=week.end)
    assert usage.warnings == []
    stable, canary = usage.tracks[Track.STABLE], usage.tracks[Track.CANARY]

    # Tokens: only the three stable pods and the late canary pod; the shadow and other-namespace
    # decoys (far busier) are not counted.
    hand_stable_in, hand_stable_out = week.tokens(STABLE)
    hand_canary_in, hand_canary_out = week.tokens(CANARY)
    assert stable.input_tokens == pytest.approx(hand_stable_in, rel=1e-9)
    assert stable.output_tokens == pytest.approx(hand_stable_out, rel=1e-9)
    assert canary.input_tokens == pytest.approx(hand_canary_in, rel=1e-9)
    assert canary.output_tokens == pytest.approx(hand_canary_out, rel=1e-9)
    assert (hand_stable_in, hand_canary_in) == (443_520_000, 31_680_000)

    # Replica-hours: stable 3 → 4 → 2, canary 0 → 1 → 2 over the week.
    assert week.replica_hours(STABLE) == 540 and week.replica_hours(CANARY) == 72
    assert stable.replica_hours == pytest.approx(540, abs=_grid_tolerance(4))
    assert canary.replica_hours == pytest.approx(72, abs=_grid_tolerance(2))
    assert canary.active_hours == pytest.approx(week.running_hours(CANARY), abs=_grid_tolerance(1))

    # The cost figures, measured vs by hand.
    measured = compute(resolve_inputs({}, CONFIG, usage))
    hand_in = hand_stable_in + hand_canary_in
    hand_out = hand_stable_out + hand_canary_out
    hand_api = hand_in / 1e6 * 1.25 + hand_out / 1e6 * 10.0
    hand_gpu_hours = (540 + 72) * GPUS
    hand_dedicated = hand_gpu_hours * 3.5
    hand_tco = hand_dedicated + 4 * 120
    gpu_tolerance = (_grid_tolerance(4) + _grid_tolerance(2)) * GPUS
    assert measured.api_cost == pytest.approx(hand_api, rel=1e-9)
    assert hand_api == pytest.approx(1_837.44)
    assert measured.dedicated_cost == pytest.approx(hand_dedicated, abs=gpu_tolerance * 3.5)
    assert measured.tco == pytest.approx(hand_tco, abs=gpu_tolerance * 3.5)
    assert measured.cheaper == "api"  # 4,764 $ of GPUs and engineering vs 1,837 $ of tokens
    assert measured.inputs.gpu_hours.provenance == "measured"
    assert measured.rollout is not None
    # Blue-green for the 48 h the canary ran: stable's average (540 / 168 replicas) doubled.
    assert measured.rollout.duration_hours == pytest.approx(48, abs=_grid_tolerance(1))
    assert measured.rollout.canary_gpu_hours == pytest.approx(72 * GPUS, abs=gpu_tolerance)
    assert measured.rollout.blue_green_gpu_hours == pytest.approx(540 / 168 * 48 * GPUS, rel=5e-3)


def test_missing_series_are_none_with_a_warning_never_zero(
    prometheus_week: PrometheusWeek,
) -> None:
    week = prometheus_week.week
    spec = DeploymentSpec(name="x", namespace=NAMESPACE, stable=STABLE, canary="llama-v3")
    with PrometheusClient(prometheus_week.url) as client:
        usage = PrometheusCostInputs(client).usage(spec, HORIZON, at=week.end)
    canary = usage.tracks[Track.CANARY]
    assert canary.input_tokens is None and canary.replica_hours is None
    assert any("canary (llama-v3): no input-token series over 7d" in w for w in usage.warnings)
    assert any("no kube_deployment_status_replicas series" in w for w in usage.warnings)
    assert usage.total("input_tokens") == week.tokens(STABLE)[0]


def test_thin_replica_coverage_warns(prometheus_week: PrometheusWeek) -> None:
    # A 9-day horizon ending at the data's end reaches ~2 days before the first sample.
    week = prometheus_week.week
    with PrometheusClient(prometheus_week.url) as client:
        usage = PrometheusCostInputs(client).usage(SPEC, 9 * DAY, at=week.end)
    assert any("replica counts cover 79% of 9d" in w for w in usage.warnings), usage.warnings


def test_queries_are_overridable(prometheus_week: PrometheusWeek) -> None:
    week = prometheus_week.week
    queries = {"input_tokens": "sum(increase(vllm:generation_tokens_total{$sel}[$horizon]))"}
    with PrometheusClient(prometheus_week.url) as client:
        usage = PrometheusCostInputs(client, queries).usage(SPEC, HORIZON, at=week.end)
    assert usage.tracks[Track.STABLE].input_tokens == week.tokens(STABLE)[1]
    with pytest.raises(ValueError, match="unknown cost queries: nope"):
        PrometheusCostInputs(client, {"nope": "1"})
