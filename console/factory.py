"""The one place a console is assembled from settings; the CLI, tests and benchmarks all use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.clock import Clock, FastClock, SystemClock
from console.config import AuditConfig, ConfigError, DeploymentConfig, Loaded, demo_audit_path
from console.context import AppContext
from console.errors import SourceError
from console.model import DeploymentSpec, FleetSnapshot
from console.sources.base import Cluster, UsageSource
from console.sources.logs import LogFeeds, build_log_feeds

if TYPE_CHECKING:
    from console.canary import CanaryController
    from console.cost.usage import Usage
    from console.sim import SimFleet


class _PerDeployment:
    """Routes each deployment to its own simulated fleet (one fleet models one deployment)."""

    def __init__(self, sources: dict[str, object], name: str) -> None:
        self._sources = sources
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        source = self._sources.get(deployment.name)
        if source is None:
            raise SourceError(f"no simulated fleet for deployment {deployment.name!r}")
        result: FleetSnapshot = source.snapshot(deployment, window_s, history_s)  # type: ignore[attr-defined]
        return result

    def close(self) -> None:
        for source in self._sources.values():
            source.close()  # type: ignore[attr-defined]


def simulated_metrics_of(loaded: Loaded) -> bool:
    """Whether ``loaded`` shows the simulated fleet's metrics (no Prometheus in use)."""
    return loaded.demo or loaded.settings.prometheus is None


def build_context(
    loaded: Loaded,
    *,
    clock: Clock | None = None,
    scenario: str | None = None,
    seed: int | None = None,
    read_only: bool = False,
) -> AppContext:
    """Build the backends for ``loaded``. Raises ConfigError when they cannot be built."""
    from console.sim import build_sim

    settings = loaded.settings
    if loaded.demo:
        # Actions on the simulated fleet go to its own trail, never the configured one.
        settings = settings.model_copy(update={"audit": AuditConfig(path=demo_audit_path())})
    if clock is None:
        fast = simulated_metrics_of(loaded) and settings.kubernetes is None
        clock = FastClock(settings.sim.speed) if fast and settings.sim.speed > 1 else SystemClock()
    deployments: list[DeploymentConfig] = (
        [loaded.deployment] if loaded.demo else list(settings.deployments)
    )
    index = deployments.index(loaded.deployment) if loaded.deployment in deployments else 0
    notice = ""
    notice_title = "Simulated fleet"
    prometheus = None
    if not simulated_metrics_of(loaded) and (scenario is not None or seed is not None):
        flags = " and ".join(
            f for f, v in (("--scenario", scenario), ("--seed", seed)) if v is not None
        )
        raise ConfigError(
            [f"{flags}: apply to the simulated fleet; {loaded.config_path} reads Prometheus"]
        )
    if settings.prometheus is not None and not loaded.demo:
        from console.sources.prometheus_config import build_source

        try:
            prometheus = build_source(settings.prometheus, deployments, clock)
        except SourceError as err:
            raise ConfigError([f"{loaded.config_path}: prometheus: {err}"]) from None
    scenario = scenario or settings.sim.scenario
    seed = settings.sim.seed if seed is None else seed
    if loaded.demo:
        notice = (
            "No configuration file found: showing the embedded simulated fleet."
            if loaded.config_path is None
            else "Showing the embedded simulated fleet (--demo)."
        )
    sources: dict[str, object] = {}
    fleets: dict[str, SimFleet] = {}
    cluster: Cluster | None = None
    kube = None
    if settings.kubernetes is not None and not loaded.demo:
        from console.sources.kubernetes import KubernetesCluster

        cluster = kube = KubernetesCluster.from_settings(settings.kubernetes, deployments)
    if prometheus is None:
        # Simulated metrics: the simulated fleet also serves logs and, without [kubernetes], the
        # cluster. Real metrics never come with a simulated cluster or simulated logs.
        for deployment in deployments:
            fleet, source, sim_cluster = build_sim(scenario, seed, deployment.spec(), clock)
            sources[deployment.name] = source
            fleets[deployment.name] = fleet
            if deployment is deployments[index] and cluster is None:
                cluster = sim_cluster
    metrics = prometheus or _PerDeployment(sources, f"sim:{scenario}")
    reasons = ["--read-only"] if read_only else []
    if settings.read_only_from:
        reasons.append(settings.read_only_from)
    if kube is not None and prometheus is None:
        reasons.append("[kubernetes] without [prometheus]: the metrics are simulated")
        # Gates judged on simulated metrics must never change a real cluster.
        read_only = True
        notice_title = "Read-only"
        notice = (
            "[kubernetes] without [prometheus]: the metrics are simulated, so the console is "
            "read-only (the canary gates need the fleet's real metrics)."
        )

    def log_feeds(deployment: DeploymentConfig) -> LogFeeds:
        return build_log_feeds(settings, deployment, fleets.get(deployment.name), kube)

    def usage_source(deployment: DeploymentConfig) -> UsageSource | None:
        # Imported on use: the cost model is not needed to start.
        if prometheus is not None and settings.prometheus is not None:
            from console.sources.prometheus_config import cost_inputs

            return cost_inputs(settings.prometheus, prometheus.client)
        fleet = fleets.get(deployment.name)
        if fleet is None:
            return None
        from console.sources.cost_inputs import SimCostInputs

        return SimCostInputs(fleet)

    return AppContext(
        settings=settings,
        deployments=deployments,
        metrics=metrics,
        cluster=cluster,
        clock=clock,
        demo=loaded.demo,
        read_only=read_only or settings.read_only,
        read_only_reason="; ".join(reasons),
        capacity_sources=dict(loaded.capacity_sources),
        notice=notice,
        notice_title=notice_title,
        deployment_index=index,
        fleets=fleets,
        log_feeds=log_feeds,
        usage_source=usage_source,
    )


def measured_usage(loaded: Loaded, horizon_s: float, clock: Clock | None = None) -> Usage | None:
    """The cost meter's measured inputs for a one-off command: the simulated fleet's (demo) or
    Prometheus's (None without either). Raises SourceError when they cannot be read."""
    spec = loaded.deployment.spec()
    if loaded.demo:
        from console.sim import build_sim
        from console.sources.cost_inputs import SimCostInputs

        sim = loaded.settings.sim
        fleet, source, _ = build_sim(sim.scenario, sim.seed, spec, clock or SystemClock())
        try:
            return SimCostInputs(fleet).usage(spec, horizon_s)
        finally:
            source.close()
    prom = loaded.settings.prometheus
    if prom is None:
        return None
    from console.sources.prometheus_config import build_client, cost_inputs

    with build_client(prom) as client:
        return cost_inputs(prom, client).usage(spec, horizon_s)


def build_controller(ctx: AppContext) -> CanaryController:
    """The canary controller for the context's current deployment (audit file from settings)."""
    from console.audit import AuditLog
    from console.canary import CanaryController

    if ctx.cluster is None:
        raise ConfigError(["no cluster is configured for canary actions"])
    deployment = ctx.deployment
    return CanaryController(
        ctx.cluster,
        ctx.metrics,
        deployment,
        AuditLog(ctx.settings.audit.path),
        ctx.clock,
        read_only=ctx.read_only,
        trim_stable=deployment.trim_stable,
        capacity_source=ctx.capacity_sources.get(deployment.name, ""),
    )
