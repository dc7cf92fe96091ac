"""The protocols every backend implements; the simulated and real ones are interchangeable."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from console.model import (
    ClusterState,
    DeploymentSpec,
    DeploymentStatus,
    FleetSnapshot,
    LogLine,
    RouteState,
    Track,
)

if TYPE_CHECKING:
    from console.cost.usage import Usage


class MetricsSource(Protocol):
    """Where panel values come from (Prometheus or the simulated fleet).

    ``snapshot`` is blocking and is called from a worker thread, one call at a time.
    It raises ``SourceError`` with an operator-readable message when it cannot answer.
    """

    @property
    def name(self) -> str:
        """A short label for the header, e.g. ``sim:healthy`` or ``prometheus 127.0.0.1:9090``."""
        ...

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        """Current values over the last ``window_s``; with ``history_s``, also histories of about
        100 evenly spaced points covering the last ``history_s`` seconds."""
        ...

    def close(self) -> None: ...


class Cluster(Protocol):
    """The objects a rollout changes (Kubernetes or the simulated cluster).

    All calls block (run them in workers). Writes take the ``resource_version`` that was read; a
    changed object raises ``ConflictError``; 403 raises ``ForbiddenError``, 404 ``NotFoundError``,
    anything else ``SourceError`` — each with a one-line message fit to show (no secrets).
    """

    def read(self, deployment: DeploymentSpec) -> ClusterState: ...

    def scale(
        self, deployment: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        """Set the track's replicas (the ``/scale`` subresource, or the HPA's ``minReplicas``
        when an HPA owns the Deployment). With ``expected``, only while the track still wants
        that many (``ConflictError`` otherwise): how a replica-ratio split detects someone else's
        change, having no route object with a ``resourceVersion``."""
        ...

    def set_weights(
        self, deployment: DeploymentSpec, stable: int, canary: int, resource_version: str
    ) -> RouteState: ...

    def set_mirror(
        self, deployment: DeploymentSpec, percent: float, resource_version: str
    ) -> RouteState: ...

    def wait_ready(
        self,
        deployment: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        """Block until the track reports ``replicas`` ready (and its observed generation has
        caught up), calling ``progress`` on every change. Watches rather than polls where the
        backend can. Raises ``WarmTimeout`` after ``timeout_s`` and ``Cancelled`` when
        ``cancel`` is set."""
        ...

    def record_event(
        self, deployment: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        """Leave a Kubernetes Event on the route object. Best effort: never raises; returns
        why the Event could not be left (one line, no secrets), or None when it was."""
        ...

    def identity(self) -> str | None:
        """Who the cluster thinks we are (e.g. the kubeconfig user), when known."""
        ...


class UsageSource(Protocol):
    """The cost meter's measured inputs (tokens and replica-hours) over a horizon: Prometheus's
    or the simulated fleet's. Blocking; raises ``SourceError`` when it cannot answer."""

    def usage(self, spec: DeploymentSpec, horizon_s: float) -> Usage: ...


class LogSource(Protocol):
    """A stream of log lines: pod logs, a followed file, the simulated fleet, the audit trail.

    ``stream`` blocks (run it in a worker): it yields batches of new lines, oldest first (an
    empty batch is allowed), until ``stop`` is set or the consumer stops iterating; it handles
    its own reconnects and reports trouble as lines rather than ending the stream.
    """

    @property
    def name(self) -> str: ...

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]: ...
