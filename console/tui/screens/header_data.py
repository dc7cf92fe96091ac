"""What the status header shows: a pure function of the dashboard's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.canary.routers import router_for
from console.model import Health
from console.units import format_duration
from widgets.status_header import HeaderData

if TYPE_CHECKING:
    from console.context import AppContext
    from console.gates import GateReport
    from console.model import FleetSnapshot


def header_data(
    ctx: AppContext,
    snapshot: FleetSnapshot | None,
    gates: GateReport | None,
    window_s: float,
    stale: bool,
    error: str = "",
) -> HeaderData:
    """What the header shows: a pure function of the context, the last snapshot and gate
    report, the window, whether the data is stale and the last poll error."""
    age = None if snapshot is None else max(ctx.clock.now() - snapshot.at.timestamp(), 0.0)
    canary = snapshot.canary if snapshot else None
    health = Health.NONE
    reason = ""
    if canary is not None and canary.weight_percent > 0:
        if gates is not None:
            health, reason = gates.health, gates.reason
        else:
            health = Health.INCONCLUSIVE
    return HeaderData(
        deployment=ctx.deployment.name,
        source=ctx.metrics.name,
        age_s=age,
        stale=stale,
        window=_window(window_s, snapshot),
        canary_percent=None if canary is None else canary.weight_percent,
        next_percent=None if canary is None else _next(canary.weight_percent, ctx),
        health="no canary" if health is Health.NONE else health.value,
        health_reason=reason,
        burn_per_hour=_burn(snapshot, ctx),
        read_only=ctx.read_only,
        error=error or _stale_reason(snapshot),
    )


def _window(asked_s: float, snapshot: FleetSnapshot | None) -> str:
    """The rate window, and what it was widened to when the scrape interval asked for more."""
    if snapshot is not None and snapshot.requested_window_s is not None:
        return f"{format_duration(asked_s)} widened to {format_duration(snapshot.window_s)}"
    return format_duration(asked_s)


def _stale_reason(snapshot: FleetSnapshot | None) -> str:
    """Why the source called its samples old (``canary metrics 180s old``), shown like an error."""
    if snapshot is None:
        return ""
    return snapshot.stale_reason or ""


def _burn(snapshot: FleetSnapshot | None, ctx: AppContext) -> float | None:
    """GPU (+ engineering) dollars per hour for the replicas running now, both tracks."""
    if snapshot is None:
        return None
    running = [
        (v.replicas.serving or 0) + (v.replicas.starting or 0)
        for v in snapshot.tracks.values()
        if v.replicas.serving is not None or v.replicas.starting is not None
    ]
    if not running:
        return None
    from console.cost.usage import burn_per_hour, merge_cost_config

    config = merge_cost_config(ctx.settings.cost, ctx.deployment.cost)
    return burn_per_hour(config, sum(running))


def _next(weight: float, ctx: AppContext) -> float | None:
    """The step above ``weight`` as the deployment's router sees it (None: only a plan can say)."""
    deployment = ctx.deployment
    return router_for(deployment.router.kind).next_percent(deployment, weight)
