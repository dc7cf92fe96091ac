"""The dashboard's split from the cluster when the metrics lack it: throttled reads, the last
answer kept when a read fails, and a snapshot that already has a split left alone."""

from __future__ import annotations

from datetime import UTC, datetime

from console.canary.state import RouteReader
from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT
from console.model import CanaryState, DeploymentSpec, FleetSnapshot
from console.sim import build_sim
from tests.support import T0

SPEC = DEMO_DEPLOYMENT.spec()


def bare(spec: DeploymentSpec = SPEC) -> FleetSnapshot:
    """A snapshot as Prometheus gives it: values, no canary state."""
    return FleetSnapshot(
        deployment=spec.name, source="prometheus", at=datetime.now(UTC), window_s=60, tracks={}
    )


def test_reads_the_route_at_most_every_interval_and_keeps_the_last_answer() -> None:
    _, _, cluster = build_sim("healthy", 1, SPEC, ManualClock(T0))
    reader = RouteReader(every_s=5.0)
    first = reader.fill(bare(), cluster, SPEC, now=100.0)
    assert first.canary is not None and first.canary.weight_percent == 5.0
    state = cluster.read(SPEC)
    cluster.set_weights(SPEC, 90, 10, state.route.resource_version)
    # Within the interval: the last answer, no new read.
    assert reader.fill(bare(), cluster, SPEC, now=104.0).canary == first.canary
    after = reader.fill(bare(), cluster, SPEC, now=105.0).canary
    assert after is not None and after.weight_percent == 10.0


def test_a_failed_read_keeps_the_last_split_and_says_why() -> None:
    _, _, cluster = build_sim("healthy", 1, SPEC, ManualClock(T0))
    reader = RouteReader(every_s=0.0)
    assert reader.fill(bare(), cluster, SPEC, now=1.0).canary is not None
    other = DeploymentSpec(name=SPEC.name, namespace=SPEC.namespace, stable="x", canary="y")
    # The same deployment's key, but a cluster that cannot answer for it.
    kept = reader.fill(bare(other), cluster, other, now=2.0)
    assert kept.canary is not None and kept.canary.weight_percent == 5.0
    assert reader.last_error


def test_a_snapshot_with_a_split_or_no_cluster_is_left_alone() -> None:
    own = bare().model_copy(update={"canary": CanaryState(weight_percent=25.0)})
    reader = RouteReader()
    assert reader.fill(own, None, SPEC, now=1.0) is own
    assert reader.fill(bare(), None, SPEC, now=1.0).canary is None
