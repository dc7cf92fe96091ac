"""The router strategy: one object per way of moving traffic between the tracks, chosen once per
deployment from its route kind (``router_for``). The controller runs intent → router → Event →
outcome and never asks which router it has; each router plans its actions, words them, carries
them out through a ``Writer`` and knows what the cluster should read after a failure."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import replace

from console.canary.plan import Plan, plan_mirror
from console.canary.records import Done, Outcome, Progress, Result, done_words, replicas_word
from console.canary.writer import ProgressFn, Writer
from console.config import DeploymentConfig
from console.errors import ConsoleError, WarmTimeout
from console.gates import GateReport
from console.model import ClusterState, FleetSnapshot, RouteState, Track


class Router(ABC):
    """How one kind of router plans, words and carries out canary actions."""

    #: A ready canary pod takes traffic at once (the split is the ratio of ready pods), and each
    #: /scale write checks the count it read (standing in for the route's resourceVersion).
    ready_pods_serve: bool = False

    # Planning (reads only) ------------------------------------------------------------------

    def plan_step(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        gates: GateReport,
        trim: bool,
    ) -> Plan:
        return self._worded(self._step(deployment, state, snapshot, gates, trim))

    def plan_revert(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        emergency: bool,
    ) -> Plan:
        return self._worded(self._revert(deployment, state, snapshot, emergency))

    def plan_mirror(self, state: ClusterState, percent: float) -> Plan:
        plan = plan_mirror(state, percent)
        return replace(plan, lines=(*mirror_lines(plan), *plan.notes))

    def _worded(self, plan: Plan) -> Plan:
        return replace(plan, lines=tuple(self.describe(plan)))

    @abstractmethod
    def _step(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        gates: GateReport,
        trim: bool,
    ) -> Plan: ...

    @abstractmethod
    def _revert(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        emergency: bool,
    ) -> Plan: ...

    @abstractmethod
    def describe(self, plan: Plan) -> list[str]:
        """Plain lines saying exactly what ``plan`` will do, in order."""

    def next_percent(self, deployment: DeploymentConfig, weight: float) -> float | None:
        """The configured step above ``weight`` (None: only a plan can say)."""
        return next((s for s in deployment.steps if s > weight + 1e-9), None)

    @abstractmethod
    def words(self, route: RouteState) -> str:
        """The split as read from the cluster, in words."""

    # Running --------------------------------------------------------------------------------

    def run(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        """Carry out ``plan``. Cluster errors propagate; ``changed`` says what was done."""
        if plan.action == "step":
            return self.run_step(writer, plan, cancel, progress, changed)
        if plan.action == "revert":
            return self.run_revert(writer, plan, cancel, progress, changed)
        if plan.action == "emergency-revert":
            return self.run_emergency(writer, plan, cancel, progress, changed)
        return self.run_mirror(writer, plan, progress)

    @abstractmethod
    def run_step(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome: ...

    @abstractmethod
    def run_revert(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome: ...

    @abstractmethod
    def run_emergency(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        """All traffic to stable at once, without waiting for stable's capacity."""

    def run_mirror(self, writer: Writer, plan: Plan, progress: ProgressFn) -> Outcome:
        percent = plan.after.mirror_percent or 0.0
        progress(Progress("shift", f"mirror → {percent:g}%"))
        writer.set_mirror(percent, plan.resource_version)
        return Outcome("ok", f"mirroring {percent:g}% of traffic to the canary", plan, plan.after)

    def expected_route(self, plan: Plan, changed: Done) -> tuple[int, int, float]:
        """What the route should read after what the action has done (stable, canary, mirror)."""
        split = plan.after if changed.route_written else plan.before
        return split.stable_weight, split.canary_weight, split.mirror_percent or 0.0

    def scale_back(self, writer: Writer, plan: Plan, err: WarmTimeout, changed: Done) -> Outcome:
        """The replicas were not ready in time, so traffic was not shifted. Replicas a step added
        for the shift are not needed without it: each track it scaled goes back to what it had,
        the canary first."""
        message = str(err)
        if self.ready_pods_serve and Track.CANARY in changed.scaled:
            message = message.removesuffix("; traffic was not shifted")
            message += "; the canary's ready pods served their share until it was scaled back"
        for track in (Track.CANARY, Track.STABLE) if plan.action == "step" else ():
            if track not in changed.scaled:
                continue
            before, now = changed.scaled[track]
            try:
                expected = now if self.ready_pods_serve else None
                writer.scale(track, before, expected=expected)
            except ConsoleError as undo:
                message += f"; scaling the {track.value} back to {before} failed: {undo}"
                break
            changed.remove(f"{track.value} scaled to {now}")
            message += f"; {track.value} scaled back to {replicas_word(before)}"
        actual, _ = writer.reread()
        outcome: Result = "partial" if changed else "refused"
        return Outcome(outcome, message + (done_words(changed) if changed else ""), plan, actual)


def mirror_lines(plan: Plan) -> list[str]:
    b, a = plan.before, plan.after
    return [f"mirror {_pct(b.mirror_percent)} → {_pct(a.mirror_percent)} to canary"]


def _pct(value: float | None) -> str:
    return f"{value or 0:g}%"
