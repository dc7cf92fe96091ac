"""The simulated backends, under the names the rest of the sources use."""

from console.sim.cluster import SimCluster
from console.sim.source import SimMetricsSource

__all__ = ["SimCluster", "SimMetricsSource"]
