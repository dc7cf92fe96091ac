"""Canary actions with the replica-ratio router (``router.kind = "replicas"``): two Deployments
behind one Service, so the split is the ratio of ready pods and a canary pod takes traffic as soon
as it is ready. There is nothing to warm before a shift: scaling the canary *is* the shift.

A step works out target counts (stable s, canary c) whose ratio is the next step's share or just
under it, and where the tracks together serve the observed rate with headroom (every ready pod
gets an equal share). It grows stable first and waits until s are ready (the canary's share only
falls meanwhile), then scales the canary to c and waits (the shift), then shrinks stable if it
has more than s. It never shrinks the canary. A revert grows stable to carry everything and
waits, then scales the canary to 0. Someone else's change is caught on each ``/scale`` write:
the Deployment must still want the count read (the write carries its ``resourceVersion``)."""

from __future__ import annotations

import math
import threading

from console.canary.plan import (
    Plan,
    Split,
    needed_replicas,
    no_step_left,
    observed_rps,
    refused_step,
    split_of,
    step_refusal,
)
from console.canary.records import Done, Outcome, Progress
from console.canary.router import Router
from console.canary.writer import ProgressFn, Writer
from console.config import DeploymentConfig
from console.gates import GateReport
from console.model import ClusterState, FleetSnapshot, RouteState, Track

NOTE = "replica-ratio router: the canary gets traffic as its pods become ready"


