"""What a canary action will do, worked out before anything is written: the plan data and the
arithmetic every router shares (replicas for a share of the load, the split as read)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from console.config import DeploymentConfig
from console.gates import GateReport
from console.model import ClusterState, FleetSnapshot, Track

#: HTTPRoute weights are relative; the console writes them out of this total.
WEIGHT_TOTAL = 100

#: The smallest mirror the routes can hold (a fraction out of 10,000): anything smaller is 0.
MIN_MIRROR_PERCENT = 0.01

Action = Literal["step", "revert", "emergency-revert", "mirror", "finish"]


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

    action: Action
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
    #: What will happen, in order, in words: filled in by the router that made the plan.
    lines: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> list[str]:
        """Plain lines saying exactly what will happen, in order (the router's words)."""
        return list(self.lines)


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


def no_step_left(state: ClusterState, rps: float | None, gates: GateReport) -> Plan:
    """A step refused because the canary has reached the last step already."""
    why = f"the canary already has {split_of(state).canary_percent:g}%: no step left"
    return refused_step(state, rps, gates, why)


def refused_step(
    state: ClusterState,
    rps: float | None,
    gates: GateReport,
    refusal: str,
    notes: tuple[str, ...] = (),
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
    )


def plan_finish(deployment: DeploymentConfig, state: ClusterState, snapshot: FleetSnapshot) -> Plan:
    """The end of a release: the canary carries everything, so the old stable is scaled down
    (to ``finish_keep_stable``, kept warm for a quick rollback) and the release is recorded as
    complete. Refused before 100 % or while the canary is over its rated capacity for the load
    it already carries (headroom is a step's margin, not a finish's: the load does not move)."""
    before = split_of(state)
    rps = observed_rps(snapshot)
    keep = min(deployment.finish_keep_stable, before.stable_replicas)
    after = Split(before.stable_weight, before.canary_weight, keep, before.canary_replicas, None)
    needed = max(needed_replicas(rps or 0.0, 1.0, deployment.replica_capacity_rps, 0.0), 1)
    refusal = ""
    if before.canary_percent < 100 - 1e-9:
        refusal = f"the canary has {before.canary_percent:g}%: a release finishes at 100%"
    elif state.canary.ready < needed:
        refusal = (
            f"the canary has {state.canary.ready} ready of {needed} needed to carry "
            f"{rps or 0:.1f} req/s alone"
        )
    elif before.mirror_percent:
        refusal = f"mirroring {before.mirror_percent:g}% is on: turn it off (m, 0) first"
    return Plan(
        "finish", before, after, state.route.resource_version, observed_rps=rps, refusal=refusal
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
    refusal = ""
    if not 0 <= percent <= 100:
        refusal = f"mirror percentage {percent:g} is not in 0..100"
    elif 0 < percent < MIN_MIRROR_PERCENT:
        refusal = f"mirror percentage {percent:g} is below {MIN_MIRROR_PERCENT:g}%: use 0 for none"
    return Plan("mirror", before, after, state.route.resource_version, refusal=refusal)
