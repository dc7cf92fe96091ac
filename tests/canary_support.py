"""Canary actions on the simulated cluster in tests: a recording cluster and a clock driver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.audit import AuditLog
from console.canary import CanaryController, Outcome, Progress
from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT, DeploymentConfig, GatesConfig
from console.model import DeploymentSpec, DeploymentStatus, RouteState, Track
from console.sim import SimCluster, SimFleet, SimMetricsSource
from console.sim.fleet import DEFAULT_WARMUP_S
from tests.support import T0


class RecordingCluster:
    """The simulated cluster, with every call written down in order (to prove ordering)."""

    def __init__(self, inner: SimCluster) -> None:
        self.inner = inner
        self.calls: list[tuple[Any, ...]] = []
        self.fail: dict[str, Exception] = {}

    def _call(self, name: str, *args: Any) -> Any:
        self.calls.append((name, *args))
        if name in self.fail:
            raise self.fail[name]
        return getattr(self.inner, name)(*args)

    def read(self, spec: DeploymentSpec) -> Any:
        return self._call("read", spec)

    def scale(
        self, spec: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        self.calls.append(("scale", spec, track, replicas))
        if "scale" in self.fail:
            raise self.fail["scale"]
        self.inner.scale(spec, track, replicas, expected)

    def set_weights(self, spec: DeploymentSpec, stable: int, canary: int, rv: str) -> RouteState:
        result: RouteState = self._call("set_weights", spec, stable, canary, rv)
        return result

    def set_mirror(self, spec: DeploymentSpec, percent: float, rv: str) -> RouteState:
        result: RouteState = self._call("set_mirror", spec, percent, rv)
        return result

    def wait_ready(
        self,
        spec: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        status: DeploymentStatus = self._call(
            "wait_ready", spec, track, replicas, timeout_s, cancel, progress
        )
        self.calls.append(("ready", track, status.ready))
        return status

    def record_event(
        self, spec: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        error: str | None = self._call("record_event", spec, reason, message, warning)
        return error

    def identity(self) -> str | None:
        return self.inner.identity()

    def writes(self) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] in {"scale", "set_weights", "set_mirror", "ready"}]


class DrivenClock(ManualClock):
    """A manual clock that knows when a thread sleeps on it: ``run_driven`` moves it on as soon
    as the action waits for time to pass (a pod's load), not on a wall-clock beat."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self._waiting: list[float] = []
        self._slept = threading.Condition()

    def sleep_until(self, t: float, cancel: threading.Event) -> None:
        with self._slept:
            self._waiting.append(t)
            self._slept.notify_all()
        try:
            super().sleep_until(t, cancel)
        finally:
            with self._slept:
                self._waiting.remove(t)

    def wait_for_sleeper(self, timeout_s: float) -> bool:
        """Whether a thread waits for a time still ahead (waiting up to ``timeout_s`` for one)."""
        with self._slept:
            return self._slept.wait_for(
                lambda: any(t > self.now() for t in self._waiting), timeout_s
            )


def controller(
    tmp_path: Path,
    scenario: str = "healthy",
    *,
    read_only: bool = False,
    trim: bool = False,
    **changes: Any,
) -> tuple[CanaryController, RecordingCluster, ManualClock, Path]:
    clock = DrivenClock(T0)
    deployment: DeploymentConfig = DEMO_DEPLOYMENT.model_copy(
        update={"gates": GatesConfig(min_requests=50), **changes}
    )
    # The history the gates judge (their window and its rate window), not the hour of
    # sparklines the console warms up: an action reads the gates, never the charts.
    fleet = SimFleet(scenario, 7, deployment.spec(), clock, warmup_s=DEFAULT_WARMUP_S)
    source = SimMetricsSource(fleet)
    cluster = RecordingCluster(SimCluster(fleet))
    audit_path = tmp_path / "audit" / "audit.jsonl"
    ctl = CanaryController(
        cluster,
        source,
        deployment,
        AuditLog(audit_path),
        clock,
        read_only=read_only,
        trim_stable=trim,
    )
    return ctl, cluster, clock, audit_path


def run_driven(
    ctl: CanaryController,
    clock: ManualClock,
    action: str,
    percent: float | None = None,
    step_s: float = 5.0,
    limit_s: float = 1800.0,
) -> tuple[Outcome, list[Progress]]:
    """Plan and run ``action`` in a thread while simulated time moves on (bounded): by
    ``step_s`` whenever the action sleeps on a ``DrivenClock`` (every 10 ms on another clock)."""
    plan, snapshot = ctl.plan(action, percent)
    seen: list[Progress] = []
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["result"] = ctl.run(plan, snapshot, threading.Event(), seen.append)
        except Exception as err:
            out["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    moved = 0.0
    while thread.is_alive():
        assert time.monotonic() < deadline, "the action did not finish"
        asleep = clock.wait_for_sleeper(0.01) if isinstance(clock, DrivenClock) else True
        if asleep and moved < limit_s:
            clock.advance(step_s)
            moved += step_s
        if not isinstance(clock, DrivenClock):
            thread.join(0.01)
    if "error" in out:
        raise out["error"]
    return out["result"], seen
