"""The canary state machine: intent → router → Event → outcome.

The router (weights or replica ratio) is chosen once, from the deployment's route kind; it plans,
words and carries out each action. Every action writes an audit *intent* before it touches the
cluster and an *outcome* after; every write carries the resourceVersion that was read, so someone
else's change stops it."""

from __future__ import annotations

import threading
from dataclasses import replace

from console.audit import AuditError, AuditLog
from console.canary.plan import Action, Plan, Split
from console.canary.records import Done, Outcome, Progress, RecordPhase, audit_record, done_words
from console.canary.routers import router_for
from console.canary.writer import ProgressFn, Writer
from console.clock import Clock
from console.config import DeploymentConfig
from console.errors import Cancelled, ConflictError, ConsoleError, WarmTimeout
from console.gates import evaluate
from console.model import FleetSnapshot
from console.outside import inert
from console.sources.base import Cluster, MetricsSource


class ReadOnlyError(ConsoleError):
    """Refused: the console runs read-only."""


class CanaryController:
    """Plans and runs canary actions for one deployment."""

    def __init__(
        self,
        cluster: Cluster,
        metrics: MetricsSource,
        deployment: DeploymentConfig,
        audit: AuditLog,
        clock: Clock,
        *,
        read_only: bool = False,
        trim_stable: bool = False,
        capacity_source: str = "",
    ) -> None:
        self.cluster = cluster
        self.metrics = metrics
        self.deployment = deployment
        self.spec = deployment.spec()
        self.audit = audit
        self.clock = clock
        self.read_only = read_only
        self.trim_stable = trim_stable
        #: Where ``replica_capacity_rps`` came from when a capacity probe measured it.
        self.capacity_source = capacity_source
        self.router = router_for(deployment.router.kind)
        self.writer = Writer(cluster, deployment, self.spec, self.router.words)

    # Planning (reads only) ------------------------------------------------------------------

    def judged(self) -> FleetSnapshot:
        return self.metrics.snapshot(self.spec, self.deployment.gates.window)

    def plan(self, action: Action, percent: float | None = None) -> tuple[Plan, FleetSnapshot]:
        state = self.cluster.read(self.spec)
        snapshot = self.judged()
        router = self.router
        if action == "step":
            canary_percent = state.route.canary_percent
            gates = evaluate(snapshot, self.deployment.gates, canary_percent)
            plan = router.plan_step(self.deployment, state, snapshot, gates, self.trim_stable)
        elif action in ("revert", "emergency-revert"):
            emergency = action == "emergency-revert"
            plan = router.plan_revert(self.deployment, state, snapshot, emergency)
        elif action == "mirror":
            chosen = percent if percent is not None else 0.0
            plan = router.plan_mirror(self.deployment, state, snapshot, chosen)
        elif action == "finish":
            plan = router.plan_finish(self.deployment, state, snapshot)
        else:
            raise ValueError(f"unknown action {action!r}")
        if state.route.cannot_act and not plan.refusal:
            # The router cannot act on this route (e.g. KServe in Standard mode): say so now,
            # before anything is warmed or written.
            plan = replace(plan, refusal=state.route.cannot_act)
        if action == "mirror" and not plan.refusal and percent and not self.read_only:
            why = self._mirror_refusal(percent)
            if why:  # e.g. an HTTPRoute schema before Gateway API v1.3: no warm-up for nothing
                plan = replace(plan, refusal=why)
        if action in ("step", "mirror") and plan.warm_canary_to is not None:
            plan = self._with_capacity(plan)  # also when refused: what it would have warmed
        return plan, snapshot

    def _mirror_refusal(self, percent: float) -> str | None:
        """Why the cluster's route cannot hold this mirror, asked before anything is written
        (a server-side dry run); clusters that cannot tell in advance say nothing."""
        ask = getattr(self.cluster, "mirror_refusal", None)
        if ask is None:
            return None
        try:
            why: str | None = ask(self.spec, percent)
        except ConsoleError:
            return None  # advisory: the write itself is read back and refused when not stored
        return why

    def _with_capacity(self, plan: Plan) -> Plan:
        """The per-replica capacity the replica counts were sized with, and where it came from
        (a probe's measurement and its age, or the configuration)."""
        source = self.capacity_source or "configured replica_capacity_rps"
        note = f"sized at {self.deployment.replica_capacity_rps:g} req/s per replica ({source})"
        return replace(plan, notes=(*plan.notes, note), lines=(*plan.lines, note))

    # Running --------------------------------------------------------------------------------

    def run(
        self,
        plan: Plan,
        snapshot: FleetSnapshot,
        cancel: threading.Event,
        progress: ProgressFn = lambda p: None,
    ) -> Outcome:
        """Carry out ``plan``, audited. Never raises for cluster errors: they become outcomes.

        Raises ReadOnlyError, or AuditError when the intent cannot be recorded (nothing is
        changed then)."""
        if self.read_only:
            raise ReadOnlyError("read-only mode: nothing that changes the cluster can run")
        self._record(plan, snapshot, "intent", None, "; ".join(plan.describe()))
        if plan.refusal:
            result = Outcome("refused", plan.refusal, plan, plan.before)
        else:
            result = self._carry_out(plan, self.writer.for_action(cancel), cancel, progress)
        # The Event goes first so that the outcome record can say when it could not be left.
        reason = f"Canary{plan.action.title().replace('-', '')}"
        try:
            unrecorded = self.cluster.record_event(
                self.spec,
                reason,
                inert(f"{result.outcome}: {result.message}"),
                warning=not result.ok,
            )
        except ConsoleError as err:
            unrecorded = str(err)
        if unrecorded:
            result = replace(result, message=f"{result.message} (no cluster event: {unrecorded})")
        try:
            self._record(plan, snapshot, "outcome", result, result.message)
        except AuditError as err:
            result = replace(
                result,
                message=f"{result.message} (the outcome was not audited: {err})",
                audited=False,
            )
        progress(Progress("done", result.message))
        return result

    def _carry_out(
        self, plan: Plan, writer: Writer, cancel: threading.Event, progress: ProgressFn
    ) -> Outcome:
        changed = Done()
        try:
            return self.router.run(writer, plan, cancel, progress, changed)
        except Cancelled as err:
            # The operator (or a signal) said stop: nothing more was written after this point.
            actual, _ = writer.reread()
            return Outcome("cancelled", f"{err}" + done_words(changed), plan, actual)
        except ConflictError as err:
            actual, now = writer.reread()
            return Outcome(
                "partial" if changed else "failed",
                f"stopped: {err}; now {now}" + done_words(changed),
                plan,
                actual,
            )
        except WarmTimeout as err:
            return self.router.scale_back(writer, plan, err, changed)
        except ConsoleError as err:
            actual, now = writer.reread()
            expected = self.router.expected_route(plan, changed)
            if actual is not None and _route(actual) != expected:
                # A write that failed on the way back (a dropped answer) may still have been
                # done: say what the route reads, never "nothing was changed".
                changed.append(f"the route now reads {now}")
            return Outcome(
                "partial" if changed else "failed", f"{err}" + done_words(changed), plan, actual
            )

    def _record(
        self,
        plan: Plan,
        snapshot: FleetSnapshot,
        phase: RecordPhase,
        result: Outcome | None,
        message: str,
    ) -> None:
        self.audit.append(
            audit_record(
                self.deployment.name,
                self.cluster.identity(),
                plan,
                snapshot,
                phase,
                message,
                outcome=result.outcome if result else None,
                after=result.after if result else None,
                error=None if result is None or result.ok else result.message,
            )
        )


def _route(split: Split) -> tuple[int, int, float]:
    return split.stable_weight, split.canary_weight, split.mirror_percent or 0.0
