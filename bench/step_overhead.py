"""Step overhead: wall time from the confirmation to the shifted weight, minus the time the new
replicas themselves took to become ready. Target: under 1 s.

The simulated cluster runs on a manual clock: as soon as the canary has been scaled, the bench
moves the clock to the moment its last new pod is ready, so the replicas' own readiness costs
(almost) no wall time and what is left is the console's: planning is done (the dialog showed the
plan), then the audit intent (fsynced), the scale, waking from the readiness wait, the shift.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from console.audit import AuditLog
from console.canary import CanaryController
from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT, GatesConfig
from console.model import ClusterState, DeploymentSpec, DeploymentStatus, RouteState, Track
from console.sim import SimCluster, build_sim

RUNS = 7
T0 = datetime(2026, 3, 10, 14, 0, 0, tzinfo=UTC).timestamp()


class TimedCluster:
    """Delegates to a cluster and notes the wall time each write returned."""

    def __init__(self, inner: SimCluster) -> None:
        self.inner = inner
        self.scaled_at: float | None = None
        self.shifted_at: float | None = None
        self.scaled = threading.Event()

    def read(self, deployment: DeploymentSpec) -> ClusterState:
        return self.inner.read(deployment)

    def scale(
        self, deployment: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        self.inner.scale(deployment, track, replicas, expected)
        self.scaled_at = time.perf_counter()
        self.scaled.set()

    def set_weights(
        self, deployment: DeploymentSpec, stable: int, canary: int, resource_version: str
    ) -> RouteState:
        route = self.inner.set_weights(deployment, stable, canary, resource_version)
        self.shifted_at = time.perf_counter()
        return route

    def set_mirror(
        self, deployment: DeploymentSpec, percent: float, resource_version: str
    ) -> RouteState:
        return self.inner.set_mirror(deployment, percent, resource_version)

    def wait_ready(
        self,
        deployment: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        return self.inner.wait_ready(deployment, track, replicas, timeout_s, cancel, progress)

    def record_event(
        self, deployment: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        return self.inner.record_event(deployment, reason, message, warning)

    def identity(self) -> str | None:
        return self.inner.identity()


def sim_once(seed: int, audit_dir: Path) -> dict[str, float]:
    """One step on a fresh simulated fleet; seconds of total, readiness and overhead."""
    clock = ManualClock(T0)
    deployment = DEMO_DEPLOYMENT.model_copy(
        update={"gates": GatesConfig(min_requests=50), "replica_capacity_rps": 0.5}
    )
    fleet, source, sim_cluster = build_sim("healthy", seed, deployment.spec(), clock)
    cluster = TimedCluster(sim_cluster)
    ctl = CanaryController(
        cluster, source, deployment, AuditLog(audit_dir / f"audit-{seed}.jsonl"), clock
    )
    plan, snapshot = ctl.plan("step")
    if plan.refusal or plan.warm_canary_to is None:
        raise RuntimeError(f"the bench step was refused: {plan.refusal}")
    outcome: list[str] = []
    confirmed = time.perf_counter()
    worker = threading.Thread(
        target=lambda: outcome.append(ctl.run(plan, snapshot, threading.Event()).outcome)
    )
    worker.start()
    if not cluster.scaled.wait(30):
        raise RuntimeError("the canary was never scaled")
    with fleet.lock:
        due = max(p.ready_at for p in fleet.tracks[Track.CANARY].pods)
    ready_at = time.perf_counter()
    clock.set(max(due, clock.now()))
    worker.join(60)
    if outcome != ["ok"] or cluster.shifted_at is None or cluster.scaled_at is None:
        raise RuntimeError(f"the bench step did not shift: {outcome}")
    total = cluster.shifted_at - confirmed
    readiness = ready_at - cluster.scaled_at
    return {
        "total_s": total,
        "readiness_s": readiness,
        "overhead_s": total - readiness,
        "warmed": float(plan.warm_canary_to - plan.before.canary_replicas),
    }


def main(runs: int = RUNS) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        samples = [sim_once(seed, Path(tmp)) for seed in range(1, runs + 1)]
    overhead = [s["overhead_s"] for s in samples]
    result = {
        "runs": float(runs),
        "overhead_median_s": statistics.median(overhead),
        "overhead_max_s": max(overhead),
        "replicas_warmed_median": statistics.median(s["warmed"] for s in samples),
    }
    print("step overhead (simulated cluster, manual clock): confirmation → shifted weight")
    print(
        f"  overhead median {result['overhead_median_s'] * 1000:.0f} ms, "
        f"max {result['overhead_max_s'] * 1000:.0f} ms over {runs} steps "
        f"(~{result['replicas_warmed_median']:.0f} replicas warmed each; target < 1000 ms)"
    )
    return result


if __name__ == "__main__":
    main()
