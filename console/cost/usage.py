"""Measured usage per track and how it combines with config and given numbers into CostInputs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from console.config import CostConfig
from console.cost.model import (
    HOUR_S,
    WEEK_S,
    CostInputs,
    CostReport,
    Figure,
    burn_rate,
    compute,
)
from console.errors import ProblemsError
from console.model import Track

#: Used when neither the command line nor the config names a figure (clearly marked "default").
DEFAULTS: dict[str, float] = {
    "price_in_per_mtok": 1.25,
    "price_out_per_mtok": 10.0,
    "gpu_hour_price": 3.50,
    "gpus_per_replica": 1.0,
    "engineering_hours_per_week": 0.0,
    "engineering_rate": 0.0,
    "horizon_s": WEEK_S,
}

#: Command-line names of the numbers a user may give (for messages).
OPTION_NAMES: dict[str, str] = {
    "input_tokens": "--input-tokens",
    "output_tokens": "--output-tokens",
    "price_in_per_mtok": "--price-in",
    "price_out_per_mtok": "--price-out",
    "gpu_hours": "--gpu-hours",
    "gpu_hour_price": "--gpu-hour-price",
    "engineering_hours_per_week": "--engineering-hours",
    "engineering_rate": "--engineering-rate",
    "horizon_s": "--horizon",
}


class TrackUsage(BaseModel):
    """What one track used over the horizon; None where the series were missing (never 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: float | None = None
    output_tokens: float | None = None
    replica_hours: float | None = None
    active_hours: float | None = None


class Usage(BaseModel):
    """Measured usage over ``horizon_s`` per track, from ``source``, with its warnings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    horizon_s: float
    tracks: dict[Track, TrackUsage]
    utilization: float | None = None
    warnings: list[str] = []

    def total(self, field: str) -> float | None:
        """Sum over the tracks that have ``field``; None when no track has it."""
        values = [getattr(t, field) for t in self.tracks.values()]
        known = [v for v in values if v is not None]
        return sum(known) if known else None


class MissingInputs(ProblemsError, ValueError):
    """Numbers that were neither measured nor given; ``problems`` holds one line each."""

    separator = "; "


def merge_cost_config(base: CostConfig, override: CostConfig) -> CostConfig:
    """The global cost section with a deployment's own (non-empty) fields on top."""
    fields = override.model_dump(exclude_none=True)
    return base.model_copy(update=fields)


def resolve_horizon(given: dict[str, float], config: CostConfig) -> Figure:
    """The horizon: given, else configured, else 7 days."""
    if "horizon_s" in given:
        return Figure(value=given["horizon_s"], provenance="given")
    if config.horizon is not None:
        return Figure(value=config.horizon, provenance="config")
    return Figure(value=DEFAULTS["horizon_s"], provenance="default")


def resolve_inputs(
    given: dict[str, float],
    config: CostConfig,
    usage: Usage | None = None,
) -> CostInputs:
    """Combine, in order of precedence, numbers given on the command line, measured usage, the
    config, and the defaults. Raises MissingInputs for tokens or GPU-hours known from nowhere."""

    def pick(name: str, measured: float | None = None, configured: float | None = None) -> Figure:
        if name in given:
            return Figure(value=given[name], provenance="given")
        if measured is not None:
            return Figure(value=measured, provenance="measured")
        if configured is not None:
            return Figure(value=configured, provenance="config")
        return Figure(value=DEFAULTS[name], provenance="default")

    horizon = resolve_horizon(given, config)
    gpus = pick("gpus_per_replica", configured=config.gpus_per_replica)
    problems: list[str] = []
    figures: dict[str, Figure] = {}
    measured = {
        "input_tokens": usage.total("input_tokens") if usage else None,
        "output_tokens": usage.total("output_tokens") if usage else None,
        "gpu_hours": _gpu_hours(usage, gpus.value, Track.STABLE, Track.CANARY),
    }
    for name, value in measured.items():
        if name in given:
            figures[name] = Figure(value=given[name], provenance="given")
        elif value is not None:
            figures[name] = Figure(value=value, provenance="measured")
        else:
            why = "not measured" if usage else "nothing to measure it from"
            problems.append(f"{OPTION_NAMES[name]}: needed ({why})")
    if problems:
        raise MissingInputs(problems)
    track_figures = _track_figures(usage, gpus.value, given)
    return CostInputs(
        **figures,
        price_in_per_mtok=pick("price_in_per_mtok", configured=config.price_in_per_mtok),
        price_out_per_mtok=pick("price_out_per_mtok", configured=config.price_out_per_mtok),
        gpu_hour_price=pick("gpu_hour_price", configured=config.gpu_hour_price),
        engineering_hours_per_week=pick(
            "engineering_hours_per_week", configured=config.engineering_hours_per_week
        ),
        engineering_rate=pick("engineering_rate", configured=config.engineering_rate),
        horizon_s=horizon,
        **track_figures,
    )


def _gpu_hours(usage: Usage | None, gpus: float, *tracks: Track) -> float | None:
    if usage is None:
        return None
    values = [usage.tracks[t].replica_hours for t in tracks if t in usage.tracks]
    known = [v for v in values if v is not None]
    return sum(known) * gpus if known else None


def _track_figures(usage: Usage | None, gpus: float, given: dict[str, float]) -> dict[str, Figure]:
    """Per-track GPU-hours and the canary's running time, when measured and not overridden by a
    given total (a given total GPU-hours makes the measured split meaningless)."""
    if usage is None:
        return {}
    out: dict[str, Figure] = {}
    if usage.utilization is not None:
        out["utilization"] = Figure(value=usage.utilization, provenance="measured")
    if "gpu_hours" in given:
        return out
    stable = _gpu_hours(usage, gpus, Track.STABLE)
    canary_usage = usage.tracks.get(Track.CANARY)
    canary = _gpu_hours(usage, gpus, Track.CANARY)
    if stable is not None and canary is not None:
        out["stable_gpu_hours"] = Figure(value=stable, provenance="measured")
        out["canary_gpu_hours"] = Figure(value=canary, provenance="measured")
        if canary_usage is not None and canary_usage.active_hours is not None:
            hours = min(canary_usage.active_hours, usage.horizon_s / HOUR_S)
            out["rollout_hours"] = Figure(value=hours, provenance="measured")
    return out


def cost_report(
    given: dict[str, float], config: CostConfig, usage: Usage | None = None
) -> CostReport:
    """Resolve the inputs and compute the report, carrying the measurement's warnings.
    Raises MissingInputs like ``resolve_inputs``."""
    return compute(resolve_inputs(given, config, usage), usage.warnings if usage else [])


def burn_per_hour(config: CostConfig, replicas: float) -> float:
    """Dollars per hour for ``replicas`` running now, with configured or default prices."""

    def value(name: str) -> float:
        configured = getattr(config, name)
        return float(DEFAULTS[name] if configured is None else configured)

    return burn_rate(
        replicas,
        value("gpus_per_replica"),
        value("gpu_hour_price"),
        value("engineering_hours_per_week"),
        value("engineering_rate"),
    )