class ReplicaRouter(Router):
    """Two Deployments behind one Service: the split is the ratio of their ready pods."""

    ready_pods_serve = True
    mirror_refusal = "the replica-ratio router has no route to mirror traffic with"

    def _step(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        gates: GateReport,
        trim: bool,
    ) -> Plan:
        return _plan_step(deployment, state, snapshot, gates)  # it always trims what it grew

    def _revert(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        emergency: bool,
    ) -> Plan:
        return _plan_revert(deployment, state, snapshot, emergency)

    def describe(self, plan: Plan) -> list[str]:
        return _describe(plan)

    def next_percent(self, deployment: DeploymentConfig, weight: float) -> float | None:
        """None: a step goes as far as whole replicas reach (it may skip steps), which only its
        plan can say."""
        return None

    def words(self, route: RouteState) -> str:
        return f"replicas stable/canary {route.stable_weight}/{route.canary_weight}"

    def run_step(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        return _run_step(writer, plan, cancel, progress, changed)

    def run_revert(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        return _run_revert(writer, plan, cancel, progress, changed)

    def run_emergency(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        return _run_revert(writer, plan, cancel, progress, changed)

    def expected_route(self, plan: Plan, changed: Done) -> tuple[int, int, float]:
        mirror = super().expected_route(plan, changed)[2]
        return (*_expected_split(plan, changed), mirror)


def replica_counts(
    deployment: DeploymentConfig, before: Split, rps: float, percent: float
) -> tuple[int, int]:
    """(stable, canary) for ``percent``: the canary's share at most ``percent``, as close as whole
    replicas allow; the canary never fewer than it has, nor than the rules ask for its share."""
    cap, headroom = deployment.replica_capacity_rps, deployment.headroom
    canary = max(
        needed_replicas(rps, percent / 100, cap, headroom),
        deployment.min_canary_replicas,
        1,
        before.canary_replicas,
    )
    everything = needed_replicas(rps, 1.0, cap, headroom)
    if percent >= 100:
        return 0, max(canary, everything)
    stable = max(
        math.ceil(canary * (100 - percent) / percent - 1e-9),
        needed_replicas(rps, 1 - percent / 100, cap, headroom),
        everything - canary,
        1,
    )
    return stable, max(canary, math.floor(stable * percent / (100 - percent) + 1e-9))


Counts = tuple[float, int, int]  # (step percent, stable replicas, canary replicas)


def choose_step(
    deployment: DeploymentConfig, before: Split, rps: float
) -> tuple[Counts | None, list[Counts]]:
    """The first step above the canary's share that whole replicas reach within
    ``router.max_replicas``, and the steps passed over for the cap on the way."""
    current = before.canary_percent
    cap = deployment.router.max_replicas
    over_cap: list[Counts] = []
    for percent in deployment.steps:
        if percent <= current + 1e-9:
            continue
        stable, canary = replica_counts(deployment, before, rps, percent)
        if _share(stable, canary) <= current + 1e-9:  # whole replicas cannot reach it
            continue
        if cap is not None and max(stable, canary) > cap:
            over_cap.append((percent, stable, canary))
            continue
        return (percent, stable, canary), over_cap
    return None, over_cap


def _plan_step(
    deployment: DeploymentConfig, state: ClusterState, snapshot: FleetSnapshot, gates: GateReport
) -> Plan:
    before = split_of(state)
    rps = observed_rps(snapshot)
    cap = deployment.router.max_replicas
    chosen, over_cap = choose_step(deployment, before, rps or 0.0)
    if chosen is None:
        if over_cap:
            return _over_cap(state, rps, gates, over_cap, cap or 0)
        return no_step_left(state, rps, gates)
    percent, stable, canary = chosen
    refusal = step_refusal(rps, gates)
    return Plan(
        "step",
        before,
        Split(stable, canary, stable, canary, before.mirror_percent),
        state.route.resource_version,
        warm_canary_to=canary,
        warm_stable_to=stable,
        trim_stable_to=stable if stable < before.stable_replicas else None,
        observed_rps=rps,
        gates=gates,
        refusal=refusal,
        notes=(
            *_skipped(over_cap, cap or 0),
            *_step_notes(deployment, before, rps or 0.0, percent, stable, canary),
        ),
    )


def _skipped(over_cap: list[Counts], cap: int) -> tuple[str, ...]:
    return tuple(
        f"step {percent:g}% skipped: it needs replicas stable/canary {stable}/{canary}, over "
        f"router.max_replicas = {cap}"
        for percent, stable, canary in over_cap
    )


def _over_cap(
    state: ClusterState,
    rps: float | None,
    gates: GateReport,
    over_cap: list[Counts],
    cap: int,
) -> Plan:
    """Every step left needs more replicas than the cap allows: refused, nothing written."""
    percent, stable, canary = over_cap[0]
    why = (
        f"no step within router.max_replicas = {cap}: the next, {percent:g}%, needs "
        f"replicas stable/canary {stable}/{canary}"
    )
    return refused_step(state, rps, gates, why, _skipped(over_cap, cap))


def _plan_revert(
    deployment: DeploymentConfig, state: ClusterState, snapshot: FleetSnapshot, emergency: bool
) -> Plan:
    before = split_of(state)
    rps = observed_rps(snapshot)
    needed = max(
        needed_replicas(rps or 0.0, 1.0, deployment.replica_capacity_rps, deployment.headroom), 1
    )
    stable = max(needed, before.stable_replicas)
    notes: tuple[str, ...] = ()
    if emergency:
        notes = (
            f"EMERGENCY: canary to 0 replicas at once, stable has {state.stable.ready} ready "
            f"of {needed} needed for {rps or 0:.1f} req/s",
        )
    return Plan(
        "emergency-revert" if emergency else "revert",
        before,
        Split(stable, 0, stable, 0, before.mirror_percent),
        state.route.resource_version,
        warm_stable_to=None if emergency else stable,
        observed_rps=rps,
        refusal="nothing to revert: the canary has no replicas"
        if not before.canary_replicas
        else "",
        notes=notes,
    )


def _describe(plan: Plan) -> list[str]:
    b, a = plan.before, plan.after
    if plan.action == "step" and plan.refusal and plan.after == plan.before:
        return list(plan.notes)  # no step to take (none left, or none within the cap)
    if plan.action == "step":
        stable, canary = a.stable_replicas, a.canary_replicas
        widest = max(stable, b.stable_replicas)
        lines = [NOTE + "; stable grows first, so the canary's share never exceeds the step"]
        if stable:
            lines.append(_stable_line(b.stable_replicas, stable))
        if canary > b.canary_replicas:
            lines.append(
                f"scale canary {b.canary_replicas} → {canary} and wait ready: it gets traffic "
                f"as each pod becomes ready (canary {_pct(b)} → "
                f"{_percent(_share(widest, canary))})"
            )
        else:
            lines.append(f"keep the canary at {canary} and check they are ready")
        if plan.trim_stable_to is not None:
            lines.append(
                f"shrink stable {b.stable_replicas} → {stable} (canary → {_pct(a)}); no wait"
            )
        return [*lines, *plan.notes]
    lines = [f"{NOTE}: it loses traffic as its pods go"]
    if plan.action == "revert":
        lines.append(_stable_line(b.stable_replicas, a.stable_replicas))
    elif a.stable_replicas > b.stable_replicas:
        lines.append(f"scale stable {b.stable_replicas} → {a.stable_replicas}, not waited for")
    lines.append(f"scale canary {b.canary_replicas} → 0 (canary {_pct(b)} → 0%)")
    return [*lines, *plan.notes]


# Running ----------------------------------------------------------------------------------


def _run_step(
    writer: Writer,
    plan: Plan,
    cancel: threading.Event,
    progress: ProgressFn,
    changed: Done,
) -> Outcome:
    b, a = plan.before, plan.after
    writer.warm(Track.STABLE, b.stable_replicas, a.stable_replicas, cancel, progress, changed, True)
    progress(Progress("shift", f"canary → {a.canary_replicas} replicas: traffic as pods get ready"))
    writer.warm(Track.CANARY, b.canary_replicas, a.canary_replicas, cancel, progress, changed, True)
    if plan.trim_stable_to is not None:
        progress(Progress("trim", f"stable → {plan.trim_stable_to} replicas"))
        writer.scale(Track.STABLE, plan.trim_stable_to, expected=b.stable_replicas)
        changed.scaled_to(Track.STABLE, b.stable_replicas, plan.trim_stable_to)
    return Outcome(
        "ok",
        f"canary {_pct(b)} → {_pct(a)} (replicas stable/canary {_pair(b)} → {_pair(a)})",
        plan,
        a,
    )


def _run_revert(
    writer: Writer,
    plan: Plan,
    cancel: threading.Event,
    progress: ProgressFn,
    changed: Done,
) -> Outcome:
    b, a = plan.before, plan.after
    if plan.warm_stable_to is not None:
        writer.warm(
            Track.STABLE, b.stable_replicas, plan.warm_stable_to, cancel, progress, changed, True
        )
    elif a.stable_replicas > b.stable_replicas:  # an emergency: not waited for
        progress(Progress("scale", f"stable → {a.stable_replicas} replicas, not waited for"))
        writer.scale(Track.STABLE, a.stable_replicas)
        changed.scaled_to(Track.STABLE, b.stable_replicas, a.stable_replicas)
    progress(Progress("shift", "canary → 0 replicas: all traffic → stable"))
    emergency = plan.action == "emergency-revert"
    expected = None if emergency else b.canary_replicas  # all to stable is always safe
    writer.scale(Track.CANARY, 0, expected=expected)
    changed.scaled_to(Track.CANARY, b.canary_replicas, 0)
    if emergency:
        return Outcome(
            "ok",
            "EMERGENCY revert: canary scaled to 0 at once, without waiting for stable's "
            f"capacity (replicas stable/canary {_pair(b)} → {_pair(a)})",
            plan,
            a,
        )
    return Outcome(
        "ok",
        f"reverted: canary {_pct(b)} → 0% (replicas stable/canary {_pair(b)} → {_pair(a)})",
        plan,
        a,
    )


def _expected_split(plan: Plan, changed: Done) -> tuple[int, int]:
    """The replica counts the tracks should want now, after what the action has done."""
    stable = changed.scaled.get(Track.STABLE, (0, plan.before.stable_replicas))[1]
    canary = changed.scaled.get(Track.CANARY, (0, plan.before.canary_replicas))[1]
    return stable, canary


def _step_notes(
    deployment: DeploymentConfig,
    before: Split,
    rps: float,
    percent: float,
    stable: int,
    canary: int,
) -> tuple[str, ...]:
    notes = [f"step {percent:g}%: replicas stable/canary {_pair(before)} → {stable}/{canary}"]
    cap, headroom = deployment.replica_capacity_rps, deployment.headroom
    carries = max(needed_replicas(rps, 1.0, cap, headroom) - canary, 1, before.stable_replicas)
    if percent < 100 and stable > carries:
        notes.append(
            f"stable needs only {carries} for the load: the other {stable - carries} hold the "
            f"canary down to {percent:g}% (small steps cost stable replicas with this router)"
        )
    return tuple(notes)


def _stable_line(before: int, stable: int) -> str:
    if stable > before:
        return f"scale stable {before} → {stable} and wait ready"
    return f"check stable has {stable} ready (of {before})"


def _share(stable: int, canary: int) -> float:
    return 0.0 if stable + canary <= 0 else 100.0 * canary / (stable + canary)


def _percent(value: float) -> str:
    return f"{round(value, 1):g}%"


def _pct(split: Split) -> str:
    return _percent(split.canary_percent)


def _pair(split: Split) -> str:
    return f"{split.stable_replicas}/{split.canary_replicas}"
