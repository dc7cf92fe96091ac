"""The cost model: the worked example, TCO over the horizon, crossover, rollout, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from console.config import CostConfig
from console.cost import (
    WEEK_S,
    CostInputs,
    Figure,
    api_cost,
    burn_rate,
    compute,
    cumulative_costs,
    dedicated_cost,
    plan_rollout_cost,
)
from console.cost.usage import MissingInputs, TrackUsage, Usage, merge_cost_config, resolve_inputs
from console.model import Track


def inputs(
    tokens_in: float = 1_000e6,
    tokens_out: float = 500e6,
    p_in: float = 1.25,
    p_out: float = 10.0,
    gpu_hours: float = 1_600,
    gpu_price: float = 3.50,
    eng_hours: float = 0.0,
    eng_rate: float = 0.0,
    horizon_s: float = WEEK_S,
) -> CostInputs:
    def g(value: float) -> Figure:
        return Figure(value=value, provenance="given")

    return CostInputs(
        input_tokens=g(tokens_in),
        output_tokens=g(tokens_out),
        price_in_per_mtok=g(p_in),
        price_out_per_mtok=g(p_out),
        gpu_hours=g(gpu_hours),
        gpu_hour_price=g(gpu_price),
        engineering_hours_per_week=g(eng_hours),
        engineering_rate=g(eng_rate),
        horizon_s=g(horizon_s),
    )


def test_worked_example_exactly() -> None:
    report = compute(inputs())
    assert report.api_cost == 6250
    assert report.dedicated_cost == 5600
    assert report.tco == 5600
    assert report.cheaper == "dedicated"
    assert report.savings == 650
    assert report.horizon_days == 7
    assert report.warnings == []
    assert api_cost(1_000e6, 500e6, 1.25, 10) == 6250
    assert dedicated_cost(1_600, 3.5) == 5600


def test_crossover_of_worked_example() -> None:
    report = compute(inputs())
    # blended price: (1000 × 1.25 + 500 × 10) / 1500 = 4.1667 $/Mtok; 5600 / that = 1344 Mtok.
    assert report.crossover_tokens_per_week == pytest.approx(1_344e6)
    assert report.effective_dedicated_per_mtok == pytest.approx(5600 / 1500)


def test_engineering_hours_are_per_week_over_the_horizon() -> None:
    two_weeks = compute(inputs(eng_hours=10, eng_rate=100, horizon_s=2 * WEEK_S))
    assert two_weeks.engineering_cost == pytest.approx(2_000)
    assert two_weeks.tco == pytest.approx(7_600)
    assert two_weeks.cheaper == "api"


def test_short_horizon_warns_about_cycles() -> None:
    report = compute(inputs(horizon_s=86400))
    assert len(report.warnings) == 1
    assert "shorter than 7 days" in report.warnings[0]
    assert "daily and weekly" in report.warnings[0] and "single day misleads" in report.warnings[0]


def test_even_and_degenerate_crossovers() -> None:
    assert compute(inputs(gpu_hours=6250 / 3.5)).cheaper == "even"
    free_api = compute(inputs(p_in=0, p_out=0))
    assert free_api.cheaper == "api"
    assert free_api.crossover_tokens_per_week is None
    assert "free" in free_api.crossover_note
    no_tokens = compute(inputs(tokens_in=0, tokens_out=0))
    assert no_tokens.crossover_tokens_per_week is None
    assert no_tokens.effective_dedicated_per_mtok is None
    assert "mix is unknown" in no_tokens.crossover_note


def test_rollout_cost_against_blue_green() -> None:
    base = inputs().model_copy(
        update={
            "stable_gpu_hours": Figure(value=1_344, provenance="measured"),
            "canary_gpu_hours": Figure(value=256, provenance="measured"),
            "rollout_hours": Figure(value=48, provenance="measured"),
        }
    )
    rollout = compute(base).rollout
    assert rollout is not None
    # stable averages 1344 / 168 = 8 GPUs; blue-green doubles that for the 48 h the canary ran.
    assert rollout.blue_green_gpu_hours == pytest.approx(384)
    assert rollout.canary_cost == pytest.approx(256 * 3.5)
    assert rollout.saved_vs_blue_green == pytest.approx((384 - 256) * 3.5)


def test_rollout_cost_from_a_plan() -> None:
    plan = plan_rollout_cost((1, 5, 10, 25, 50, 100), 1.0, 8, 2, 3.0)
    # canary replicas per step: 1, 1, 1, 2, 4, 8 = 17 replica-hours × 2 GPUs.
    assert plan.canary_gpu_hours == 34
    assert plan.blue_green_gpu_hours == 8 * 2 * 6
    assert plan.canary_cost == 102


def test_burn_rate_and_curves() -> None:
    assert burn_rate(4, 2, 3.5) == 28
    assert burn_rate(0, 1, 1, engineering_hours_per_week=168, engineering_rate=10) == 10
    api, dedicated = cumulative_costs(compute(inputs()), points=5)
    assert api[0] == 0 and api[-1] == 6250 and dedicated[-1] == 5600


def test_resolve_precedence_and_missing() -> None:
    config = merge_cost_config(
        CostConfig(price_in_per_mtok=2.0, gpu_hour_price=4.0, gpus_per_replica=2),
        CostConfig(price_in_per_mtok=3.0),
    )
    usage = Usage(
        source="test",
        horizon_s=WEEK_S,
        tracks={
            Track.STABLE: TrackUsage(input_tokens=10, output_tokens=5, replica_hours=100),
            Track.CANARY: TrackUsage(input_tokens=None, output_tokens=1, replica_hours=20),
        },
    )
    resolved = resolve_inputs({"price_out_per_mtok": 7.0}, config, usage)
    assert resolved.price_in_per_mtok == Figure(value=3.0, provenance="config")
    assert resolved.price_out_per_mtok == Figure(value=7.0, provenance="given")
    assert resolved.input_tokens == Figure(value=10, provenance="measured")
    assert resolved.gpu_hours == Figure(value=240, provenance="measured")
    assert resolved.canary_gpu_hours == Figure(value=40, provenance="measured")
    assert resolved.engineering_rate.provenance == "default"
    with pytest.raises(MissingInputs) as err:
        resolve_inputs({"input_tokens": 1}, CostConfig(), None)
    assert err.value.problems == [
        "--output-tokens: needed (nothing to measure it from)",
        "--gpu-hours: needed (nothing to measure it from)",
    ]


# Zero, or realistic magnitudes (subnormal prices and token counts say nothing about the model).
money = st.one_of(st.just(0.0), st.floats(min_value=0.001, max_value=1e4))
volume = st.one_of(st.just(0.0), st.floats(min_value=1, max_value=1e12))
hours = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=1e6))
horizons = st.floats(min_value=3600, max_value=90 * 86400, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(volume, volume, money, money, hours, money, hours, money, horizons, st.floats(1, 10))
def test_monotonic_in_prices_and_volume(
    tin: float,
    tout: float,
    pin: float,
    pout: float,
    gh: float,
    gp: float,
    eh: float,
    er: float,
    hz: float,
    k: float,
) -> None:
    base = compute(inputs(tin, tout, pin, pout, gh, gp, eh, er, hz))
    more = compute(inputs(tin * k, tout * k, pin * k, pout * k, gh * k, gp * k, eh, er * k, hz))
    assert more.api_cost >= base.api_cost
    assert more.dedicated_cost >= base.dedicated_cost
    assert more.tco >= base.tco
    assert base.tco >= base.dedicated_cost
    assert base.tco == pytest.approx(base.dedicated_cost + base.engineering_cost)


@settings(max_examples=300, deadline=None)
@given(volume, volume, money, money, hours, money, hours, money, horizons)
def test_crossover_agrees_with_verdict(
    tin: float,
    tout: float,
    pin: float,
    pout: float,
    gh: float,
    gp: float,
    eh: float,
    er: float,
    hz: float,
) -> None:
    report = compute(inputs(tin, tout, pin, pout, gh, gp, eh, er, hz))
    cross = report.crossover_tokens_per_week
    if cross is None:
        assert tin + tout == 0 or report.cheaper in ("api", "even")
        return
    assert math.isfinite(cross) and cross >= 0
    now = report.tokens_per_week
    assume(not math.isclose(now, cross, rel_tol=1e-6))
    assume(abs(report.api_cost - report.tco) >= 0.01)
    assert report.cheaper == ("dedicated" if now > cross else "api")
    # At the crossover volume (same mix, same fleet) the two cost the same.
    scale = cross / now if now else 0.0
    at_cross = compute(inputs(tin * scale, tout * scale, pin, pout, gh, gp, eh, er, hz))
    assert at_cross.api_cost == pytest.approx(at_cross.tco, rel=1e-6, abs=0.01)
