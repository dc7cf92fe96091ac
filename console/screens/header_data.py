"""What the status header shows, derived from the dashboard's state (kept apart to stay small)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.model import Health
from console.units import format_duration
from widgets.status_header import HeaderData

if TYPE_CHECKING:
    from console.context import AppContext
    from console.model import FleetSnapshot
    from console.screens.dashboard import DashboardScreen


def header_data(screen: DashboardScreen) -> HeaderData:
    app = screen.console
    ctx = app.ctx
    snapshot = screen.snapshot
    age = None if snapshot is None else max(ctx.clock.now() - snapshot.at.timestamp(), 0.0)
    canary = snapshot.canary if snapshot else None
    health = Health.NONE
    reason = ""
    if canary is not None and canary.weight_percent > 0:
        if screen.gates is not None:
            health, reason = screen.gates.health, screen.gates.reason
        else:
            health = Health.INCONCLUSIVE
    return HeaderData(
        deployment=ctx.deployment.name,
        source=ctx.metrics.name,
        age_s=age,
        stale=screen.is_stale(),
        window=_window(app.window_s, snapshot),
        canary_percent=None if canary is None else canary.weight_percent,
        next_percent=None if canary is None else _next(canary.weight_percent, ctx),
        health="no canary" if health is Health.NONE else health.value,
        health_reason=reason,
        burn_per_hour=_burn(snapshot, ctx),
        read_only=ctx.read_only,
        error=screen.last_error or _stale_reason(snapshot),
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
    from console.cost_usage import burn_per_hour, merge_cost_config

    config = merge_cost_config(ctx.settings.cost, ctx.deployment.cost)
    return burn_per_hour(config, sum(running))


def _next(weight: float, ctx: AppContext) -> float | None:
    """The configured step above ``weight``. None with the replica-ratio router: a step there
    goes as far as whole replicas reach (it may skip steps), which only its plan can say."""
    deployment = ctx.deployment
    if deployment.router.kind == "replicas":
        return None
    return next((s for s in deployment.steps if s > weight + 1e-9), None)
