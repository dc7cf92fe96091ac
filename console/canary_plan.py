"""What a canary action will do, worked out before anything is written: weights, replicas, gates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from console.config import DeploymentConfig
from console.gates import GateReport
from console.model import ClusterState, FleetSnapshot, Track

#: HTTPRoute weights are relative; the console writes them out of this total.
WEIGHT_TOTAL = 100


@dataclass(frozen=True)
class Split:
    """Route weights and replica counts of both tracks at one moment."""

    stable_weight: int
    canary_weight: int
    stable_replicas: int
    canary_replicas: int
    mirror_percent: float | None = None

    @property
    def canary_percent(self) -> float:
        total = self.stable_weight + self.canary_weight
        return 0.0 if total <= 0 else 100.0 * self.canary_weight / total

    def as_record(self) -> dict[str, object]:
        return {
            "weights": {"stable": self.stable_weight, "canary": self.canary_weight},
            "replicas": {"stable": self.stable_replicas, "canary": self.canary_replicas},
            "mirror_percent": self.mirror_percent,
        }


@dataclass(frozen=True)
class Plan:
    """An action's intended change. ``refusal`` says why it must not run (empty: it may)."""

    action: str  # step | revert | emergency-revert | mirror
    before: Split
    after: Split
    resource_version: str
    warm_canary_to: int | None = None  # scale the canary to this and wait before shifting
    warm_stable_to: int | None = None  # revert: scale stable to this and wait before shifting
    trim_stable_to: int | None = None  # step: scale stable down to this after shifting
    observed_rps: float | None = None
    gates: GateReport | None = None
    refusal: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The replica-ratio router: the split is the tracks' replica counts (see canary_replicas).
    by_replicas: bool = False

    def describe(self) -> list[str]:
        """Plain lines saying exactly what will happen, in order."""
        if self.by_replicas and self.action != "mirror":
            from console.canary_replicas import describe

            return describe(self)
        b, a = self.before, self.after
        lines = []
        if self.warm_stable_to is not None:
            lines.append(f"scale stable {b.stable_replicas} → {self.warm_stable_to} and wait ready")
        if self.warm_canary_to is not None:
            if self.warm_canary_to > b.canary_replicas:
                lines.append(
                    f"scale canary {b.canary_replicas} → {self.warm_canary_to} and wait ready"
                )
            else:
                lines.append(
                    f"keep the canary at {_replicas(b.canary_replicas)} "
                    f"({self.warm_canary_to} needed) and check they are ready"
                )
        if self.action == "mirror":
            lines.append(f"mirror {_pct(b.mirror_percent)} → {_pct(a.mirror_percent)} to canary")
        elif (b.stable_weight, b.canary_weight) != (a.stable_weight, a.canary_weight):
            lines.append(
                f"weights stable/canary {b.stable_weight}/{b.canary_weight} → "
                f"{a.stable_weight}/{a.canary_weight} (canary {b.canary_percent:g}% → "
                f"{a.canary_percent:g}%)"
            )
        if self.trim_stable_to is not None:
            lines.append(f"trim stable {b.stable_replicas} → {self.trim_stable_to}")
        if self.action == "revert" and a.canary_replicas != b.canary_replicas:
            lines.append(f"scale canary {b.canary_replicas} → {a.canary_replicas}")
        lines.extend(self.notes)
        return lines


def needed_replicas(rps: float, share: float, capacity: float, headroom: float) -> int:
    """Replicas to serve ``share`` (0..1) of ``rps`` at ``capacity`` req/s each, with headroom."""
    if share <= 0 or rps <= 0:
        return 0
    return math.ceil(rps * share / capacity * (1 + headroom) - 1e-9)


def split_of(state: ClusterState) -> Split:
    return Split(
        stable_weight=state.route.stable_weight,
        canary_weight=state.route.canary_weight,
        stable_replicas=state.stable.desired,
        canary_replicas=state.canary.desired,
        mirror_percent=state.route.mirror_percent,
    )


def observed_rps(snapshot: FleetSnapshot) -> float | None:
    values = [snapshot.tracks[t].requests_per_s for t in (Track.STABLE, Track.CANARY)]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def weights_for(percent: float) -> tuple[int, int]:
    canary = round(WEIGHT_TOTAL * percent / 100)
    return WEIGHT_TOTAL - canary, canary


