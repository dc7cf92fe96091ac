"""Canary actions with a weighted route (Gateway API HTTPRoute, Istio VirtualService, KServe
``canaryTrafficPercent``): the split is the route's weights, so a step warms the canary first
(scale, wait until ready), then shifts the weights, then optionally trims stable. A revert makes
stable able to carry everything, shifts all traffic to it, then scales the canary down."""

from __future__ import annotations

import threading

from console.canary.plan import (
    WEIGHT_TOTAL,
    Plan,
    Split,
    needed_replicas,
    no_step_left,
    observed_rps,
    split_of,
    step_refusal,
    weights_for,
)
from console.canary.records import Done, Outcome, Progress
from console.canary.router import Router
from console.canary.writer import ProgressFn, Writer
from console.config import DeploymentConfig
from console.errors import ConflictError
from console.gates import GateReport
from console.model import ClusterState, FleetSnapshot, RouteState, Track


class WeightRouter(Router):
    """A route whose weights the console writes (with the resourceVersion it read)."""

    def __init__(self, mirror_refusal: str = "") -> None:
        self.mirror_refusal = mirror_refusal

    # Planning -------------------------------------------------------------------------------

    def _step(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        gates: GateReport,
        trim: bool,
    ) -> Plan:
        before = split_of(state)
        current = before.canary_percent
        nxt = next((s for s in deployment.steps if s > current + 1e-9), None)
        rps = observed_rps(snapshot)
        if nxt is None:
            return no_step_left(state, rps, gates)
        stable_w, canary_w = weights_for(nxt)
        cap, headroom = deployment.replica_capacity_rps, deployment.headroom
        canary_needed = max(
            needed_replicas(rps or 0.0, nxt / 100, cap, headroom),
            deployment.min_canary_replicas,
            1,
        )
        warm_to = max(canary_needed, before.canary_replicas)
        trim_to = None
        if trim:
            stable_needed = max(needed_replicas(rps or 0.0, 1 - nxt / 100, cap, headroom), 1)
            if stable_needed < before.stable_replicas:
                trim_to = stable_needed
        after = Split(
            stable_w, canary_w, trim_to or before.stable_replicas, warm_to, before.mirror_percent
        )
        return Plan(
            "step",
            before,
            after,
            state.route.resource_version,
            warm_canary_to=warm_to,
            trim_stable_to=trim_to,
            observed_rps=rps,
            gates=gates,
            refusal=step_refusal(rps, gates),
        )

    def _revert(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        emergency: bool,
    ) -> Plan:
        before = split_of(state)
        rps = observed_rps(snapshot)
        stable_needed = max(
            needed_replicas(rps or 0.0, 1.0, deployment.replica_capacity_rps, deployment.headroom),
            1,
        )
        warm_stable = None
        if not emergency and (
            before.stable_replicas < stable_needed or state.stable.ready < stable_needed
        ):
            warm_stable = max(stable_needed, before.stable_replicas)
        after = Split(
            WEIGHT_TOTAL,
            0,
            warm_stable or before.stable_replicas,
            before.canary_replicas if emergency else 0,
            0.0 if before.mirror_percent else before.mirror_percent,  # a revert ends the mirror
        )
        notes: tuple[str, ...] = ()
        if emergency:
            notes = (
                f"EMERGENCY: all traffic to stable at once, stable has {state.stable.ready} "
                f"ready of {stable_needed} needed for {rps or 0:.1f} req/s; canary replicas kept",
            )
        refusal = ""
        if before.canary_weight == 0 and (emergency or before.canary_replicas == 0):
            refusal = "nothing to revert: the canary has no traffic"
        return Plan(
            "emergency-revert" if emergency else "revert",
            before,
            after,
            state.route.resource_version,
            warm_stable_to=warm_stable,
            observed_rps=rps,
            refusal=refusal,
            notes=notes,
        )

    def describe(self, plan: Plan) -> list[str]:
        b, a = plan.before, plan.after
        lines = []
        if plan.warm_stable_to is not None:
            lines.append(f"scale stable {b.stable_replicas} → {plan.warm_stable_to} and wait ready")
        if plan.warm_canary_to is not None:
            if plan.warm_canary_to > b.canary_replicas:
                lines.append(
                    f"scale canary {b.canary_replicas} → {plan.warm_canary_to} and wait ready"
                )
            else:
                lines.append(
                    f"keep the canary at {_replicas(b.canary_replicas)} "
                    f"({plan.warm_canary_to} needed) and check they are ready"
                )
        if (b.stable_weight, b.canary_weight) != (a.stable_weight, a.canary_weight):
            lines.append(
                f"weights stable/canary {b.stable_weight}/{b.canary_weight} → "
                f"{a.stable_weight}/{a.canary_weight} (canary {b.canary_percent:g}% → "
                f"{a.canary_percent:g}%)"
            )
        if plan.trim_stable_to is not None:
            lines.append(f"trim stable {b.stable_replicas} → {plan.trim_stable_to}")
        if plan.action in ("revert", "emergency-revert") and b.mirror_percent:
            lines.append(f"turn the mirror off (it sends {b.mirror_percent:g}% to the canary)")
        if plan.action == "revert" and a.canary_replicas != b.canary_replicas:
            lines.append(f"scale canary {b.canary_replicas} → {a.canary_replicas}")
        lines.extend(plan.notes)
        return lines

    def _mirror_off(self, writer: Writer, plan: Plan, progress: ProgressFn, changed: Done) -> None:
        """A revert ends mirroring: copies of live traffic to a reverted canary help no one."""
        if not plan.before.mirror_percent:
            return
        progress(Progress("shift", "mirror → off"))
        version = writer.cluster.read(writer.spec).route.resource_version  # after our own write
        writer.set_mirror(0.0, version)
        changed.append("mirror off")

    def words(self, route: RouteState) -> str:
        mirror = "" if route.mirror_percent is None else f", mirror {route.mirror_percent:g}%"
        return (
            f"weights {route.stable_weight}/{route.canary_weight}{mirror} "
            f"(resourceVersion {route.resource_version})"
        )

    # Running --------------------------------------------------------------------------------

    def run_step(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        assert plan.warm_canary_to is not None
        b, a = plan.before, plan.after
        writer.warm(Track.CANARY, b.canary_replicas, plan.warm_canary_to, cancel, progress, changed)
        progress(Progress("shift", f"weights → {a.stable_weight}/{a.canary_weight}"))
        writer.set_weights(a.stable_weight, a.canary_weight, plan.resource_version)
        changed.route_written = True
        changed.append(f"canary at {a.canary_percent:g}%")
        if plan.trim_stable_to is not None:
            progress(Progress("trim", f"stable → {plan.trim_stable_to} replicas"))
            writer.scale(Track.STABLE, plan.trim_stable_to)
            changed.append(f"stable trimmed to {plan.trim_stable_to}")
        return Outcome(
            "ok", f"canary {b.canary_percent:g}% → {a.canary_percent:g}%", plan, plan.after
        )

    def run_revert(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        b, a = plan.before, plan.after
        if plan.warm_stable_to is not None:
            writer.warm(
                Track.STABLE, b.stable_replicas, plan.warm_stable_to, cancel, progress, changed
            )
        progress(Progress("shift", "all traffic → stable"))
        writer.set_weights(a.stable_weight, 0, plan.resource_version)
        changed.route_written = True
        changed.append("all traffic on stable")
        self._mirror_off(writer, plan, progress, changed)
        if a.canary_replicas != b.canary_replicas:
            progress(Progress("scale", f"canary → {a.canary_replicas} replicas"))
            writer.scale(Track.CANARY, a.canary_replicas)
        return Outcome("ok", f"reverted: canary {b.canary_percent:g}% → 0%", plan, plan.after)

    def run_emergency(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        """All traffic to stable is always a safe target: a route changed since planning (409)
        is read once more and written again with its fresh version, and the outcome says so.
        The weights are the plan's (stable > 0, canary 0): never all zero."""
        progress(Progress("shift", "EMERGENCY: all traffic → stable at once"))
        stable = plan.after.stable_weight
        retried = ""
        try:
            writer.set_weights(stable, 0, plan.resource_version)
        except ConflictError:
            route = writer.cluster.read(writer.spec).route
            seen = self.words(route)
            retried = (
                "; retried over a concurrent change: the planned write met HTTP 409 Conflict "
                f"and the route read {seen}"
            )
            progress(Progress("shift", f"EMERGENCY: the route changed ({seen}); writing again"))
            writer.set_weights(stable, 0, route.resource_version)
        changed.route_written = True
        changed.append("all traffic on stable")
        try:
            self._mirror_off(writer, plan, progress, changed)
        except ConflictError:  # the mirror off is always safe too: once more, freshly read
            self._mirror_off(writer, plan, progress, changed)
        return Outcome(
            "ok",
            "EMERGENCY revert: all traffic shifted to stable at once, without "
            "waiting for stable's capacity" + retried,
            plan,
            plan.after,
        )


def _replicas(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"
