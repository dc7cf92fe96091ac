"""The header's badge on the simulated fleet means what it says: a good step settles rather than
reading degraded, a dead canary fails at once, a burning stable is red whatever the comparison
says, and a live mirror is never shown as "no canary"."""

from __future__ import annotations

from console.clock import ManualClock
from console.gates import evaluate
from console.model import FleetSnapshot, Track
from console.tui.screens.header_data import header_data
from tests.support import T0, demo_context


def judged(ctx, window_s: float = 300.0) -> tuple[FleetSnapshot, object]:  # type: ignore[no-untyped-def]
    deployment = ctx.deployment
    snapshot = ctx.metrics.snapshot(deployment.spec(), window_s)
    weight = snapshot.canary.weight_percent if snapshot.canary else None
    return snapshot, evaluate(snapshot, deployment.gates, weight)


def test_a_good_step_reads_settling_not_degraded() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock)
    assert ctx.cluster is not None
    spec = ctx.deployment.spec()
    route = ctx.cluster.read(spec).route
    clock.advance(30)
    ctx.cluster.set_weights(spec, 90, 10, route.resource_version)  # a good step lands
    clock.advance(40)
    snapshot, gates = judged(ctx)
    data = header_data(ctx, snapshot, gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert data.health != "degraded", data.health_reason
    assert data.health_reason.startswith("settling — 260s"), data.health_reason
    clock.advance(300)  # a whole window after the change: judged on the new split alone
    snapshot, gates = judged(ctx)
    data = header_data(ctx, snapshot, gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert data.health == "healthy", data.health_reason


def test_a_canary_with_no_serving_replica_fails_at_once() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock)
    assert ctx.cluster is not None
    spec = ctx.deployment.spec()
    ctx.cluster.scale(spec, Track.CANARY, 0)  # the canary's pods are gone; the route still sends 5%
    clock.advance(10)
    snapshot, gates = judged(ctx)
    data = header_data(ctx, snapshot, gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert data.health == "failing"
    assert "no serving replica" in data.health_reason


def test_a_burning_stable_is_red_whatever_the_comparison_says() -> None:
    ctx = demo_context(clock=ManualClock(T0))
    snapshot, gates = judged(ctx)
    stable = snapshot.tracks[Track.STABLE]
    burning = stable.model_copy(
        update={
            "error_share": 0.24,
            "queue_depth": 91.0,
            "replicas": stable.replicas.model_copy(update={"serving": 5}),
        }
    )
    tracks = {**snapshot.tracks, Track.STABLE: burning}
    snapshot = snapshot.model_copy(update={"tracks": tracks})
    data = header_data(ctx, snapshot, gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert data.fleet == "24% errors, 91 queued"
    healthy = header_data(ctx, judged(ctx)[0], gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert healthy.fleet == ""


def test_a_live_mirror_without_canary_traffic_is_never_no_canary() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock)
    assert ctx.cluster is not None
    spec = ctx.deployment.spec()
    route = ctx.cluster.read(spec).route
    route = ctx.cluster.set_weights(spec, 100, 0, route.resource_version)
    ctx.cluster.set_mirror(spec, 10, route.resource_version)
    clock.advance(5)
    snapshot, gates = judged(ctx)
    data = header_data(ctx, snapshot, gates, 300.0, stale=False)  # type: ignore[arg-type]
    assert data.health == "mirroring"
    assert data.health_reason == "10% copied to the canary"
