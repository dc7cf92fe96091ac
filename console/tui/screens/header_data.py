"""What the status header shows: a pure function of the dashboard's state."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.canary.routers import router_for
from console.clock import speed_of
from console.model import Health, Track
from console.units import format_duration
from widgets.status_header import HeaderData

if TYPE_CHECKING:
    from console.config import ThresholdsConfig
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
    age = None
    if snapshot is not None:  # in wall seconds, whatever the simulated fleet's speed
        age = max(ctx.clock.now() - snapshot.at.timestamp(), 0.0) / speed_of(ctx.clock)
    canary = snapshot.canary if snapshot else None
    health = Health.NONE.value
    reason = short = ""
    if canary is not None and canary.weight_percent >= 100 and _released(ctx, snapshot):
        health, reason = "released", "the old stable is scaled down"
    elif canary is not None and canary.weight_percent > 0:
        if gates is not None:
            health, reason, short = gates.health.value, gates.reason, gates.short_reason
        else:
            health = Health.INCONCLUSIVE.value
        if canary.weight_percent >= 100 and not reason:
            reason = "at 100%: F finishes the release"
    elif canary is not None and canary.mirror_percent:
        health, reason = "mirroring", f"{canary.mirror_percent:g}% copied to the canary"
    return HeaderData(
        deployment=ctx.deployment.name,
        source=ctx.metrics.name,
        age_s=age,
        stale=stale,
        window=_window(window_s, snapshot),
        canary_percent=None if canary is None else canary.weight_percent,
        next_percent=None if canary is None else _next(canary.weight_percent, ctx),
        health="no canary" if health == Health.NONE.value else health,
        health_reason=reason,
        health_short=short,
        fleet=fleet_alert(snapshot, ctx.settings.ui.thresholds),
        burn_per_hour=_burn(snapshot, ctx),
        read_only=ctx.read_only,
        error=error or _stale_reason(snapshot),
    )


def _window(asked_s: float, snapshot: FleetSnapshot | None) -> str:
    """The rate window, and what it was widened to when the scrape interval asked for more."""
    if snapshot is not None and snapshot.requested_window_s is not None:
        return f"{format_duration(asked_s)} widened to {format_duration(snapshot.window_s)}"
    return format_duration(asked_s)


def fleet_alert(snapshot: FleetSnapshot | None, thresholds: ThresholdsConfig) -> str:
    """Stable's own trouble (its error share or queue over the "bad" thresholds), whatever the
    canary comparison says: a burning stable is never shown as a healthy release."""
    if snapshot is None or snapshot.stale:
        return ""
    stable = snapshot.tracks.get(Track.STABLE)
    if stable is None:
        return ""
    said = []
    share = stable.error_share
    if share is not None and math.isfinite(share) and share >= thresholds.error_share_bad:
        said.append(f"{share:.0%} errors")
    queue, serving = stable.queue_depth, stable.replicas.serving
    bad_queue = thresholds.queue_per_replica_bad
    if queue is not None and serving and math.isfinite(queue) and queue / serving >= bad_queue:
        said.append(f"{queue:.0f} queued")
    return ", ".join(said)


def _released(ctx: AppContext, snapshot: FleetSnapshot | None) -> bool:
    """At 100 % with the old stable scaled down to what a finish keeps."""
    if snapshot is None:
        return False
    stable = snapshot.tracks.get(Track.STABLE)
    if stable is None:
        return False
    running = (stable.replicas.serving or 0) + (stable.replicas.starting or 0)
    known = stable.replicas.serving is not None or stable.replicas.starting is not None
    return known and running <= ctx.deployment.finish_keep_stable


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
