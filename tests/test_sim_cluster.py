"""The simulated cluster: scaling with model-load delay, route writes with optimistic locking."""

from __future__ import annotations

import pytest

from console.clock import ManualClock
from console.config import DEMO_DEPLOYMENT
from console.errors import ConflictError, SourceError
from console.model import DeploymentSpec, Track
from console.sim import SimCluster, SimFleet, SimMetricsSource

SPEC = DEMO_DEPLOYMENT.spec()
PEAK = 1_760_000_000 - 1_760_000_000 % 86400 + 15 * 3600


def setup() -> tuple[ManualClock, SimFleet, SimCluster]:
    clock = ManualClock(PEAK)
    fleet = SimFleet("healthy", 7, SPEC, clock, warmup_s=60)
    return clock, fleet, SimCluster(fleet)


def test_read_reports_deployments_and_route() -> None:
    _, _, cluster = setup()
    state = cluster.read(SPEC)
    assert (state.stable.name, state.stable.desired, state.stable.available) == ("llama-v1", 5, 5)
    assert (state.canary.name, state.canary.desired, state.canary.ready) == ("llama-v2", 1, 1)
    assert state.stable.caught_up and state.canary.starting == 0
    route = state.route
    assert (route.kind, route.name) == ("httproute", SPEC.name)
    assert (route.stable_weight, route.canary_weight) == (95, 5)
    assert route.canary_percent == pytest.approx(5.0)
    assert route.mirror_percent is None and route.resource_version


def test_scale_up_waits_for_model_load() -> None:
    clock, fleet, cluster = setup()
    cluster.scale(SPEC, Track.CANARY, 3)
    state = cluster.read(SPEC)
    assert (state.canary.desired, state.canary.ready, state.canary.starting) == (3, 1, 2)
    assert state.canary.generation == state.canary.observed_generation == 2
    snap = SimMetricsSource(fleet).snapshot(SPEC, 30)
    assert snap.tracks[Track.CANARY].replicas.model_dump() == {
        "desired": 3, "serving": 1, "starting": 2,
    }  # fmt: skip
    clock.advance(39)  # loading takes at least 40 s
    assert cluster.read(SPEC).canary.ready == 1
    clock.advance(100)  # and at most 120 s
    assert cluster.read(SPEC).canary.ready == 3


def test_scale_with_an_expected_count_refuses_a_changed_track() -> None:
    _, _, cluster = setup()
    cluster.scale(SPEC, Track.CANARY, 2, expected=1)
    with pytest.raises(ConflictError, match=r"2 replicas wanted, not 1"):
        cluster.scale(SPEC, Track.CANARY, 3, expected=1)
    assert cluster.read(SPEC).canary.desired == 2


def test_scale_down_removes_not_ready_pods_first() -> None:
    clock, fleet, cluster = setup()
    original = [p.name for p in fleet.tracks[Track.CANARY].pods]
    cluster.scale(SPEC, Track.CANARY, 3)
    clock.advance(5)
    cluster.scale(SPEC, Track.CANARY, 1)
    assert [p.name for p in fleet.tracks[Track.CANARY].pods] == original
    cluster.scale(SPEC, Track.CANARY, 0)
    clock.advance(2)
    canary = SimMetricsSource(fleet).snapshot(SPEC, 30).tracks[Track.CANARY]
    assert canary.replicas.serving == 0 and canary.gpu_utilization_fraction is None
    assert canary.cpu_cores is None and canary.host_memory_bytes is None
    with pytest.raises(ValueError):
        cluster.scale(SPEC, Track.STABLE, -1)


def test_weights_need_the_current_resource_version() -> None:
    _, _, cluster = setup()
    rv = cluster.read(SPEC).route.resource_version
    route = cluster.set_weights(SPEC, 90, 10, rv)
    assert (route.stable_weight, route.canary_weight) == (90, 10)
    assert route.resource_version != rv
    with pytest.raises(ConflictError):
        cluster.set_weights(SPEC, 50, 50, rv)
    with pytest.raises(ConflictError):
        cluster.set_mirror(SPEC, 10, rv)
    assert cluster.read(SPEC).route.canary_weight == 10
    # Scaling writes a Deployment, not the route.
    cluster.scale(SPEC, Track.CANARY, 2)
    assert cluster.read(SPEC).route.resource_version == route.resource_version


@pytest.mark.parametrize(
    ("stable", "canary"), [(-1, 5), (5, 1_000_001), (0, 0), (1.5, 1), (True, 1)]
)
def test_weights_are_validated(stable: int, canary: int) -> None:
    _, _, cluster = setup()
    rv = cluster.read(SPEC).route.resource_version
    with pytest.raises(ValueError):
        cluster.set_weights(SPEC, stable, canary, rv)
    assert cluster.read(SPEC).route.resource_version == rv


def test_extreme_weights_are_allowed() -> None:
    _, _, cluster = setup()
    route = cluster.set_weights(SPEC, 0, 1_000_000, cluster.read(SPEC).route.resource_version)
    assert route.canary_percent == 100.0


def test_mirror_is_validated_and_applied() -> None:
    clock, fleet, cluster = setup()
    rv = cluster.read(SPEC).route.resource_version
    for bad in (-1, 101, float("nan")):
        with pytest.raises(ValueError):
            cluster.set_mirror(SPEC, bad, rv)
    route = cluster.set_mirror(SPEC, 50, rv)
    assert route.mirror_percent == 50
    clock.advance(120)
    snap = SimMetricsSource(fleet).snapshot(SPEC, 100)
    assert snap.canary is not None and snap.canary.mirror_percent == 50
    stable = snap.tracks[Track.STABLE].requests_per_s
    canary = snap.tracks[Track.CANARY].requests_per_s
    assert stable and canary
    # The canary serves its 5 % share plus a copy of half of all traffic.
    assert canary / (stable / 0.95) == pytest.approx(0.55, rel=0.15)
    route = cluster.set_mirror(SPEC, 0, route.resource_version)
    assert route.mirror_percent is None


def test_weights_move_traffic() -> None:
    clock, fleet, cluster = setup()
    cluster.set_weights(SPEC, 50, 50, cluster.read(SPEC).route.resource_version)
    clock.advance(120)
    snap = SimMetricsSource(fleet).snapshot(SPEC, 100)
    assert snap.canary is not None and snap.canary.weight_percent == 50.0
    stable = snap.tracks[Track.STABLE].requests_per_s
    canary = snap.tracks[Track.CANARY].requests_per_s
    assert stable and canary and canary / stable == pytest.approx(1.0, rel=0.2)


def test_other_deployments_are_refused() -> None:
    _, _, cluster = setup()
    other = DeploymentSpec(name="mistral", stable="m-v1", canary="m-v2")
    with pytest.raises(SourceError):
        cluster.read(other)
    with pytest.raises(SourceError):
        cluster.scale(other, Track.CANARY, 2)