def step_refusal(rps: float | None, gates: GateReport) -> str:
    """Why a step must not run on what was observed (empty: it may)."""
    if rps is None:
        return "no observed request rate: cannot size the canary's replicas"
    if not gates.passed:
        return f"gates: {gates.reason}"
    return ""


def no_step_left(
    state: ClusterState, rps: float | None, gates: GateReport, by_replicas: bool = False
) -> Plan:
    """A step refused because the canary has reached the last step already."""
    why = f"the canary already has {split_of(state).canary_percent:g}%: no step left"
    return refused_step(state, rps, gates, why, by_replicas=by_replicas)


def refused_step(
    state: ClusterState,
    rps: float | None,
    gates: GateReport,
    refusal: str,
    notes: tuple[str, ...] = (),
    by_replicas: bool = False,
) -> Plan:
    """A step with no step to take: the split stays as it is, and ``refusal`` says why."""
    before = split_of(state)
    return Plan(
        "step",
        before,
        before,
        state.route.resource_version,
        observed_rps=rps,
        gates=gates,
        refusal=refusal,
        notes=notes,
        by_replicas=by_replicas,
    )


def plan_step(
    deployment: DeploymentConfig,
    state: ClusterState,
    snapshot: FleetSnapshot,
    gates: GateReport,
    trim: bool = False,
) -> Plan:
    if state.route.kind == "replicas":
        from console.canary_replicas import plan_step as by_replicas

        return by_replicas(deployment, state, snapshot, gates)
    before = split_of(state)
    current = before.canary_percent
    nxt = next((s for s in deployment.steps if s > current + 1e-9), None)
    rps = observed_rps(snapshot)
    if nxt is None:
        return no_step_left(state, rps, gates)
    stable_w, canary_w = weights_for(nxt)
    canary_needed = max(
        needed_replicas(
            rps or 0.0, nxt / 100, deployment.replica_capacity_rps, deployment.headroom
        ),
        deployment.min_canary_replicas,
        1,
    )
    warm_to = max(canary_needed, before.canary_replicas)
    trim_to = None
    if trim:
        stable_needed = max(
            needed_replicas(
                rps or 0.0, 1 - nxt / 100, deployment.replica_capacity_rps, deployment.headroom
            ),
            1,
        )
        if stable_needed < before.stable_replicas:
            trim_to = stable_needed
    after = Split(
        stable_w, canary_w, trim_to or before.stable_replicas, warm_to, before.mirror_percent
    )
    refusal = step_refusal(rps, gates)
    return Plan(
        "step",
        before,
        after,
        state.route.resource_version,
        warm_canary_to=warm_to,
        trim_stable_to=trim_to,
        observed_rps=rps,
        gates=gates,
        refusal=refusal,
    )


def plan_revert(
    deployment: DeploymentConfig, state: ClusterState, snapshot: FleetSnapshot, emergency: bool
) -> Plan:
    if state.route.kind == "replicas":
        from console.canary_replicas import plan_revert as by_replicas

        return by_replicas(deployment, state, snapshot, emergency)
    before = split_of(state)
    rps = observed_rps(snapshot)
    stable_needed = max(
        needed_replicas(rps or 0.0, 1.0, deployment.replica_capacity_rps, deployment.headroom), 1
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
        before.mirror_percent,
    )
    notes: tuple[str, ...] = ()
    if emergency:
        notes = (
            f"EMERGENCY: all traffic to stable at once, stable has {state.stable.ready} ready "
            f"of {stable_needed} needed for {rps or 0:.1f} req/s; canary replicas kept",
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


def plan_mirror(state: ClusterState, percent: float) -> Plan:
    before = split_of(state)
    after = Split(
        before.stable_weight,
        before.canary_weight,
        before.stable_replicas,
        before.canary_replicas,
        percent,
    )
    refusal = "" if 0 <= percent <= 100 else f"mirror percentage {percent:g} is not in 0..100"
    return Plan("mirror", before, after, state.route.resource_version, refusal=refusal)


def _replicas(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"


def _pct(value: float | None) -> str:
    return f"{value or 0:g}%"
