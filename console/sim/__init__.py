"""The simulated fleet: realistic traffic with daily cycles, queueing, cold starts and a canary
that can be healthy or regressed (``fleet``, ``track``, ``workload``, ``scenarios``), its metrics
source, cluster and server logs (``source``, ``cluster``, ``logs``), and the same fleet over HTTP
for ``sim serve`` (``serve``, ``serve_openai``, ``exposition``: an OpenAI-compatible API and
Prometheus ``/metrics`` in vLLM's names, with aiohttp).

Headless: may import the domain model, configuration, clock and errors, and aiohttp; never
Textual, the sources, the UI or the CLI."""

from __future__ import annotations

from console.clock import Clock
from console.model import DeploymentSpec
from console.sim.cluster import SimCluster
from console.sim.fleet import SimFleet
from console.sim.source import SimMetricsSource

__all__ = ["SimCluster", "SimFleet", "SimMetricsSource", "build_sim"]

RETAIN_S = 3600.0
"""History the app's simulated fleet keeps and starts with: the 1 h window (its newest 15
minutes simulated before the first poll, the rest when first shown: ``SimFleet._fill_older``)."""


def build_sim(
    scenario: str, seed: int, deployment: DeploymentSpec, clock: Clock
) -> tuple[SimFleet, SimMetricsSource, SimCluster]:
    """A fleet plus the metrics source and cluster that read and drive it. The fleet warms up
    for as long as it keeps (an hour), so every sparkline window is full when first shown."""
    fleet = SimFleet(
        scenario=scenario, seed=seed, deployment=deployment, clock=clock, warmup_s=RETAIN_S
    )
    return fleet, SimMetricsSource(fleet), SimCluster(fleet)
