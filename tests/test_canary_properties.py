"""Canary plan properties over generated fleets, splits and plans, for every router kind: weights
never all zero; a step never gives the canary more than its target, never scales a track down
below what its share needs, never shrinks the canary; a revert leaves stable able to carry
everything; a mirror outside 0..100 is refused."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.canary.plan import MIN_MIRROR_PERCENT, Plan
from console.canary.records import Done
from console.canary.replicas import choose_step
from console.canary.routers import router_for
from console.config import DeploymentConfig, RouterConfig
from console.gates import GateReport, GateResult, GateStatus
from console.model import (
    ClusterState,
    DeploymentStatus,
    FleetSnapshot,
    RouteState,
    Track,
    TrackValues,
)
from tests.budget import budget

WEIGHTED = ("httproute", "istio", "kserve")
PASSING = GateReport((GateResult("sample", GateStatus.PASS, 1.0, 1.0, "enough"),))
FAILING = GateReport((GateResult("error_share", GateStatus.FAIL, 0.5, 0.02, "too many errors"),))
EPS = 1e-6


@st.composite
def deployments(draw: st.DrawFn, kind: str) -> DeploymentConfig:
    whole = st.integers(1, 100).map(float)
    steps = sorted(set(draw(st.lists(whole, min_size=1, max_size=6))))
    cap = draw(st.none() | st.integers(2, 60)) if kind == "replicas" else None
    return DeploymentConfig(
        name="llama",
        stable="llama-stable",
        canary="llama-canary",
        router=RouterConfig(kind=kind, max_replicas=cap),  # type: ignore[arg-type]
        steps=tuple(steps),
        replica_capacity_rps=draw(st.floats(0.5, 50)),
        headroom=draw(st.floats(0, 1)),
        min_canary_replicas=draw(st.integers(0, 3)),
        trim_stable=draw(st.booleans()),
    )


@st.composite
def states(draw: st.DrawFn, kind: str) -> ClusterState:
    stable = draw(st.integers(0, 30))
    canary = draw(st.integers(0, 30))
    if kind == "replicas":  # the split is the tracks' replica counts
        assume_some = stable + canary > 0 or draw(st.just(True))
        weights = (stable, canary) if stable + canary > 0 and assume_some else (1, 0)
    else:
        canary_weight = draw(st.sampled_from([0, 1, 5, 10, 25, 50, 100]) | st.integers(0, 100))
        weights = (100 - canary_weight, canary_weight)
    return ClusterState(
        stable=DeploymentStatus(
            name="llama-stable", desired=stable, ready=draw(st.integers(0, stable))
        ),
        canary=DeploymentStatus(
            name="llama-canary", desired=canary, ready=draw(st.integers(0, canary))
        ),
        route=RouteState(
            kind=kind,
            name="llama",
            stable_weight=weights[0],
            canary_weight=weights[1],
            # the replica ratio has no route to mirror with
            mirror_percent=None
            if kind == "replicas"
            else draw(st.none() | st.sampled_from([0.0, 10.0])),
            resource_version="7",
        ),
    )


@st.composite
def snapshots(draw: st.DrawFn) -> FleetSnapshot:
    rate = st.none() | st.floats(0, 400)
    return FleetSnapshot(
        deployment="llama",
        source="test",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=60.0,
        tracks={
            Track.STABLE: TrackValues(requests_per_s=draw(rate)),
            Track.CANARY: TrackValues(requests_per_s=draw(rate)),
        },
    )


def cases(actions: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[Any, ...]]:
    kinds = st.sampled_from((*WEIGHTED, "replicas"))
    return kinds.flatmap(
        lambda kind: st.tuples(st.just(kind), deployments(kind), states(kind), snapshots(), actions)
    )


def rps_of(snapshot: FleetSnapshot) -> float:
    return sum(snapshot.tracks[t].requests_per_s or 0.0 for t in Track)


def carries(replicas: int, rps: float, share: float, d: DeploymentConfig) -> bool:
    """Whether ``replicas`` serve ``share`` of ``rps`` at the configured capacity and headroom."""
    return replicas * d.replica_capacity_rps >= rps * share * (1 + d.headroom) - EPS


def plan(
    kind: str,
    d: DeploymentConfig,
    state: ClusterState,
    snap: FleetSnapshot,
    action: str,
    gates: GateReport = PASSING,
) -> Plan:
    router = router_for(kind)
    if action == "step":
        return router.plan_step(d, state, snap, gates, d.trim_stable)
    return router.plan_revert(d, state, snap, action == "emergency-revert")


def assert_plan_facts(p: Plan, state: ClusterState, snap: FleetSnapshot, action: str) -> None:
    """What every plan carries into its run and its audit record."""
    assert p.action == action
    assert p.resource_version == state.route.resource_version
    rates = [snap.tracks[t].requests_per_s for t in Track]
    assert p.observed_rps == (None if rates == [None, None] else rps_of(snap))
    assert p.before.canary_weight == state.route.canary_weight
    assert (p.before.stable_replicas, p.before.canary_replicas) == (
        state.stable.desired,
        state.canary.desired,
    )


@budget(300)
@given(cases(st.just("step")))
def test_a_step_never_overshoots_and_never_leaves_a_track_short(case: tuple[Any, ...]) -> None:
    kind, d, state, snap, _ = case
    p = plan(kind, d, state, snap, "step")
    b, a = p.before, p.after
    assert_plan_facts(p, state, snap, "step")
    assert a.stable_weight + a.canary_weight > 0  # weights never all zero
    assert a.stable_weight >= 0 and a.canary_weight >= 0
    if p.refusal and p.after == p.before:
        return  # nothing to do (no step left, or none within the cap)
    rps = rps_of(snap)
    target = next(s for s in d.steps if s > b.canary_percent + 1e-9)
    share = a.canary_percent
    if kind in WEIGHTED:
        assert share == target  # whole steps: exactly the next one
    else:
        # whole replicas: the share moves forward, up to the step the plan chose and no further
        chosen, _ = choose_step(d, b, rps)
        assert chosen is not None
        percent, stable, canary = chosen
        assert percent >= target
        assert b.canary_percent < share <= percent + EPS
        assert (a.stable_replicas, a.canary_replicas) == (stable, canary)
        if d.router.max_replicas is not None:
            assert max(a.stable_replicas, a.canary_replicas) <= d.router.max_replicas
    # the canary is never scaled down by a step, and never below its minimum
    assert a.canary_replicas >= b.canary_replicas
    assert p.warm_canary_to is not None and p.warm_canary_to >= b.canary_replicas
    assert a.canary_replicas >= max(d.min_canary_replicas, 1)
    # each track can carry its share after the step
    assert carries(a.canary_replicas, rps, share / 100, d), (a, rps)
    if kind in WEIGHTED:
        # stable keeps what it has unless trimmed, and a trim leaves what its share needs
        if a.stable_replicas != b.stable_replicas:
            assert a.stable_replicas >= 1
            assert carries(a.stable_replicas, rps, 1 - share / 100, d), (a, rps)
        # stable is only ever trimmed, and only when asked to
        assert a.stable_replicas <= b.stable_replicas or b.stable_replicas == 0
        if not d.trim_stable:
            assert a.stable_replicas == b.stable_replicas and p.trim_stable_to is None
        else:
            assert p.trim_stable_to is None or p.trim_stable_to < b.stable_replicas
    else:
        # the replica ratio: stable sized for its share, both together serve everything
        assert share >= 100 or a.stable_replicas >= 1
        assert carries(a.stable_replicas, rps, 1 - share / 100, d), (a, rps)
        assert carries(a.stable_replicas + a.canary_replicas, rps, 1.0, d)


@budget(300)
@given(cases(st.sampled_from(["revert", "emergency-revert"])))
def test_a_revert_leaves_stable_able_to_carry_everything(case: tuple[Any, ...]) -> None:
    kind, d, state, snap, action = case
    p = plan(kind, d, state, snap, action)
    b, a = p.before, p.after
    assert_plan_facts(p, state, snap, action)
    # a revert ends the mirror; without one there is none to end
    assert a.mirror_percent == (0.0 if b.mirror_percent else b.mirror_percent)
    rps = rps_of(snap)
    assert p.action == action
    assert a.stable_weight > 0 and a.canary_weight == 0  # all traffic on stable, never all zero
    if kind in WEIGHTED:
        nothing = b.canary_weight == 0 and (action == "emergency-revert" or not b.canary_replicas)
    else:
        nothing = not b.canary_replicas
    assert bool(p.refusal) == nothing
    if action == "emergency-revert":
        assert p.warm_stable_to is None  # at once: nothing waited for
        assert a.canary_replicas == (b.canary_replicas if kind in WEIGHTED else 0)
        return
    assert a.canary_replicas == 0
    assert a.stable_replicas >= max(b.stable_replicas, 1)
    assert carries(a.stable_replicas, rps, 1.0, d), (a, rps)
    if not carries(state.stable.ready, rps, 1.0, d) or not carries(b.stable_replicas, rps, 1.0, d):
        # stable is scaled up and waited for before any traffic moves
        assert p.warm_stable_to is not None and carries(p.warm_stable_to, rps, 1.0, d)
    if p.warm_stable_to is not None:
        assert p.warm_stable_to == a.stable_replicas
    # frugal: stable grows to exactly what carries everything, never more
    needed = max(math.ceil(rps * (1 + d.headroom) / d.replica_capacity_rps - 1e-9), 1)
    assert a.stable_replicas == max(needed, b.stable_replicas), (a, needed)
    if kind in WEIGHTED:
        # waited for whenever stable has fewer desired or ready than it needs, else not
        short = b.stable_replicas < needed or state.stable.ready < needed
        assert (p.warm_stable_to is not None) == short


@budget(200)
@given(
    st.sampled_from(("httproute", "istio")),
    st.floats(-1000, 1000) | st.sampled_from([-0.01, 0.0, 0.001, 0.01, 100.0, 100.01, 1e308]),
    st.data(),
)
def test_a_mirror_percentage_outside_0_to_100_is_refused(
    kind: str, percent: float, data: st.DataObject
) -> None:
    d = data.draw(deployments(kind))
    state = data.draw(states(kind))
    snap = data.draw(snapshots())
    p = router_for(kind).plan_mirror(d, state, snap, percent)
    assert_plan_facts(p, state, snap, "mirror")
    # 0 turns it off; anything else from the smallest a route can express to 100
    takes = percent == 0 or MIN_MIRROR_PERCENT <= percent <= 100
    assert bool(p.refusal) == (not takes), percent
    assert (p.after.stable_weight, p.after.canary_weight) == (
        p.before.stable_weight,
        p.before.canary_weight,
    )
    if not p.refusal:
        assert p.after.mirror_percent == percent
        assert p.after.canary_replicas >= p.before.canary_replicas
        rps = (
            rps_of(snap)
            if snap.tracks[Track.STABLE].requests_per_s is not None
            or (snap.tracks[Track.CANARY].requests_per_s is not None)
            else None
        )
        if rps is not None and percent > (p.before.mirror_percent or 0):
            live = rps / (1 + (p.before.mirror_percent or 0) / 100)
            load = live * (p.before.canary_percent + percent) / 100
            replicas = max(p.after.canary_replicas, p.before.canary_replicas)
            assert carries(replicas, load, 1.0, d)
            # frugal: warmed to exactly what carries the load beside its live share, and
            # only when it has fewer
            needed = math.ceil(load * (1 + d.headroom) / d.replica_capacity_rps - 1e-9)
            if needed > p.before.canary_replicas:
                assert p.warm_canary_to == p.after.canary_replicas == needed
            else:
                assert p.warm_canary_to is None
                assert p.after.canary_replicas == p.before.canary_replicas
        else:
            assert p.warm_canary_to is None


@budget(50)
@given(st.sampled_from(("kserve", "replicas")), st.floats(0, 100), st.data())
def test_routers_that_cannot_mirror_refuse_at_planning(
    kind: str, percent: float, data: st.DataObject
) -> None:
    p = router_for(kind).plan_mirror(
        data.draw(deployments(kind)), data.draw(states(kind)), data.draw(snapshots()), percent
    )
    assert p.refusal


@budget(100)
@given(cases(st.just("step")))
def test_failing_gates_or_no_rate_refuse_a_step_and_change_nothing(
    case: tuple[Any, ...],
) -> None:
    kind, d, state, snap, _ = case
    p = plan(kind, d, state, snap, "step", FAILING)
    assert p.refusal
    blind = snap.model_copy(
        update={"tracks": {t: TrackValues() for t in (Track.STABLE, Track.CANARY)}}
    )
    assert plan(kind, d, state, blind, "step").refusal


def fixed(kind: str, stable: int, ready: int, canary: int, canary_weight: int) -> ClusterState:
    weights = (stable, canary) if kind == "replicas" else (100 - canary_weight, canary_weight)
    return ClusterState(
        stable=DeploymentStatus(name="llama-stable", desired=stable, ready=ready),
        canary=DeploymentStatus(name="llama-canary", desired=canary, ready=canary),
        route=RouteState(
            kind=kind, name="llama", stable_weight=weights[0], canary_weight=weights[1]
        ),
    )


def rate(rps: float) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="llama",
        source="test",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=60.0,
        tracks={Track.STABLE: TrackValues(requests_per_s=rps), Track.CANARY: TrackValues()},
    )


EXACT = DeploymentConfig(
    name="llama",
    stable="llama-stable",
    canary="llama-canary",
    replica_capacity_rps=1.0,
    headroom=0.0,
)


@pytest.mark.parametrize(
    ("desired", "ready", "warm"),
    [(4, 4, None), (5, 4, None), (4, 3, 4), (3, 3, 4), (5, 3, 5), (3, 0, 4)],
)
def test_a_revert_waits_for_stable_exactly_when_it_is_short(
    desired: int, ready: int, warm: int | None
) -> None:
    """4 req/s at 1 req/s a replica: stable needs 4 ready before traffic comes back."""
    p = plan("httproute", EXACT, fixed("httproute", desired, ready, 2, 25), rate(4.0), "revert")
    assert p.warm_stable_to == warm
    assert p.after.stable_replicas == max(desired, 4)
    assert p.observed_rps == 4.0


@pytest.mark.parametrize(("canary", "warm"), [(1, 2), (2, None), (3, None)])
def test_a_mirror_warms_the_canary_only_when_it_has_too_few(canary: int, warm: int | None) -> None:
    """20 req/s, 5 % live and 5 % mirrored to the canary: 2 req/s, 2 replicas at 1 req/s."""
    router = router_for("httproute")
    p = router.plan_mirror(EXACT, fixed("httproute", 20, 20, canary, 5), rate(20.0), 5.0)
    assert p.warm_canary_to == warm
    assert p.after.canary_replicas == max(canary, 2)
    assert p.after.mirror_percent == 5.0
    # with 10 % already mirrored the live rate is 20 / 1.1, and raising it to 12 % needs 4
    state = fixed("httproute", 20, 20, 1, 5).model_copy(
        update={
            "route": RouteState(
                kind="httproute",
                name="llama",
                stable_weight=95,
                canary_weight=5,
                mirror_percent=10.0,
            )
        }
    )
    more = router.plan_mirror(EXACT, state, rate(22.0), 12.0)
    assert more.warm_canary_to == math.ceil(20.0 * 0.17 - 1e-9)
    lower = router.plan_mirror(EXACT, state, rate(22.0), 5.0)
    assert lower.warm_canary_to is None  # fewer copies need no warming


def test_refused_steps_carry_what_was_observed() -> None:
    for kind in ("httproute", "replicas"):
        d = EXACT.model_copy(update={"router": RouterConfig(kind=kind), "steps": (5.0, 10.0)})
        full = fixed(kind, 0, 0, 4, 100)  # everything on the canary: no step left
        p = router_for(kind).plan_step(d, full, rate(4.0), PASSING, False)
        assert p.refusal and p.action == "step"
        assert p.gates is PASSING and p.observed_rps == 4.0
        assert p.resource_version == full.route.resource_version
    capped = EXACT.model_copy(
        update={"router": RouterConfig(kind="replicas", max_replicas=2), "steps": (50.0,)}
    )
    p = router_for("replicas").plan_step(
        capped, fixed("replicas", 1, 1, 0, 0), rate(40.0), PASSING, False
    )
    assert p.refusal and p.gates is PASSING and p.observed_rps == 40.0
    assert p.notes  # the skipped step is named
    assert p.after == p.before


@budget(200)
@given(cases(st.just("finish")), st.integers(0, 5))
def test_a_release_finishes_only_at_100_with_a_canary_that_carries_everything(
    case: tuple[Any, ...], keep: int
) -> None:
    kind, d, state, snap, _ = case
    d = d.model_copy(update={"finish_keep_stable": keep})
    if state.route.canary_percent < 100 and kind != "replicas":
        # half the time, start from a full canary
        full = state.route.model_copy(update={"stable_weight": 0, "canary_weight": 100})
        state = state.model_copy(update={"route": full})
    p = router_for(kind).plan_finish(d, state, snap)
    assert_plan_facts(p, state, snap, "finish")
    b, a = p.before, p.after
    # traffic does not move, the canary keeps its replicas; stable keeps at most `keep` warm
    assert (a.stable_weight, a.canary_weight, a.canary_replicas) == (
        b.stable_weight,
        b.canary_weight,
        b.canary_replicas,
    )
    assert a.stable_replicas == min(keep, b.stable_replicas)
    assert a.mirror_percent is None
    rps = rps_of(snap)
    needed = max(math.ceil(rps / d.replica_capacity_rps - 1e-9), 1)  # the load it carries
    ready = state.canary.ready
    may = b.canary_percent >= 100 - 1e-9 and ready >= needed and not b.mirror_percent
    assert (not p.refusal) == may, (b, ready, needed, p.refusal)


@pytest.mark.parametrize(
    ("ready", "mirror", "weight", "ok"),
    [
        (4, None, 100, True),
        (3, None, 100, False),
        (5, None, 100, True),
        (4, 10.0, 100, False),
        (4, None, 99, False),
    ],
)
def test_finish_edges(ready: int, mirror: float | None, weight: int, ok: bool) -> None:
    """4 req/s at 1 req/s a replica: the canary needs 4 ready to carry everything alone."""
    state = ClusterState(
        stable=DeploymentStatus(name="llama-stable", desired=3, ready=3),
        canary=DeploymentStatus(name="llama-canary", desired=5, ready=ready),
        route=RouteState(
            kind="httproute",
            name="llama",
            stable_weight=100 - weight,
            canary_weight=weight,
            mirror_percent=mirror,
            resource_version="9",
        ),
    )
    p = router_for("httproute").plan_finish(EXACT, state, rate(4.0))
    assert (not p.refusal) == ok
    assert p.after.stable_replicas == 0 and p.after.canary_replicas == 5
    assert p.observed_rps == 4.0 and p.resource_version == "9"


def test_what_the_route_should_read_after_a_failure() -> None:
    """After a failure the route is read again and compared with what the action has done: the
    plan's before until its route write went through, its after once it did; with the replica
    ratio, the counts each track was left at."""
    d = EXACT.model_copy(update={"steps": (5.0, 10.0)})
    state = fixed("httproute", 4, 4, 1, 5).model_copy(
        update={
            "route": RouteState(
                kind="httproute",
                name="llama",
                stable_weight=95,
                canary_weight=5,
                mirror_percent=10.0,
            )
        }
    )
    weights = router_for("httproute")
    p = weights.plan_step(d, state, rate(20.0), PASSING, False)
    done = Done()
    assert weights.expected_route(p, done) == (95, 5, 10.0)
    done.route_written = True
    assert weights.expected_route(p, done) == (90, 10, 10.0)
    ratio = router_for("replicas")
    rd = d.model_copy(update={"router": RouterConfig(kind="replicas")})
    rp = ratio.plan_step(rd, fixed("replicas", 19, 19, 1, 0), rate(20.0), PASSING, False)
    done = Done()
    assert ratio.expected_route(rp, done)[:2] == (19, 1)
    done.scaled_to(Track.CANARY, 1, 3)
    assert ratio.expected_route(rp, done)[:2] == (19, 3)
    done.scaled_to(Track.STABLE, 19, 27)
    done.scaled_to(Track.CANARY, 3, 4)
    assert ratio.expected_route(rp, done)[:2] == (27, 4)
    assert done.scaled[Track.CANARY] == (1, 4)  # from what it had before the action


def test_the_next_weight_a_header_shows() -> None:
    d = EXACT.model_copy(update={"steps": (5.0, 10.0, 100.0)})
    weights = router_for("httproute")
    assert [weights.next_percent(d, w) for w in (0, 5, 7, 10, 100)] == [5, 10, 10, 100, None]
    assert router_for("replicas").next_percent(d, 5) is None  # only its plan can say
