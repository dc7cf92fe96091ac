"""The canary's current split for the dashboard, read from the cluster when the metrics do not
carry it (Prometheus knows the traffic, not the weights written in the route).

Reads are throttled: the route and both Deployments are read at most every ``every_s`` seconds
per deployment, and the last answer is kept when a read fails. Run it where blocking I/O is
allowed (the poll worker), never on the UI thread."""

from __future__ import annotations

from console.errors import ConsoleError
from console.model import CanaryState, DeploymentSpec, FleetSnapshot
from console.sources.base import Cluster

__all__ = ["RouteReader"]


class RouteReader:
    """Fills ``snapshot.canary`` from ``cluster.read`` when the metrics source left it empty."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.every_s = every_s
        self.last_error = ""
        self._read_at: dict[str, float] = {}
        self._state: dict[str, CanaryState] = {}

    def fill(
        self, snapshot: FleetSnapshot, cluster: Cluster | None, spec: DeploymentSpec, now: float
    ) -> FleetSnapshot:
        if snapshot.canary is not None or cluster is None:
            return snapshot
        state = self._current(cluster, spec, now)
        return snapshot if state is None else snapshot.model_copy(update={"canary": state})

    def _current(self, cluster: Cluster, spec: DeploymentSpec, now: float) -> CanaryState | None:
        key = f"{spec.namespace}/{spec.name}"
        if now - self._read_at.get(key, float("-inf")) >= self.every_s:
            self._read_at[key] = now
            try:
                route = cluster.read(spec).route
            except ConsoleError as err:
                self.last_error = str(err)
            except Exception as err:  # a cluster problem must never stop the metrics
                self.last_error = f"reading the route: {type(err).__name__}"
            else:
                self.last_error = ""
                self._state[key] = CanaryState(
                    weight_percent=route.canary_percent, mirror_percent=route.mirror_percent
                )
        return self._state.get(key)
