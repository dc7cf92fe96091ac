"""Cost meter: per-token API cost against dedicated GPUs and TCO over a horizon (pure functions)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from console.units import format_duration

Provenance = Literal["measured", "given", "config", "default"]
Verdict = Literal["api", "dedicated", "even"]

WEEK_S = 7 * 86400.0
HOUR_S = 3600.0
MTOK = 1e6
#: Two costs closer than half a cent are "even".
EVEN_WITHIN_USD = 0.005

SHORT_HORIZON_WARNING = (
    "horizon {horizon} is shorter than 7 days: daily and weekly traffic cycles mean "
    "a single day misleads; use --horizon 7d or longer"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(_Frozen):
    """One input number and where it came from."""

    value: float = Field(ge=0)
    provenance: Provenance


class CostInputs(_Frozen):
    """Everything the cost model needs, each number with its provenance.

    Token counts and GPU-hours are totals over the horizon. ``engineering_hours_per_week`` is a
    weekly figure: the TCO adds ``engineering_hours_per_week × engineering_rate × horizon weeks``
    (so a 14-day horizon counts two weeks of engineering time).

    ``canary_gpu_hours``/``stable_gpu_hours`` split ``gpu_hours`` per track when known, and
    ``rollout_hours`` is how long the canary ran beside stable; together they give the rollout cost.
    ``utilization`` is the fleet's busy fraction (0-1) when known.
    """

    input_tokens: Figure
    output_tokens: Figure
    price_in_per_mtok: Figure
    price_out_per_mtok: Figure
    gpu_hours: Figure
    gpu_hour_price: Figure
    engineering_hours_per_week: Figure
    engineering_rate: Figure
    horizon_s: Figure
    canary_gpu_hours: Figure | None = None
    stable_gpu_hours: Figure | None = None
    rollout_hours: Figure | None = None
    utilization: Figure | None = None


class RolloutCost(_Frozen):
    """The extra cost of running a canary beside stable, against a blue-green rollout (a full
    second copy of the stable fleet) lasting just as long."""

    duration_hours: float
    canary_gpu_hours: float
    canary_cost: float
    blue_green_gpu_hours: float
    blue_green_cost: float
    saved_vs_blue_green: float


class CostReport(_Frozen):
    """The verdict and its breakdown. ``tco`` is what ``cheaper`` compares with ``api_cost``.

    ``crossover_tokens_per_week`` is the weekly token volume (same input/output mix) at which the
    dedicated TCO equals the API cost, assuming the fleet (and so its cost) stays as it is. It is
    None when no crossover exists; ``crossover_note`` then says why (API free, no tokens to take a
    mix from).
    """

    inputs: CostInputs
    api_cost: float
    dedicated_cost: float
    engineering_cost: float
    tco: float
    cheaper: Verdict
    savings: float
    api_per_mtok: float | None
    effective_dedicated_per_mtok: float | None
    utilization: float | None
    tokens_per_week: float
    crossover_tokens_per_week: float | None
    crossover_note: str
    horizon_days: float
    burn_per_hour: float
    api_burn_per_hour: float
    rollout: RolloutCost | None
    warnings: list[str]


def api_cost(input_tokens: float, output_tokens: float, price_in: float, price_out: float) -> float:
    """Per-token API bill: tokens ÷ 1e6 × price per million, input and output priced apart."""
    return input_tokens / MTOK * price_in + output_tokens / MTOK * price_out


def dedicated_cost(gpu_hours: float, gpu_hour_price: float) -> float:
    """GPU bill: GPU-hours × price per GPU-hour."""
    return gpu_hours * gpu_hour_price


def engineering_cost(hours_per_week: float, rate: float, horizon_s: float) -> float:
    """Engineering time over the horizon: hours per week × rate × (horizon ÷ 7 days)."""
    return hours_per_week * rate * horizon_s / WEEK_S


def gpu_hours(replica_hours: float, gpus_per_replica: float) -> float:
    """GPU-hours from replica-hours (the time integral of the replica count)."""
    return replica_hours * gpus_per_replica


def burn_rate(
    replicas: float,
    gpus_per_replica: float,
    gpu_hour_price: float,
    engineering_hours_per_week: float = 0.0,
    engineering_rate: float = 0.0,
) -> float:
    """Dollars per hour now: running GPUs × price, plus engineering time spread over a week."""
    return (
        replicas * gpus_per_replica * gpu_hour_price
        + engineering_hours_per_week * engineering_rate * HOUR_S / WEEK_S
    )


def verdict(api: float, tco: float) -> Verdict:
    """Which is cheaper; within half a cent they are even."""
    if abs(api - tco) < EVEN_WITHIN_USD:
        return "even"
    return "dedicated" if tco < api else "api"


def crossover_tokens_per_week(
    input_tokens: float,
    output_tokens: float,
    price_in: float,
    price_out: float,
    tco_per_week: float,
) -> tuple[float | None, str]:
    """Weekly token volume at the observed input/output mix where the API bill equals the weekly
    dedicated TCO, with a note. None when there is no such volume."""
    total = input_tokens + output_tokens
    if total <= 0:
        return None, "no tokens in the horizon: the input/output mix is unknown"
    per_token = (input_tokens * price_in + output_tokens * price_out) / total / MTOK
    if per_token <= 0:
        if tco_per_week <= 0:
            return 0.0, "both are free: they cross at any volume"
        return None, "the API is free at these prices: dedicated never pays off"
    return tco_per_week / per_token, "weekly volume at which dedicated TCO equals the API bill"


def rollout_cost(
    canary_gpu_hours: float,
    stable_gpu_hours_per_hour: float,
    duration_hours: float,
    gpu_hour_price: float,
) -> RolloutCost:
    """A canary's extra GPU-hours beside a blue-green rollout of the same length, where the green
    fleet is a full copy of stable (``stable_gpu_hours_per_hour`` GPUs) for ``duration_hours``."""
    blue_green = stable_gpu_hours_per_hour * duration_hours
    return RolloutCost(
        duration_hours=duration_hours,
        canary_gpu_hours=canary_gpu_hours,
        canary_cost=canary_gpu_hours * gpu_hour_price,
        blue_green_gpu_hours=blue_green,
        blue_green_cost=blue_green * gpu_hour_price,
        saved_vs_blue_green=(blue_green - canary_gpu_hours) * gpu_hour_price,
    )


def plan_rollout_cost(
    steps: tuple[float, ...],
    step_hours: float,
    stable_replicas: int,
    gpus_per_replica: float,
    gpu_hour_price: float,
    min_canary_replicas: int = 1,
) -> RolloutCost:
    """Rollout cost from a plan: at each step of weight w % the canary is warmed to
    ``max(min_canary_replicas, ceil(stable_replicas × w / 100))`` replicas for ``step_hours``."""
    canary_replica_hours = 0.0
    for weight in steps:
        replicas = max(min_canary_replicas, math.ceil(stable_replicas * weight / 100 - 1e-9))
        canary_replica_hours += replicas * step_hours
    return rollout_cost(
        canary_replica_hours * gpus_per_replica,
        stable_replicas * gpus_per_replica,
        step_hours * len(steps),
        gpu_hour_price,
    )


def horizon_warnings(horizon_s: float) -> list[str]:
    if horizon_s < WEEK_S:
        return [SHORT_HORIZON_WARNING.format(horizon=format_duration(horizon_s))]
    return []


def compute(inputs: CostInputs, warnings: list[str] | None = None) -> CostReport:
    """The full report for ``inputs``; ``warnings`` from gathering the inputs are carried along."""
    tokens_in = inputs.input_tokens.value
    tokens_out = inputs.output_tokens.value
    p_in = inputs.price_in_per_mtok.value
    p_out = inputs.price_out_per_mtok.value
    horizon = inputs.horizon_s.value
    if horizon <= 0:
        raise ValueError("horizon must be positive")
    api = api_cost(tokens_in, tokens_out, p_in, p_out)
    dedicated = dedicated_cost(inputs.gpu_hours.value, inputs.gpu_hour_price.value)
    engineering = engineering_cost(
        inputs.engineering_hours_per_week.value, inputs.engineering_rate.value, horizon
    )
    tco = dedicated + engineering
    cheaper = verdict(api, tco)
    weeks = horizon / WEEK_S
    hours = horizon / HOUR_S
    total_mtok = (tokens_in + tokens_out) / MTOK
    crossover, note = crossover_tokens_per_week(tokens_in, tokens_out, p_in, p_out, tco / weeks)
    notes = [*(warnings or []), *horizon_warnings(horizon)]
    utilization = inputs.utilization.value if inputs.utilization else None
    tokens_per_week = (tokens_in + tokens_out) / weeks
    if crossover is not None and utilization and crossover > tokens_per_week / utilization:
        notes.append(
            f"the crossover ({crossover / MTOK:,.0f} Mtok/week) is beyond what this fleet serves "
            f"at full utilization ({tokens_per_week / utilization / MTOK:,.0f} Mtok/week)"
        )
    return CostReport(
        inputs=inputs,
        api_cost=api,
        dedicated_cost=dedicated,
        engineering_cost=engineering,
        tco=tco,
        cheaper=cheaper,
        savings=abs(api - tco),
        api_per_mtok=api / total_mtok if total_mtok > 0 else None,
        effective_dedicated_per_mtok=tco / total_mtok if total_mtok > 0 else None,
        utilization=utilization,
        tokens_per_week=tokens_per_week,
        crossover_tokens_per_week=crossover,
        crossover_note=note,
        horizon_days=horizon / 86400.0,
        burn_per_hour=tco / hours,
        api_burn_per_hour=api / hours,
        rollout=_rollout(inputs),
        warnings=notes,
    )


def _rollout(inputs: CostInputs) -> RolloutCost | None:
    if inputs.canary_gpu_hours is None or inputs.stable_gpu_hours is None:
        return None
    hours = inputs.horizon_s.value / HOUR_S
    duration = inputs.rollout_hours.value if inputs.rollout_hours else hours
    return rollout_cost(
        inputs.canary_gpu_hours.value,
        inputs.stable_gpu_hours.value / hours,
        duration,
        inputs.gpu_hour_price.value,
    )


def cumulative_costs(report: CostReport, points: int = 24) -> tuple[list[float], list[float]]:
    """Cumulative API and dedicated (TCO) cost at ``points`` even steps over the horizon, at the
    horizon's average rates (the inputs are totals, so the curves are straight lines)."""
    if points < 2:
        raise ValueError("need at least two points")
    fractions = [i / (points - 1) for i in range(points)]
    return [report.api_cost * f for f in fractions], [report.tco * f for f in fractions]
