"""The cluster writes every router makes: scale a track and wait until it is ready, and read the
split again after a failure. A router is handed one ``Writer`` per action."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from console.canary.plan import Split, split_of
from console.canary.records import Done, Progress
from console.config import DeploymentConfig
from console.errors import Cancelled, ConsoleError
from console.model import DeploymentSpec, DeploymentStatus, RouteState, Track
from console.sources.base import Cluster

ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Writer:
    """What a running action writes through: the cluster, the deployment, and how the router
    words a split it reads back (``words``). Once ``cancel`` is set no write starts: the action
    stops at its next safe point, whatever it was waiting for (``Cancelled``)."""

    cluster: Cluster
    deployment: DeploymentConfig
    spec: DeploymentSpec
    words: Callable[[RouteState], str]
    cancel: threading.Event = field(default_factory=threading.Event)

    def for_action(self, cancel: threading.Event) -> Writer:
        return replace(self, cancel=cancel)

    def _check(self, what: str) -> None:
        if self.cancel.is_set():
            raise Cancelled(f"cancelled before {what}")

    def scale(self, track: Track, replicas: int, expected: int | None = None) -> None:
        self._check(f"scaling the {track.value} to {replicas}")
        self.cluster.scale(self.spec, track, replicas, expected=expected)

    def set_weights(self, stable: int, canary: int, resource_version: str) -> None:
        self._check(f"shifting traffic (weights {stable}/{canary})")
        self.cluster.set_weights(self.spec, stable, canary, resource_version)

    def set_mirror(self, percent: float, resource_version: str) -> None:
        self._check(f"setting the mirror to {percent:g}%")
        self.cluster.set_mirror(self.spec, percent, resource_version)

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
            self.scale(track, wanted, expected=current if check else None)
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
        return split_of(state), self.words(state.route)
