"""The cost screen's chart as data: the API bill and the dedicated TCO over the horizon against
weekly token volume (same input/output mix), with the crossover and today's volume marked.

The API bill grows with volume; the dedicated fleet costs the same whatever it serves (as long as
it can serve it), so the two lines cross where dedicated starts to pay off."""

from __future__ import annotations

from console.cost.model import MTOK, CostReport
from console.units import format_duration, format_si
from widgets.data import CostCurve

POINTS = 64


def cost_curve(report: CostReport) -> CostCurve | None:
    """The chart for ``report``; None when there is no volume to draw against."""
    now = report.tokens_per_week
    cross = report.crossover_tokens_per_week
    reach = max(now, cross or 0.0)
    if not reach > 0:
        return None
    x_max = reach * 1.25
    per_token = report.api_cost / now if now > 0 else None
    xs = [x_max * i / (POINTS - 1) for i in range(POINTS)]
    if per_token is None and cross:  # no volume today: the API line through the crossover
        per_token = report.tco / cross
    api = tuple((per_token or 0.0) * x for x in xs)
    dedicated = tuple(report.tco for _ in xs)
    marks: list[tuple[float, str]] = []
    if cross is not None:
        marks.append((cross / x_max, f"crossover {format_si(cross / MTOK)} Mtok/wk"))
    if now > 0:
        marks.append((now / x_max, f"now {format_si(now / MTOK)}"))
    return CostCurve(
        api=api,
        dedicated=dedicated,
        x_max_label=f"{format_si(x_max / MTOK)} Mtok/week",
        y_label=f"$ over {format_duration(report.inputs.horizon_s.value)}",
        marks=tuple(marks),
    )
