"""The canary state machine: gates → warm → shift → trim, and revert in the reverse order.

Every action writes an audit *intent* before it touches the cluster and an *outcome* after;
every write carries the resourceVersion that was read, so someone else's change stops it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from console.audit import AuditError, AuditLog
from console.canary_plan import Plan, Split, plan_mirror, plan_revert, plan_step, split_of
from console.canary_record import Done, audit_record, done_words, split_words
from console.canary_record import Outcome as Outcome
from console.canary_record import Progress as Progress
from console.canary_undo import scale_back
from console.clock import Clock
from console.config import DeploymentConfig
from console.errors import ConflictError, ConsoleError, WarmTimeout
from console.gates import evaluate
from console.model import DeploymentStatus, FleetSnapshot, Track
from console.sources.base import Cluster, MetricsSource

ProgressFn = Callable[[Progress], None]


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
    ) -> None:
        self.cluster = cluster
        self.metrics = metrics
        self.deployment = deployment
        self.spec = deployment.spec()
        self.audit = audit
        self.clock = clock
        self.read_only = read_only
        self.trim_stable = trim_stable

    # Planning (reads only) ------------------------------------------------------------------

    def judged(self) -> FleetSnapshot:
        return self.metrics.snapshot(self.spec, self.deployment.gates.window)

    def plan(self, action: str, percent: float | None = None) -> tuple[Plan, FleetSnapshot]:
        state = self.cluster.read(self.spec)
        snapshot = self.judged()
        if action == "step":
            gates = evaluate(snapshot, self.deployment.gates, split_of(state).canary_percent)
            return plan_step(self.deployment, state, snapshot, gates, self.trim_stable), snapshot
        if action in ("revert", "emergency-revert"):
            emergency = action == "emergency-revert"
            return plan_revert(self.deployment, state, snapshot, emergency), snapshot
        if action == "mirror":
            return plan_mirror(state, percent if percent is not None else 0.0), snapshot
        raise ValueError(f"unknown action {action!r}")

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
            result = self._carry_out(plan, cancel, progress)
        # The Event goes first so that the outcome record can say when it could not be left.
        reason = f"Canary{plan.action.title().replace('-', '')}"
        try:
            unrecorded = self.cluster.record_event(
                self.spec, reason, f"{result.outcome}: {result.message}", warning=not result.ok
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
                audit_error=str(err),
            )
        progress(Progress("done", result.message))
        return result

    def _carry_out(self, plan: Plan, cancel: threading.Event, progress: ProgressFn) -> Outcome:
        from console import canary_replicas as replicas

        changed = Done()
        try:
            if plan.by_replicas and plan.action == "step":
                return replicas.run_step(self, plan, cancel, progress, changed)
            if plan.by_replicas and plan.action in ("revert", "emergency-revert"):
                return replicas.run_revert(self, plan, cancel, progress, changed)
            if plan.action == "step":
                return self._step(plan, cancel, progress, changed)
            if plan.action == "revert":
                return self._revert(plan, cancel, progress, changed)
            if plan.action == "emergency-revert":
                return self._emergency(plan, progress, changed)
            return self._mirror(plan, progress, changed)
        except ConflictError as err:
            actual, now = self.reread()
            return Outcome(
                "partial" if changed else "failed",
                f"stopped: {err}; now {now}" + done_words(changed),
                plan,
                actual,
            )
        except WarmTimeout as err:
            return scale_back(self, plan, err, changed)
        except ConsoleError as err:
            actual, now = self.reread()
            expected = _route(plan.after if changed.route_written else plan.before)
            if plan.by_replicas:
                expected = (*replicas.expected_split(plan, changed), expected[2])
            if actual is not None and _route(actual) != expected:
                # A write that failed on the way back (a dropped answer) may still have been
                # done: say what the route reads, never "nothing was changed".
                changed.append(f"the route now reads {now}")
            return Outcome(
                "partial" if changed else "failed", f"{err}" + done_words(changed), plan, actual
            )

    def _step(
        self, plan: Plan, cancel: threading.Event, progress: ProgressFn, changed: Done
    ) -> Outcome:
        assert plan.warm_canary_to is not None
        self.warm(
            Track.CANARY,
            plan.before.canary_replicas,
            plan.warm_canary_to,
            cancel,
            progress,
            changed,
        )
        progress(
            Progress("shift", f"weights → {plan.after.stable_weight}/{plan.after.canary_weight}")
        )
        self.cluster.set_weights(
            self.spec, plan.after.stable_weight, plan.after.canary_weight, plan.resource_version
        )
        changed.route_written = True
        changed.append(f"canary at {plan.after.canary_percent:g}%")
        if plan.trim_stable_to is not None:
            progress(Progress("trim", f"stable → {plan.trim_stable_to} replicas"))
            self.cluster.scale(self.spec, Track.STABLE, plan.trim_stable_to)
            changed.append(f"stable trimmed to {plan.trim_stable_to}")
        return Outcome(
            "ok",
            f"canary {plan.before.canary_percent:g}% → {plan.after.canary_percent:g}%",
            plan,
            plan.after,
        )

    def _revert(
        self, plan: Plan, cancel: threading.Event, progress: ProgressFn, changed: Done
    ) -> Outcome:
        if plan.warm_stable_to is not None:
            self.warm(
                Track.STABLE,
                plan.before.stable_replicas,
                plan.warm_stable_to,
                cancel,
                progress,
                changed,
            )
        progress(Progress("shift", "all traffic → stable"))
        self.cluster.set_weights(self.spec, plan.after.stable_weight, 0, plan.resource_version)
        changed.route_written = True
        changed.append("all traffic on stable")
        if plan.after.canary_replicas != plan.before.canary_replicas:
            progress(Progress("scale", f"canary → {plan.after.canary_replicas} replicas"))
            self.cluster.scale(self.spec, Track.CANARY, plan.after.canary_replicas)
        return Outcome(
            "ok", f"reverted: canary {plan.before.canary_percent:g}% → 0%", plan, plan.after
        )

    def _emergency(self, plan: Plan, progress: ProgressFn, changed: Done) -> Outcome:
        """All traffic to stable is always a safe target: a route changed since planning (409)
        is read once more and written again with its fresh version, and the outcome says so.
        The weights are the plan's (stable > 0, canary 0): never all zero."""
        progress(Progress("shift", "EMERGENCY: all traffic → stable at once"))
        retried = ""
        try:
            self.cluster.set_weights(self.spec, plan.after.stable_weight, 0, plan.resource_version)
        except ConflictError:
            route = self.cluster.read(self.spec).route
            seen = split_words(route)
            retried = (
                "; retried over a concurrent change: the planned write met HTTP 409 Conflict "
                f"and the route read {seen}"
            )
            progress(Progress("shift", f"EMERGENCY: the route changed ({seen}); writing again"))
            self.cluster.set_weights(self.spec, plan.after.stable_weight, 0, route.resource_version)
        changed.route_written = True
        changed.append("all traffic on stable")
        return Outcome(
            "ok",
            "EMERGENCY revert: all traffic shifted to stable at once, without "
            "waiting for stable's capacity" + retried,
            plan,
            plan.after,
        )

    def _mirror(self, plan: Plan, progress: ProgressFn, changed: Done) -> Outcome:
        percent = plan.after.mirror_percent or 0.0
        progress(Progress("shift", f"mirror → {percent:g}%"))
        self.cluster.set_mirror(self.spec, percent, plan.resource_version)
        return Outcome("ok", f"mirroring {percent:g}% of traffic to the canary", plan, plan.after)

    def warm(
        self,
        track: Track,
        current: int,
        wanted: int,
        cancel: threading.Event,
        progress: ProgressFn,
        changed: Done,
        check: bool = False,
    ) -> DeploymentStatus:
        """Scale ``track`` up to ``wanted`` (if it has fewer) and wait until that many are
        ready. With ``check``, the scale is written only while the track still wants
        ``current`` (how the replica-ratio router notices someone else's change)."""
        if wanted > current:
            progress(Progress("warm", f"scaling {track.value} {current} → {wanted}", 0, wanted))
            self.cluster.scale(self.spec, track, wanted, expected=current if check else None)
            changed.scaled_to(track, current, wanted)

        def report(status: DeploymentStatus) -> None:
            progress(
                Progress("warm", f"warming {status.ready}/{wanted} ready", status.ready, wanted)
            )

        return self.cluster.wait_ready(
            self.spec, track, wanted, self.deployment.warm_timeout, cancel, report
        )

    def reread(self) -> tuple[Split | None, str]:
        """The cluster as it is now, after a failure (and how to say it)."""
        try:
            state = self.cluster.read(self.spec)
        except ConsoleError as err:
            return None, f"(re-read failed: {err})"
        return split_of(state), split_words(state.route)

    def _record(
        self, plan: Plan, snapshot: FleetSnapshot, phase: str, result: Outcome | None, message: str
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
