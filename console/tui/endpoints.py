"""Endpoints for the console's own screens: the deployment's configured ones, or — when the
deployment is the simulated fleet — that fleet served on loopback, started on first use."""

from __future__ import annotations

import threading
from typing import Any

from console.config import DeploymentConfig
from console.traffic.endpoints import Endpoint, EndpointError, TrackName, resolve, simulated


class EndpointProvider:
    """One per app; ``close`` stops the loopback server if one was started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str, Any] = {}

    def endpoint(self, deployment: DeploymentConfig, fleet: Any, track: TrackName) -> Endpoint:
        """The endpoint of ``track`` (blocking: call it from a worker). EndpointError if the
        deployment has neither configured endpoints nor a simulated fleet."""
        if deployment.endpoints is not None:
            return resolve(deployment.name, deployment.endpoints, track, deployment.model)
        if fleet is None:
            raise EndpointError(
                f"deployment {deployment.name!r} has no endpoints: add [deployments.endpoints]"
            )
        with self._lock:
            server = self._servers.get(deployment.name)
            if server is None:
                from console.sim.serve import ServerThread

                server = ServerThread(fleet)
                server.start()
                self._servers[deployment.name] = server
        return simulated(deployment.name, server.url, track, deployment.model)

    def close(self) -> None:
        with self._lock:
            servers = list(self._servers.values())
            self._servers.clear()
        for server in servers:
            server.stop()
