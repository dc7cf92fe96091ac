"""The router strategy: one object per way of moving traffic between the tracks, chosen once per
deployment from its route kind (``router_for``). The controller runs intent → router → Event →
outcome and never asks which router it has; each router plans its actions, words them, carries
them out through a ``Writer`` and knows what the cluster should read after a failure."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import replace

from console.canary.plan import (
    Plan,
    needed_replicas,
    observed_rps,
    plan_finish,
    plan_mirror,
)
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
    #: Why this router cannot mirror traffic (empty: it can).
    mirror_refusal: str = ""

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

    def plan_mirror(
        self,
        deployment: DeploymentConfig,
        state: ClusterState,
        snapshot: FleetSnapshot,
        percent: float,
    ) -> Plan:
        """Mirrored copies are load on the canary: when its replicas cannot take them beside
        its live share, the plan warms it first (and waits until ready)."""
        plan = plan_mirror(state, percent)
        if self.mirror_refusal and not plan.refusal:
            plan = replace(plan, refusal=self.mirror_refusal)
        b = plan.before
        rps = observed_rps(snapshot)
        if not plan.refusal and rps is not None and percent > (b.mirror_percent or 0):
            live = rps / (1 + (b.mirror_percent or 0) / 100)  # mirrored copies are not live
            load = live * (b.canary_percent + percent) / 100
            needed = needed_replicas(
                load, 1.0, deployment.replica_capacity_rps, deployment.headroom
            )
            note = (
                f"the canary takes {live * percent / 100:.1f} req/s mirrored beside "
                f"{live * b.canary_percent / 100:.1f} req/s live: {needed} replica(s) at "
                f"{deployment.replica_capacity_rps:g} req/s each with "
                f"{deployment.headroom:.0%} headroom"
            )
            if needed > b.canary_replicas:
                after = replace(plan.after, canary_replicas=needed)
                plan = replace(plan, after=after, warm_canary_to=needed, notes=(note,))
            else:
                plan = replace(plan, notes=(note,))
        plan = replace(plan, observed_rps=rps)
        warm = []
        if plan.warm_canary_to is not None:
            warm = [f"scale canary {b.canary_replicas} → {plan.warm_canary_to} and wait ready"]
        return replace(plan, lines=(*warm, *mirror_lines(plan), *plan.notes))

    def plan_finish(
        self, deployment: DeploymentConfig, state: ClusterState, snapshot: FleetSnapshot
    ) -> Plan:
        plan = plan_finish(deployment, state, snapshot)
        return replace(plan, lines=tuple(finish_lines(plan)))

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
        if plan.action == "finish":
            return self.run_finish(writer, plan, progress, changed)
        return self.run_mirror(writer, plan, cancel, progress, changed)

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

    def run_mirror(
        self,
        writer: Writer,
        plan: Plan,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
    ) -> Outcome:
        b = plan.before
        if plan.warm_canary_to is not None:
            writer.warm(
                Track.CANARY, b.canary_replicas, plan.warm_canary_to, cancel, progress, changed
            )
        percent = plan.after.mirror_percent or 0.0
        progress(Progress("shift", f"mirror → {percent:g}%"))
        version = plan.resource_version
        if changed:  # the warm-up may have moved the route's version on (an HPA, a reconcile)
            version = writer.cluster.read(writer.spec).route.resource_version
        writer.set_mirror(percent, version)
        return Outcome("ok", f"mirroring {percent:g}% of traffic to the canary", plan, plan.after)

    def run_finish(
        self, writer: Writer, plan: Plan, progress: ProgressFn, changed: Done
    ) -> Outcome:
        b, a = plan.before, plan.after
        if a.stable_replicas < b.stable_replicas:
            progress(Progress("scale", f"stable → {a.stable_replicas} replicas"))
            expected = b.stable_replicas if self.ready_pods_serve else None
            writer.scale(Track.STABLE, a.stable_replicas, expected=expected)
            changed.scaled_to(Track.STABLE, b.stable_replicas, a.stable_replicas)
        kept = f", {replicas_word(a.stable_replicas)} kept warm" if a.stable_replicas else ""
        return Outcome(
            "ok",
            f"release complete: canary at 100%, stable {b.stable_replicas} → "
            f"{a.stable_replicas}{kept}",
            plan,
            a,
        )

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


def finish_lines(plan: Plan) -> list[str]:
    b, a = plan.before, plan.after
    lines = []
    if a.stable_replicas < b.stable_replicas:
        lines.append(
            f"scale stable (the old version: no traffic at 100%) {b.stable_replicas} → "
            f"{a.stable_replicas}"
        )
    else:
        lines.append(f"stable has {replicas_word(b.stable_replicas)}: nothing to scale")
    if a.stable_replicas:
        lines.append(
            f"keep {replicas_word(a.stable_replicas)} of stable warm for a quick rollback "
            "(finish_keep_stable)"
        )
    lines.append("record the release as complete (audit trail and a cluster Event)")
    return lines


def mirror_lines(plan: Plan) -> list[str]:
    b, a = plan.before, plan.after
    return [f"mirror {_pct(b.mirror_percent)} → {_pct(a.mirror_percent)} to canary"]


def _pct(value: float | None) -> str:
    return f"{value or 0:g}%"
