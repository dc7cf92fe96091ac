"""Cost properties: every total is monotonic in every input and moves with its own inputs only;
derived figures agree with the totals; inputs resolve given > measured > config > default."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.config import CostConfig
from console.cost import (
    HOUR_S,
    WEEK_S,
    CostInputs,
    Figure,
    burn_rate,
    compute,
    cumulative_costs,
    plan_rollout_cost,
)
from console.cost.model import crossover_tokens_per_week, gpu_hours, verdict
from console.cost.usage import (
    DEFAULTS,
    MissingInputs,
    TrackUsage,
    Usage,
    burn_per_hour,
    cost_report,
    resolve_inputs,
)
from console.model import Track
from tests.budget import budget

NAMES = (
    "input_tokens",
    "output_tokens",
    "price_in_per_mtok",
    "price_out_per_mtok",
    "gpu_hours",
    "gpu_hour_price",
    "engineering_hours_per_week",
    "engineering_rate",
    "horizon_s",
)
#: Which totals each input may move (the others must not change at all).
MOVES = {
    "input_tokens": {"api_cost"},
    "output_tokens": {"api_cost"},
    "price_in_per_mtok": {"api_cost"},
    "price_out_per_mtok": {"api_cost"},
    "gpu_hours": {"dedicated_cost", "tco"},
    "gpu_hour_price": {"dedicated_cost", "tco"},
    "engineering_hours_per_week": {"engineering_cost", "tco"},
    "engineering_rate": {"engineering_cost", "tco"},
    "horizon_s": {"engineering_cost", "tco"},
}
TOTALS = ("api_cost", "dedicated_cost", "engineering_cost", "tco")

amounts = st.just(0.0) | st.floats(0.01, 1e12)
values = st.fixed_dictionaries(
    {
        "input_tokens": st.just(0.0) | st.floats(1, 1e12),
        "output_tokens": st.just(0.0) | st.floats(1, 1e12),
        "price_in_per_mtok": st.just(0.0) | st.floats(0.001, 100),
        "price_out_per_mtok": st.just(0.0) | st.floats(0.001, 100),
        "gpu_hours": st.just(0.0) | st.floats(0.01, 1e6),
        "gpu_hour_price": st.just(0.0) | st.floats(0.01, 100),
        "engineering_hours_per_week": st.just(0.0) | st.floats(0.1, 100),
        "engineering_rate": st.just(0.0) | st.floats(1, 500),
        "horizon_s": st.floats(3600, 90 * 86400),
    }
)


def make(v: dict[str, float], **extra: Figure) -> CostInputs:
    return CostInputs(**{k: Figure(value=x, provenance="given") for k, x in v.items()}, **extra)


@budget(200)
@given(values, st.sampled_from(NAMES), st.floats(1.01, 100))
def test_every_total_is_monotonic_in_every_input(
    v: dict[str, float], name: str, factor: float
) -> None:
    base = compute(make(v))
    raised = dict(v, **{name: v[name] * factor if v[name] else 1.0})
    more = compute(make(raised))
    for total in TOTALS:
        before, after = getattr(base, total), getattr(more, total)
        if total in MOVES[name]:
            assert after >= before, (name, total)
        else:
            assert after == before, (name, total)
    # the input moved what it should (unless something it multiplies is zero)
    moved = {t for t in TOTALS if getattr(more, t) != getattr(base, t)}
    assert moved <= MOVES[name]


@budget(200)
@given(values, st.none() | st.floats(0.05, 1))
def test_derived_figures_agree_with_the_totals(v: dict[str, float], util: float | None) -> None:
    extra = {} if util is None else {"utilization": Figure(value=util, provenance="measured")}
    r = compute(make(v, **extra))
    mtok = (v["input_tokens"] + v["output_tokens"]) / 1e6
    hours, weeks = v["horizon_s"] / HOUR_S, v["horizon_s"] / WEEK_S
    assert r.api_cost == pytest.approx(
        v["input_tokens"] / 1e6 * v["price_in_per_mtok"]
        + v["output_tokens"] / 1e6 * v["price_out_per_mtok"]
    )
    assert r.dedicated_cost == pytest.approx(v["gpu_hours"] * v["gpu_hour_price"])
    assert r.engineering_cost == pytest.approx(
        v["engineering_hours_per_week"] * v["engineering_rate"] * weeks
    )
    assert r.tco == pytest.approx(r.dedicated_cost + r.engineering_cost)
    assert r.savings == pytest.approx(abs(r.api_cost - r.tco))
    assert r.burn_per_hour * hours == pytest.approx(r.tco)
    assert r.api_burn_per_hour * hours == pytest.approx(r.api_cost)
    assert r.horizon_days == pytest.approx(v["horizon_s"] / 86400)
    assert r.tokens_per_week * weeks == pytest.approx(mtok * 1e6)
    if mtok > 0:
        assert r.api_per_mtok is not None and r.effective_dedicated_per_mtok is not None
        assert r.api_per_mtok * mtok == pytest.approx(r.api_cost)
        assert r.effective_dedicated_per_mtok * mtok == pytest.approx(r.tco)
    else:
        assert r.api_per_mtok is None and r.effective_dedicated_per_mtok is None
    assert r.utilization == util
    short = v["horizon_s"] < WEEK_S
    beyond = (
        r.crossover_tokens_per_week is not None
        and util is not None
        and r.crossover_tokens_per_week > r.tokens_per_week / util
    )
    assert len(r.warnings) == short + beyond
    assert r.rollout is None


@budget(200)
@given(values)
def test_verdict_and_crossover_agree(v: dict[str, float]) -> None:
    r = compute(make(v))
    gap = r.api_cost - r.tco
    assert r.cheaper == ("even" if abs(gap) < 0.005 else "dedicated" if gap > 0 else "api")
    cross = r.crossover_tokens_per_week
    if v["input_tokens"] + v["output_tokens"] == 0:
        assert cross is None
    elif r.api_cost == 0:
        assert cross == (0.0 if r.tco == 0 else None)
    else:
        assert cross is not None
        # at the crossover the API bill per week equals the weekly TCO
        per_token = r.api_cost / (r.tokens_per_week * v["horizon_s"] / WEEK_S)
        assert cross * per_token == pytest.approx(r.tco / (v["horizon_s"] / WEEK_S))
        if not math.isclose(cross, r.tokens_per_week, rel_tol=1e-6) and abs(gap) >= 0.005:
            assert r.cheaper == ("dedicated" if r.tokens_per_week > cross else "api")


def test_verdict_edges() -> None:
    assert verdict(10.0, 10.0) == "even"
    assert verdict(0.0, 0.004) == "even"
    assert verdict(0.0, 0.005) == "api"
    assert verdict(0.005, 0.0) == "dedicated"


def test_free_api_crossovers() -> None:
    assert crossover_tokens_per_week(1e6, 1e6, 0, 0, 0.0)[0] == 0.0  # both free
    assert crossover_tokens_per_week(1e6, 1e6, 0, 0, 0.5)[0] is None  # dedicated never pays
    assert crossover_tokens_per_week(0, 0, 1, 1, 10.0)[0] is None  # no mix to scale
    assert crossover_tokens_per_week(1e6, 0, 2.0, 99.0, 10.0)[0] == pytest.approx(5e6)


def test_a_horizon_must_be_positive() -> None:
    zero = {n: 1.0 for n in NAMES} | {"horizon_s": 0.0}
    with pytest.raises(ValueError):
        compute(make(zero))
    assert compute(make({n: 1.0 for n in NAMES} | {"horizon_s": 0.5})).horizon_days > 0


@budget(100)
@given(
    values,
    st.floats(0, 1e5),
    st.floats(0.01, 1e5),
    st.none() | st.floats(0, 1e4),
)
def test_rollout_cost_against_blue_green(
    v: dict[str, float], canary: float, stable: float, rollout_hours: float | None
) -> None:
    extra = {
        "canary_gpu_hours": Figure(value=canary, provenance="measured"),
        "stable_gpu_hours": Figure(value=stable, provenance="measured"),
    }
    if rollout_hours is not None:
        extra["rollout_hours"] = Figure(value=rollout_hours, provenance="measured")
    r = compute(make(v, **extra)).rollout
    assert r is not None
    hours = v["horizon_s"] / HOUR_S
    duration = hours if rollout_hours is None else rollout_hours
    price = v["gpu_hour_price"]
    assert r.duration_hours == duration
    assert r.blue_green_gpu_hours == pytest.approx(stable / hours * duration)
    assert r.blue_green_cost == pytest.approx(r.blue_green_gpu_hours * price)
    assert r.canary_cost == pytest.approx(canary * price)
    assert r.saved_vs_blue_green == pytest.approx(r.blue_green_cost - r.canary_cost)
    # one track's split alone is no rollout
    for only in ("canary_gpu_hours", "stable_gpu_hours"):
        assert compute(make(v, **{only: extra[only]})).rollout is None


@budget(150)
@given(
    st.lists(st.floats(0.5, 100), min_size=1, max_size=6),
    st.floats(0.1, 48),
    st.integers(1, 200),
    st.integers(1, 8),
    st.floats(0.1, 10),
    st.integers(0, 3),
)
def test_rollout_from_a_plan(
    steps: list[float], step_hours: float, stable: int, gpus: int, price: float, floor: int
) -> None:
    r = plan_rollout_cost(tuple(steps), step_hours, stable, gpus, price, floor)
    replicas = [max(floor, math.ceil(stable * w / 100 - 1e-9)) for w in steps]
    assert r.canary_gpu_hours == pytest.approx(sum(replicas) * step_hours * gpus)
    assert r.duration_hours == pytest.approx(step_hours * len(steps))
    assert r.blue_green_gpu_hours == pytest.approx(stable * gpus * step_hours * len(steps))
    # a canary at 100 % is a full second fleet: exactly what blue-green costs
    full = plan_rollout_cost((100.0,), step_hours, stable, gpus, price)
    assert full.canary_cost == pytest.approx(full.blue_green_cost)
    assert full.saved_vs_blue_green == pytest.approx(0.0, abs=1e-6)


@budget(100)
@given(values, st.integers(2, 100))
def test_cumulative_curves_are_straight_lines_to_the_totals(
    v: dict[str, float], points: int
) -> None:
    r = compute(make(v))
    api, tco = cumulative_costs(r, points=points)
    assert len(api) == len(tco) == points
    assert api[0] == tco[0] == 0
    assert api[-1] == pytest.approx(r.api_cost) and tco[-1] == pytest.approx(r.tco)
    for i in range(points):
        assert api[i] == pytest.approx(r.api_cost * i / (points - 1))
    with pytest.raises(ValueError):
        cumulative_costs(r, points=1)


@budget(100)
@given(
    st.floats(0, 64), st.integers(1, 8), st.floats(0.01, 20), st.floats(0, 80), st.floats(0, 300)
)
def test_burn_rate_is_running_gpus_plus_engineering_spread_over_a_week(
    replicas: float, gpus: int, price: float, eng_hours: float, rate: float
) -> None:
    expected = replicas * gpus * price + eng_hours * rate / 168
    assert burn_rate(replicas, gpus, price, eng_hours, rate) == pytest.approx(expected)
    assert burn_rate(replicas, gpus, price) == pytest.approx(replicas * gpus * price)
    config = CostConfig(
        gpus_per_replica=gpus,
        gpu_hour_price=price,
        engineering_hours_per_week=eng_hours,
        engineering_rate=rate,
    )
    assert burn_per_hour(config, replicas) == pytest.approx(expected)
    assert burn_per_hour(CostConfig(), replicas) == pytest.approx(
        replicas * DEFAULTS["gpus_per_replica"] * DEFAULTS["gpu_hour_price"]
    )


SOURCES = ("given", "measured", "config", "default")
CONFIGURABLE = (
    "price_in_per_mtok",
    "price_out_per_mtok",
    "gpu_hour_price",
    "engineering_hours_per_week",
    "engineering_rate",
)


@budget(150)
@given(
    st.fixed_dictionaries(
        {n: st.sampled_from(("given", "config", "default")) for n in CONFIGURABLE}
        | {"horizon_s": st.sampled_from(("given", "config", "default"))}
        | {n: st.sampled_from(("given", "measured")) for n in ("input_tokens", "output_tokens")}
        | {"gpu_hours": st.sampled_from(("given", "measured"))}
    ),
    st.integers(1, 4),
    st.none() | st.floats(0.1, 1),
    st.none() | st.floats(0, 1000),
)
def test_inputs_resolve_given_then_measured_then_config_then_default(
    where: dict[str, str], gpus: int, util: float | None, active: float | None
) -> None:
    """Each figure comes from the first source that has it, with that provenance."""
    given_: dict[str, float] = {}
    config: dict[str, Any] = {"gpus_per_replica": gpus}
    expected: dict[str, tuple[float, str]] = {}
    for i, (name, source) in enumerate(sorted(where.items())):
        number = float(7 + i)
        if source == "given":
            given_[name] = number * (3600 if name == "horizon_s" else 1)
            expected[name] = (given_[name], "given")
        elif source == "config":
            key = "horizon" if name == "horizon_s" else name
            config[key] = number * (3600 if name == "horizon_s" else 1)
            expected[name] = (config[key], "config")
        elif source == "default":
            expected[name] = (DEFAULTS[name], "default")
    horizon = given_.get("horizon_s", config.get("horizon", WEEK_S))
    usage = Usage(
        source="test",
        horizon_s=horizon,
        tracks={
            Track.STABLE: TrackUsage(input_tokens=100, output_tokens=50, replica_hours=30),
            Track.CANARY: TrackUsage(
                input_tokens=1, output_tokens=2, replica_hours=6, active_hours=active
            ),
        },
        utilization=util,
    )
    measured = {"input_tokens": 101.0, "output_tokens": 52.0, "gpu_hours": 36.0 * gpus}
    for name, value in measured.items():
        if where[name] == "measured":
            expected[name] = (value, "measured")
    resolved = resolve_inputs(given_, CostConfig(**config), usage)
    for name, (value, provenance) in expected.items():
        figure = getattr(resolved, name)
        assert (figure.value, figure.provenance) == (pytest.approx(value), provenance), name
    # the per-track split is measured only when the total is not given
    if "gpu_hours" in given_:
        assert resolved.stable_gpu_hours is None and resolved.canary_gpu_hours is None
        assert resolved.rollout_hours is None
    else:
        assert resolved.stable_gpu_hours == Figure(value=30.0 * gpus, provenance="measured")
        assert resolved.canary_gpu_hours == Figure(value=6.0 * gpus, provenance="measured")
        if active is None:
            assert resolved.rollout_hours is None
        else:
            expected_hours = min(active, horizon / HOUR_S)
            assert resolved.rollout_hours == Figure(value=expected_hours, provenance="measured")
    if util is None:
        assert resolved.utilization is None
    else:
        assert resolved.utilization == Figure(value=util, provenance="measured")
    report = cost_report(given_, CostConfig(**config), usage)
    assert report.inputs == resolved
    assert report.warnings == usage.warnings + report.warnings[len(usage.warnings) :]


def test_a_track_without_replica_hours_gives_no_split() -> None:
    usage = Usage(
        source="test",
        horizon_s=WEEK_S,
        tracks={
            Track.STABLE: TrackUsage(input_tokens=1, output_tokens=1, replica_hours=10),
            Track.CANARY: TrackUsage(input_tokens=1, output_tokens=1, active_hours=3),
        },
    )
    resolved = resolve_inputs({}, CostConfig(), usage)
    assert resolved.gpu_hours.value == 10
    assert resolved.stable_gpu_hours is None and resolved.canary_gpu_hours is None
    assert resolved.rollout_hours is None


def test_missing_numbers_are_each_named_once() -> None:
    empty = Usage(source="t", horizon_s=WEEK_S, tracks={Track.STABLE: TrackUsage()})
    with pytest.raises(MissingInputs) as err:
        resolve_inputs({"gpu_hours": 1.0}, CostConfig(), empty)
    assert len(err.value.problems) == 2
    assert all(p in str(err.value) for p in err.value.problems)
    assert any("--input-tokens" in p for p in err.value.problems)
    assert any("--output-tokens" in p for p in err.value.problems)


def test_gpu_hours_are_replica_hours_times_gpus() -> None:
    assert gpu_hours(120.0, 4) == 480.0
    assert gpu_hours(0.0, 8) == 0.0


def test_a_crossover_beyond_full_utilization_is_noted() -> None:
    """At 50 % utilization the fleet serves at most twice today's volume: a crossover beyond
    that is a warning; one between half and twice today's volume is not."""
    week = {n: 0.0 for n in NAMES} | {"horizon_s": WEEK_S, "price_in_per_mtok": 1.0}
    util = {"utilization": Figure(value=0.5, provenance="measured")}

    def notes(gpu_dollars: float) -> int:
        v = week | {"input_tokens": 100e6, "gpu_hours": gpu_dollars, "gpu_hour_price": 1.0}
        return len(compute(make(v, **util)).warnings)

    # today 100 Mtok/week at $1/Mtok; TCO $150 → crossover 150 Mtok, within 200: no note
    assert notes(150.0) == 0
    # TCO $200 → crossover exactly at full utilization: still within reach
    assert notes(200.0) == 0
    # TCO $250 → crossover 250 Mtok, beyond 200 Mtok at full utilization
    assert notes(250.0) == 1
    # TCO $40 → crossover 40 Mtok: below today's volume, nothing to warn about
    assert notes(40.0) == 0


def test_the_measurements_warnings_reach_the_report() -> None:
    usage = Usage(
        source="test",
        horizon_s=WEEK_S,
        tracks={Track.STABLE: TrackUsage(input_tokens=1, output_tokens=1, replica_hours=1)},
        warnings=["extrapolated from 2h of data"],
    )
    assert "extrapolated from 2h of data" in cost_report({}, CostConfig(), usage).warnings
    given_ = {"input_tokens": 1.0, "output_tokens": 1.0, "gpu_hours": 1.0}
    assert cost_report(given_, CostConfig(), None).warnings == []
