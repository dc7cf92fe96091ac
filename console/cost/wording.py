"""Plain-text wording of a cost report, shared by the ``cost`` command and the cost screen."""

from __future__ import annotations

from dataclasses import dataclass

from console.cost.model import MTOK, WEEK_S, CostReport
from console.units import format_duration

INPUT_LABELS: dict[str, str] = {
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
    "price_in_per_mtok": "price in, $/Mtok",
    "price_out_per_mtok": "price out, $/Mtok",
    "gpu_hours": "GPU-hours",
    "gpu_hour_price": "$/GPU-hour",
    "engineering_hours_per_week": "engineering h/week",
    "engineering_rate": "engineering $/h",
    "horizon_s": "horizon",
    "stable_gpu_hours": "stable GPU-hours",
    "canary_gpu_hours": "canary GPU-hours",
    "rollout_hours": "canary running, h",
    "utilization": "GPU utilization",
}


@dataclass(frozen=True)
class Line:
    """One row of the breakdown: a label, the working, the amount; ``tone`` is "over" (the dearer
    side), "under" (the cheaper side) or "" for plain."""

    label: str
    detail: str
    amount: str
    tone: str = ""


def money(value: float) -> str:
    return f"${value:,.2f}"


def dollars(value: float) -> str:
    """Whole dollars, for summaries."""
    return f"${value:,.0f}"


def price(value: float) -> str:
    return f"${value:,.2f}" if round(value, 2) == value else f"${value:,.6g}"


def mtok(tokens: float) -> str:
    return f"{tokens / MTOK:,.4g} M" if tokens < 1e9 else f"{tokens / MTOK:,.0f} M"


def figure_text(name: str, value: float) -> str:
    if name == "horizon_s":
        return format_duration(value)
    if name == "utilization":
        return f"{value:.0%}"
    if name in ("input_tokens", "output_tokens"):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def verdict_text(report: CostReport) -> str:
    if report.cheaper == "even":
        return "API and dedicated cost the same at this volume"
    share = report.savings / max(report.api_cost, report.tco) if report.savings else 0.0
    side = "dedicated GPUs are" if report.cheaper == "dedicated" else "the per-token API is"
    return f"{side} cheaper by {money(report.savings)} ({share:.0%}) over {_horizon(report)}"


def crossover_text(report: CostReport) -> str:
    if report.crossover_tokens_per_week is None:
        return f"no crossover: {report.crossover_note}"
    cross = report.crossover_tokens_per_week
    now = report.tokens_per_week
    side = "above" if now > cross else "below" if now < cross else "at"
    return f"dedicated pays off from {mtok(cross)}tok/week (now {mtok(now)}tok, {side})"


def breakdown(report: CostReport) -> list[Line]:
    """The cost lines, from the API bill down to the TCO."""
    i = report.inputs
    over_api = report.cheaper == "dedicated"
    api_tone = "over" if over_api else "under" if report.cheaper == "api" else ""
    tco_tone = "under" if over_api else "over" if report.cheaper == "api" else ""
    weeks = i.horizon_s.value / WEEK_S
    return [
        Line(
            "Per-token API",
            f"{mtok(i.input_tokens.value)} in × {price(i.price_in_per_mtok.value)}"
            f" + {mtok(i.output_tokens.value)} out × {price(i.price_out_per_mtok.value)} /Mtok",
            money(report.api_cost),
            api_tone,
        ),
        Line(
            "Dedicated GPUs",
            f"{i.gpu_hours.value:,.0f} GPU-h × {price(i.gpu_hour_price.value)}",
            money(report.dedicated_cost),
        ),
        Line(
            "Engineering",
            _engineering_detail(report, weeks),
            money(report.engineering_cost),
        ),
        Line("Dedicated TCO", "GPUs + engineering", money(report.tco), tco_tone),
    ]


def _engineering_detail(report: CostReport, weeks: float) -> str:
    i = report.inputs
    hours, rate = i.engineering_hours_per_week, i.engineering_rate
    unset = [
        name
        for name, figure in (("engineering_hours_per_week", hours), ("engineering_rate", rate))
        if figure.value == 0 and figure.provenance == "default"
    ]
    if unset:  # a $0 that only means nobody said: named as such, not passed off as a cost
        names = unset[0] if len(unset) == 1 else "engineering_*"
        return f"not configured ([cost] {names})"
    return f"{hours.value:g} h/week × {price(rate.value)} × {weeks:.3g} wk"


def summary(report: CostReport) -> list[tuple[str, str]]:
    """Verdict, unit prices, crossover, burn and rollout as (label, text) pairs."""
    rows = [
        ("Verdict", verdict_text(report)),
        ("Crossover", crossover_text(report)),
    ]
    if report.effective_dedicated_per_mtok is not None and report.api_per_mtok is not None:
        rows.append(
            (
                "Per Mtok",
                f"dedicated {money(report.effective_dedicated_per_mtok)}"
                f" vs API {money(report.api_per_mtok)}",
            )
        )
    if report.utilization is not None:
        rows.append(("Utilization", f"{report.utilization:.0%} of GPU time busy"))
    rows.append(
        (
            "Burn",
            f"{money(report.burn_per_hour)}/h dedicated vs {money(report.api_burn_per_hour)}/h API",
        )
    )
    rows.append(("Rollout", rollout_text(report)))
    return rows


def rollout_text(report: CostReport) -> str:
    r = report.rollout
    if r is None:
        return "unknown (needs per-track replica measurements)"
    return (
        f"canary {r.canary_gpu_hours:,.0f} GPU-h {dollars(r.canary_cost)} vs blue-green "
        f"{r.blue_green_gpu_hours:,.0f} GPU-h {dollars(r.blue_green_cost)} "
        f"({format_duration(r.duration_hours * 3600)})"
    )


def inputs_table(report: CostReport) -> list[tuple[str, str, str]]:
    """(label, value, provenance) for every input that is known."""
    rows: list[tuple[str, str, str]] = []
    for name, label in INPUT_LABELS.items():
        figure = getattr(report.inputs, name)
        if figure is not None:
            provenance = figure.provenance
            if figure.value == 0 and provenance == "default":
                provenance = "default: not configured"
            rows.append((label, figure_text(name, figure.value), provenance))
    return rows


def render_text(report: CostReport, title: str) -> str:
    """The whole report as plain text (about 80 columns wide)."""
    out = [title, ""]
    for line in breakdown(report):
        out.append(f"  {line.label:<15}{line.amount:>13}  {line.detail}")
    out.append("")
    for label, text in summary(report):
        out.append(f"  {label + ':':<12} {text}")
    out.append("")
    out.append("Inputs")
    for label, value, provenance in inputs_table(report):
        out.append(f"  {label:<20} {value:>20}  {provenance}")
    if report.warnings:
        out.append("")
        out.append("Warnings")
        out.extend(f"  ! {w}" for w in report.warnings)
    return "\n".join(out)


def _horizon(report: CostReport) -> str:
    return format_duration(report.inputs.horizon_s.value)
