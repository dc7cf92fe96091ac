"""``Cluster`` over the simulated fleet: Deployments and an HTTPRoute with optimistic locking."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from console.errors import Cancelled, ConflictError, WarmTimeout
from console.model import ClusterState, DeploymentSpec, DeploymentStatus, RouteState, Track
from console.sim.fleet import SimFleet, check_mirror, check_weights
from console.sim.source import check_spec


@dataclass(frozen=True)
class SimEvent:
    """An event left on the simulated route (what ``kubectl get events`` would list)."""

    time: float
    reason: str
    message: str
    warning: bool


class SimCluster:
    """Reads and writes behave like the Kubernetes backend: writes carry the ``resource_version``
    that was read, and a stale one raises ``ConflictError``; new pods become ready only after
    their model has loaded."""

    def __init__(self, fleet: SimFleet) -> None:
        self.fleet = fleet
        self.events: list[SimEvent] = []

    def identity(self) -> str | None:
        return "sim"

    def record_event(
        self, deployment: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        self.events.append(SimEvent(self.fleet.clock.now(), reason, message, warning))
        return None

    def wait_ready(
        self,
        deployment: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        """Sleep on the fleet's clock until the next pod is due to be ready, report each change."""
        fleet = self.fleet
        check_spec(fleet, deployment)
        clock = fleet.clock
        deadline = clock.now() + timeout_s
        shown: DeploymentStatus | None = None
        while True:
            with fleet.lock:
                fleet.sync()
                status = self._status(track)
                due = [p.ready_at for p in fleet.tracks[track].pods if not p.ready(fleet.last)]
            if status != shown:
                progress(status)
                shown = status
            if status.ready >= replicas and status.caught_up:
                return status
            if cancel.is_set():
                raise Cancelled(
                    f"cancelled while {status.name} had {status.ready}/{replicas} ready"
                )
            if clock.now() >= deadline:
                raise WarmTimeout(
                    f"{status.name}: {status.ready}/{replicas} replicas ready after "
                    f"{timeout_s:.0f}s; traffic was not shifted"
                )
            # Pods become ready on whole ticks: wake at the next one due (or the deadline).
            wake = min([*(float(t) for t in due if t > fleet.last), deadline])
            clock.sleep_until(max(wake, fleet.last + 1.0) if due else deadline, cancel)

    def read(self, deployment: DeploymentSpec) -> ClusterState:
        fleet = self.fleet
        check_spec(fleet, deployment)
        with fleet.lock:
            fleet.sync()
            return ClusterState(
                stable=self._status(Track.STABLE),
                canary=self._status(Track.CANARY),
                route=self._route(),
            )

    def scale(
        self, deployment: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        fleet = self.fleet
        check_spec(fleet, deployment)
        with fleet.lock:  # re-entrant: the check and the write are one step
            wanted = fleet.tracks[track].desired
            if expected is not None and wanted != expected:
                raise ConflictError(
                    f"{fleet.name_of(track)} changed since it was read ({wanted} replicas "
                    f"wanted, not {expected}); nothing was written to it"
                )
            fleet.scale(track, replicas)

    def set_weights(
        self, deployment: DeploymentSpec, stable: int, canary: int, resource_version: str
    ) -> RouteState:
        fleet = self.fleet
        check_spec(fleet, deployment)
        check_weights(stable, canary)
        with fleet.lock:
            fleet.sync()
            self._check_version(resource_version)
            fleet.set_weights(stable, canary)
            return self._route()

    def set_mirror(
        self, deployment: DeploymentSpec, percent: float, resource_version: str
    ) -> RouteState:
        fleet = self.fleet
        check_spec(fleet, deployment)
        check_mirror(percent)
        with fleet.lock:
            fleet.sync()
            self._check_version(resource_version)
            fleet.set_mirror(percent)
            return self._route()

    def _check_version(self, resource_version: str) -> None:
        current = self.fleet.route_version
        if resource_version != current:
            raise ConflictError(
                f"route {self.fleet.deployment.name} changed since it was read "
                f"(resourceVersion {resource_version} → {current}); read it again"
            )

    def _status(self, track: Track) -> DeploymentStatus:
        fleet = self.fleet
        sim = fleet.tracks[track]
        ready = sum(1 for p in sim.pods if p.ready(fleet.last))
        generation = fleet.generation[track]
        return DeploymentStatus(
            name=fleet.name_of(track),
            desired=sim.desired,
            ready=ready,
            available=ready,
            updated=len(sim.pods),
            generation=generation,
            observed_generation=generation,
        )

    def _route(self) -> RouteState:
        fleet = self.fleet
        return RouteState(
            kind="httproute",
            name=fleet.deployment.name,
            stable_weight=fleet.stable_weight,
            canary_weight=fleet.canary_weight,
            mirror_percent=fleet.mirror_percent or None,
            resource_version=fleet.route_version,
        )
