"""What a running console is built from: settings, the chosen deployment and its backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.clock import Clock, SystemClock
from console.config import DeploymentConfig, Settings
from console.sources.base import Cluster, MetricsSource, UsageSource
from console.sources.logs import LogFeeds


@dataclass
class AppContext:
    """Everything the app needs, built once by ``console.factory`` (the CLI and tests share it)."""

    settings: Settings
    deployments: list[DeploymentConfig]
    metrics: MetricsSource
    cluster: Cluster | None = None
    clock: Clock = field(default_factory=SystemClock)
    demo: bool = False
    read_only: bool = False
    #: Where read-only came from (the flag, the file, the environment, or why it was forced).
    read_only_reason: str = ""
    #: Deployments whose replica capacity a capacity probe measured: name → when and how.
    capacity_sources: dict[str, str] = field(default_factory=dict)
    notice: str = ""  # shown once at start, e.g. why the simulated fleet is in use
    notice_title: str = "Simulated fleet"
    deployment_index: int = 0
    #: The simulated fleets by deployment name, when the simulator is the source.
    fleets: dict[str, Any] = field(default_factory=dict)
    #: The log sources of a deployment (server logs and audit), built on demand.
    log_feeds: Callable[[DeploymentConfig], LogFeeds] | None = None
    #: The cost meter's measured inputs for a deployment (None: nothing measures them).
    usage_source: Callable[[DeploymentConfig], UsageSource | None] | None = None

    @property
    def deployment(self) -> DeploymentConfig:
        return self.deployments[self.deployment_index]

    def close(self) -> None:
        self.metrics.close()
