"""A cluster in memory for carrying canary actions out in-process, without a clock or a thread:
two Deployments (desired and ready counts), a route (weights, mirror, resourceVersion) and a log
of everything written, in order. New pods get ready when the action waits for them (unless a
track is told never to), so each run takes milliseconds; what the pods serve is replayed from
the log (``shares``). Someone else's change or a failing call is injected before the n-th call
of a method (``before``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.audit import AuditLog
from console.canary import CanaryController, Outcome, Plan, Progress
from console.clock import ManualClock
from console.config import DeploymentConfig, RouterConfig
from console.errors import Cancelled, ConflictError, SourceError, WarmTimeout
from console.gates import GateReport, GateResult, GateStatus
from console.model import (
    ClusterState,
    DeploymentSpec,
    DeploymentStatus,
    FleetSnapshot,
    RouteState,
    Track,
    TrackValues,
)

PASSING = GateReport((GateResult("sample", GateStatus.PASS, 1.0, 1.0, "enough"),))
NAMES = {Track.STABLE: "llama-v1", Track.CANARY: "llama-v2"}


def deployment(kind: str = "httproute", **changes: Any) -> DeploymentConfig:
    """1 req/s a replica and no headroom, so the counts in a test are easy to work out."""
    fields: dict[str, Any] = {
        "name": "llama",
        "namespace": "inference",
        "stable": NAMES[Track.STABLE],
        "canary": NAMES[Track.CANARY],
        "router": RouterConfig(kind=kind),  # type: ignore[arg-type]
        "replica_capacity_rps": 1.0,
        "headroom": 0.0,
    }
    return DeploymentConfig(**(fields | changes))


def snapshot(stable_rps: float | None, canary_rps: float | None = 0.0) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="llama",
        source="test",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=300.0,
        tracks={
            Track.STABLE: TrackValues(requests_per_s=stable_rps),
            Track.CANARY: TrackValues(requests_per_s=canary_rps),
        },
    )


class FixedMetrics:
    """A metrics source that always reads the same snapshot."""

    name = "fixed"

    def __init__(self, snap: FleetSnapshot) -> None:
        self.snap = snap

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        return self.snap

    def close(self) -> None:
        return None


@dataclass
class FakeCluster:
    """The cluster an action writes to. With ``kind = "replicas"`` the route is the ratio of the
    counts each track wants and writing weights or a mirror is refused (as the Kubernetes
    backend does)."""

    kind: str = "httproute"
    desired: dict[Track, int] = field(default_factory=dict)
    ready: dict[Track, int] = field(default_factory=dict)
    weights: tuple[int, int] = (95, 5)
    mirror: float | None = None
    version: int = 1
    #: Tracks whose new pods never get ready (their wait times out).
    never_ready: set[Track] = field(default_factory=set)
    #: Every call, in order: ("scale", track, replicas, expected), ("weights", s, c, rv),
    #: ("mirror", percent, rv), ("wait", track, replicas), ("read",).
    log: list[tuple[Any, ...]] = field(default_factory=list)
    #: Ready (stable, canary) pods after every change: what served the traffic meanwhile.
    shares: list[tuple[int, int]] = field(default_factory=list)
    events: list[tuple[str, bool]] = field(default_factory=list)
    #: (method, n) → what happens just before the n-th call of it (a change, or a raise).
    before: dict[tuple[str, int], Callable[[], None]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def _call(self, name: str) -> None:
        self.calls[name] += 1
        hook = self.before.pop((name, self.calls[name]), None)
        if hook is not None:
            hook()

    def _changed(self) -> None:
        self.shares.append((self.ready[Track.STABLE], self.ready[Track.CANARY]))

    # -- what someone else (or the cluster) does ------------------------------------------------

    def someone_scales(self, track: Track, replicas: int) -> None:
        self.desired[track] = replicas
        self.ready[track] = min(self.ready[track], replicas)
        self._changed()

    def someone_moves_the_route(self) -> None:
        """Another writer (or a reconcile) touches the route: its version moves on."""
        self.version += 1

    # -- the Cluster protocol -------------------------------------------------------------------

    def route(self) -> RouteState:
        if self.kind == "replicas":
            stable, canary = self.desired[Track.STABLE], self.desired[Track.CANARY]
            return RouteState(
                kind="replicas", name="llama", stable_weight=stable, canary_weight=canary
            )
        return RouteState(
            kind=self.kind,
            name="llama",
            stable_weight=self.weights[0],
            canary_weight=self.weights[1],
            mirror_percent=self.mirror,
            resource_version=str(self.version),
        )

    def status(self, track: Track) -> DeploymentStatus:
        ready = self.ready[track]
        return DeploymentStatus(
            name=NAMES[track], desired=self.desired[track], ready=ready, available=ready
        )

    def read(self, spec: DeploymentSpec) -> ClusterState:
        self.log.append(("read",))
        self._call("read")
        return ClusterState(
            stable=self.status(Track.STABLE), canary=self.status(Track.CANARY), route=self.route()
        )

    def scale(
        self, spec: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        self.log.append(("scale", track, replicas, expected))
        self._call("scale")
        if not isinstance(track, Track) or isinstance(replicas, bool) or replicas < 0:
            raise ValueError(f"scale {track!r} to {replicas!r}")
        if expected is not None and self.desired[track] != expected:
            raise ConflictError(
                f"{NAMES[track]} changed since it was read ({self.desired[track]} replicas "
                f"wanted, not {expected}); nothing was written to it"
            )
        self.desired[track] = replicas
        self.ready[track] = min(self.ready[track], replicas)  # pods go at once
        self._changed()

    def _route_write(self, resource_version: str) -> None:
        if self.kind == "replicas":
            raise SourceError("a replica-ratio split has no route to write")
        if resource_version != str(self.version):
            raise ConflictError(
                f"route llama changed since it was read (resourceVersion {resource_version} → "
                f"{self.version}); read it again"
            )

    def set_weights(
        self, spec: DeploymentSpec, stable: int, canary: int, resource_version: str
    ) -> RouteState:
        self.log.append(("weights", stable, canary, resource_version))
        self._call("set_weights")
        for w in (stable, canary):
            if isinstance(w, bool) or not isinstance(w, int) or w < 0:
                raise ValueError(f"weights are whole numbers, not {w!r}")
        if stable == 0 and canary == 0:
            raise ValueError("stable and canary weights cannot both be 0")
        self._route_write(resource_version)
        self.weights = (stable, canary)
        self.version += 1
        return self.route()

    def set_mirror(self, spec: DeploymentSpec, percent: float, resource_version: str) -> RouteState:
        self.log.append(("mirror", percent, resource_version))
        self._call("set_mirror")
        if isinstance(percent, bool) or not isinstance(percent, int | float):
            raise ValueError(f"mirror percent must be a number, not {percent!r}")
        if not 0 <= percent <= 100:
            raise ValueError(f"mirror percent must be in 0..100, not {percent!r}")
        self._route_write(resource_version)
        self.mirror = float(percent) or None
        self.version += 1
        return self.route()

    def wait_ready(
        self,
        spec: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        """While the action waits, the pods that are due get ready: every track's, but those of
        the tracks that never get ready."""
        self.log.append(("wait", track, replicas))
        self._call("wait_ready")
        progress(self.status(track))
        if cancel.is_set():
            raise Cancelled(f"cancelled while {NAMES[track]} waited")
        for t in (Track.STABLE, Track.CANARY):
            if t not in self.never_ready and self.ready[t] != self.desired[t]:
                self.ready[t] = self.desired[t]
                self._changed()
        status = self.status(track)
        progress(status)
        if status.ready < replicas:
            raise WarmTimeout(
                f"{status.name}: {status.ready}/{replicas} replicas ready after "
                f"{timeout_s:.0f}s; traffic was not shifted"
            )
        return status

    def record_event(
        self, spec: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        self.events.append((reason, warning))
        return None

    def identity(self) -> str | None:
        return "tester"

    # -- reading the log --------------------------------------------------------------------------

    def writes(self) -> list[tuple[Any, ...]]:
        """The writes, in order (reads and waits left out)."""
        return [c for c in self.log if c[0] in ("scale", "weights", "mirror")]

    def state(self) -> ClusterState:
        return ClusterState(
            stable=self.status(Track.STABLE), canary=self.status(Track.CANARY), route=self.route()
        )


def cluster(
    kind: str = "httproute",
    stable: int = 4,
    canary: int = 1,
    weights: tuple[int, int] = (95, 5),
    mirror: float | None = None,
    stable_ready: int | None = None,
) -> FakeCluster:
    """Every pod ready (but ``stable_ready`` of stable's, when given)."""
    return FakeCluster(
        kind=kind,
        desired={Track.STABLE: stable, Track.CANARY: canary},
        ready={
            Track.STABLE: stable if stable_ready is None else stable_ready,
            Track.CANARY: canary,
        },
        weights=weights,
        mirror=mirror,
    )


@dataclass
class Rig:
    """A controller over a ``FakeCluster``, fixed metrics and an audit trail."""

    ctl: CanaryController
    cluster: FakeCluster
    audit: Path

    def plan(self, action: str, percent: float | None = None, trim: bool = False) -> Plan:
        """The router's plan on what the cluster reads now (a step with passing gates)."""
        ctl, state, snap = (
            self.ctl,
            self.cluster.state(),
            self.ctl.metrics.snapshot(self.ctl.spec, 300),
        )
        router, d = ctl.router, ctl.deployment
        if action == "step":
            return router.plan_step(d, state, snap, PASSING, trim)
        if action in ("revert", "emergency-revert"):
            return router.plan_revert(d, state, snap, action == "emergency-revert")
        if action == "mirror":
            return router.plan_mirror(d, state, snap, percent or 0.0)
        return router.plan_finish(d, state, snap)

    def run(
        self, plan: Plan, cancel: threading.Event | None = None
    ) -> tuple[Outcome, list[Progress]]:
        seen: list[Progress] = []
        snap = self.ctl.metrics.snapshot(self.ctl.spec, 300)
        result = self.ctl.run(plan, snap, cancel or threading.Event(), seen.append)
        return result, seen


def rig(
    tmp_path: Path,
    fake: FakeCluster,
    rps: float = 4.0,
    **changes: Any,
) -> Rig:
    d = deployment(fake.kind, **changes)
    audit = tmp_path / "audit.jsonl"
    ctl = CanaryController(fake, FixedMetrics(snapshot(rps)), d, AuditLog(audit), ManualClock(0.0))
    return Rig(ctl, fake, audit)


def phases(seen: list[Progress]) -> list[str]:
    """The phases an action reported in order; a warm-up's run of ``warm`` reports counts once
    (it reports each pod that gets ready)."""
    out: list[str] = []
    for p in seen:
        if not (p.phase == "warm" and out and out[-1] == "warm"):
            out.append(p.phase)
    return out
