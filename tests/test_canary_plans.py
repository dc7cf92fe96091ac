"""Canary planning at its edges, in-process: the replica ratio's counts are the fewest that keep
the canary at or under its step and as close to it as whole replicas allow; which step it
chooses (skipping steps whole replicas cannot reach or the cap forbids); how a weighted step,
a mirror and a finish are sized (with no observed rate too); what a plan carries into its run
(gates, the counts it waits for, an empty refusal when it may run)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.canary.plan import Plan, Split, needed_replicas, plan_finish, plan_mirror
from console.canary.replicas import choose_step, replica_counts
from console.canary.routers import router_for
from console.canary.weights import WeightRouter
from console.config import DeploymentConfig, RouterConfig
from console.model import ClusterState, DeploymentStatus, RouteState
from tests.budget import budget
from tests.canary_fake import PASSING, cluster, deployment, snapshot


def state(
    kind: str, stable: int, canary: int, weights: tuple[int, int] | None = None
) -> ClusterState:
    return cluster(kind, stable, canary, weights or (100 - 5, 5)).state()


def share(stable: int, canary: int) -> float:
    return 100.0 * canary / (stable + canary)


# -- the replica ratio's counts ------------------------------------------------------------------

NICE_RATES = st.integers(0, 400).map(lambda n: n / 4)  # quarter req/s: no rounding surprises
NICE_STEPS = st.sampled_from(
    [1.0, 2.5, 5.0, 10.0, 12.5, 20.0, 25.0, 30.0, 50.0, 60.0, 75.0, 90.0, 100.0]
)


@budget(300)
@given(
    NICE_RATES,
    NICE_STEPS,
    st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0, 10.0]),
    st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    st.integers(0, 3),
    st.integers(0, 12),
    st.integers(0, 12),
)
def test_replica_counts_are_the_fewest_that_keep_the_canary_at_its_step(
    rps: float,
    percent: float,
    capacity: float,
    headroom: float,
    min_canary: int,
    stable_before: int,
    canary_before: int,
) -> None:
    d = deployment(
        "replicas",
        replica_capacity_rps=capacity,
        headroom=headroom,
        min_canary_replicas=min_canary,
    )
    before = Split(stable_before, canary_before, stable_before, canary_before)
    stable, canary = replica_counts(d, before, rps, percent)

    def need(part: float) -> int:
        return needed_replicas(rps, part, capacity, headroom)

    fewest = max(need(percent / 100), min_canary, 1, canary_before)
    everything = need(1.0)
    if percent >= 100:
        assert (stable, canary) == (0, max(fewest, everything))
        return
    # never fewer than the canary has, its minimum, one, or what its share needs
    assert canary >= fewest
    # never above the step, and as close to it as whole replicas allow: one more canary
    # replica would put it above (exact arithmetic on these quarter values)
    assert canary * (100 - percent) <= stable * percent
    assert canary == fewest or (canary + 1) * (100 - percent) > stable * percent
    # stable carries its share, both together carry everything
    assert stable >= max(need(1 - percent / 100), 1)
    assert stable + canary >= everything
    # the fewest stable replicas that hold the fewest canary replicas at or under the step
    smaller = stable - 1
    assert (
        smaller < 1
        or fewest * (100 - percent) > smaller * percent
        or smaller < need(1 - percent / 100)
        or smaller + max(fewest, math.floor(smaller * percent / (100 - percent))) < everything
    )


def test_replica_counts_at_their_edges() -> None:
    bare = deployment("replicas", replica_capacity_rps=1.0, min_canary_replicas=0)

    def counts(d: DeploymentConfig, stable: int, canary: int, rps: float, p: float) -> tuple:
        return replica_counts(d, Split(stable, canary, stable, canary), rps, p)

    assert counts(bare, 4, 0, 0.0, 1) == (99, 1)  # at least one canary replica, whatever else
    assert counts(bare, 1, 0, 0.0, 75) == (1, 3)  # as many canary replicas as 75 % allows
    # a step a hair under 100 % still keeps one stable replica (else it would be 100 %)
    stable, canary = counts(bare, 1, 1, 0.0, 99.9999999999)
    assert stable >= 1 and share(stable, canary) <= 99.9999999999
    # 202 req/s at 1 a replica, half of it: 101 each
    assert counts(bare, 1, 1, 202.0, 50) == (101, 101)
    assert counts(bare, 5, 4, 0.5, 30) == (10, 4)  # never fewer canary replicas; 4 : 10 is 28.6 %
    assert counts(bare, 5, 1, 8.0, 100) == (0, 8)


def choose(d: DeploymentConfig, stable: int, canary: int, rps: float) -> tuple:
    chosen, over_cap = choose_step(d, Split(stable, canary, stable, canary), rps)
    return chosen, over_cap


def test_a_ratio_step_close_above_the_share_is_taken_when_whole_replicas_reach_it() -> None:
    d = deployment("replicas", steps=(5.0, 5.5, 10.0))
    chosen, _ = choose(d, 19, 1, 0.5)  # 5 %: one more stable-free canary share of 5.26 %
    assert chosen == (5.5, 18, 1)


def test_a_ratio_step_whole_replicas_cannot_reach_is_passed_over() -> None:
    d = deployment("replicas", steps=(25.0, 26.0, 50.0))
    chosen, over_cap = choose(d, 3, 1, 0.5)  # 26 % is 3 : 1 again, 25 %: not a step
    assert chosen == (50.0, 1, 1) and over_cap == []


def test_a_ratio_step_with_no_step_within_the_cap_only_says_why() -> None:
    d = deployment(
        "replicas", steps=(10.0, 12.0), router=RouterConfig(kind="replicas", max_replicas=5)
    )
    p = router_for("replicas").plan_step(d, state("replicas", 9, 1), snapshot(2.0), PASSING, False)
    assert p.refusal and p.after == p.before
    assert p.notes and p.describe() == list(p.notes)  # nothing to do: only the skipped step


def test_an_emergency_ratio_revert_says_what_it_does_not_wait_for() -> None:
    router = router_for("replicas")
    st_ = state("replicas", 1, 3)
    emergency = router.plan_revert(deployment("replicas"), st_, snapshot(4.0), True)
    assert len(emergency.notes) == 1 and emergency.notes[0] in emergency.lines
    assert router.plan_revert(deployment("replicas"), st_, snapshot(4.0), False).notes == ()


def test_a_ratio_step_over_the_cap_is_passed_over_for_the_next_within_it() -> None:
    # 20 req/s at 10 a replica from 9 : 1: 12 % needs 8 : 1, over a cap of 5; 25 % is 3 : 1
    d = deployment(
        "replicas",
        steps=(10.0, 12.0, 25.0, 100.0),
        replica_capacity_rps=10.0,
        router=RouterConfig(kind="replicas", max_replicas=5),
    )
    chosen, over_cap = choose(d, 9, 1, 20.0)
    assert chosen == (25.0, 3, 1) and over_cap == [(12.0, 8, 1)]


def test_a_ratio_step_to_100_percent_takes_the_canary_alone() -> None:
    chosen, _ = choose(deployment("replicas", steps=(50.0, 100.0)), 1, 1, 0.0)
    assert chosen == (100.0, 0, 1)


def test_a_ratio_step_at_exactly_the_cap_is_allowed() -> None:
    d = deployment(
        "replicas", steps=(10.0, 25.0, 100.0), router=RouterConfig(kind="replicas", max_replicas=3)
    )
    chosen, over_cap = choose(d, 9, 1, 0.5)
    assert chosen == (25.0, 3, 1) and over_cap == []


def test_a_ratio_step_plan_carries_its_gates_and_the_counts_it_waits_for() -> None:
    d = deployment("replicas")
    for stable, rps in ((5, 8.0), (5, 2.0), (6, 8.0)):
        p = router_for("replicas").plan_step(
            d, state("replicas", stable, 1), snapshot(rps), PASSING, False
        )
        assert p.refusal == "" and p.gates is PASSING
        assert p.notes and set(p.notes) <= set(p.lines)  # its step and counts, in its words
        assert p.warm_stable_to == p.after.stable_replicas
        assert p.warm_canary_to == p.after.canary_replicas
        # stable is trimmed only when it ends with fewer than it had
        trimmed = p.after.stable_replicas < p.before.stable_replicas
        assert (p.trim_stable_to is not None) == trimmed


def test_a_step_with_no_observed_rate_is_sized_on_no_load() -> None:
    """Refused (nothing to size with), but the plan records what it would have done: the
    smallest canary its rules allow."""
    blind = snapshot(None, None)
    ratio = router_for("replicas").plan_step(
        deployment("replicas", replica_capacity_rps=0.05),
        state("replicas", 19, 1),
        blind,
        PASSING,
        False,
    )
    assert ratio.refusal
    assert (ratio.after.stable_replicas, ratio.after.canary_replicas) == (9, 1)
    d = deployment(replica_capacity_rps=0.01, min_canary_replicas=2)
    weighted = router_for("httproute").plan_step(d, state("httproute", 20, 1), blind, PASSING, True)
    assert weighted.refusal
    assert weighted.warm_canary_to == 2  # its minimum, not a rate's need
    assert weighted.trim_stable_to == 1  # no load: one stable replica carries it


# -- a weighted step ----------------------------------------------------------------------------


def test_a_weighted_step_warms_the_canary_to_its_minimum() -> None:
    d = deployment(min_canary_replicas=3)
    p = router_for("httproute").plan_step(
        d, state("httproute", 4, 1), snapshot(0.5), PASSING, False
    )
    assert p.warm_canary_to == 3 == p.after.canary_replicas
    assert p.refusal == ""


@pytest.mark.parametrize(
    ("stable", "rps", "trim"),
    [(100, 100.0, 90), (91, 100.0, 90), (90, 100.0, None), (5, 1.0, 1), (1, 1.0, None)],
)
def test_a_weighted_trim_leaves_stable_exactly_what_its_share_needs(
    stable: int, rps: float, trim: int | None
) -> None:
    """10 %: stable keeps 90 % of the load at 1 req/s a replica, and at least one."""
    d = deployment(steps=(5.0, 10.0))
    p = router_for("httproute").plan_step(
        d, state("httproute", stable, 20), snapshot(rps), PASSING, True
    )
    assert p.trim_stable_to == trim
    assert p.after.stable_replicas == (trim or stable)


def test_the_next_weight_a_header_shows_from_a_fractional_share() -> None:
    d = deployment(steps=(5.0, 10.0, 34.0, 50.0))
    weights = router_for("httproute")
    assert weights.next_percent(d, 33.3) == 34  # 1 : 2 weights
    assert weights.next_percent(d, 9.5) == 10


def test_a_weighted_revert_that_may_run_has_an_empty_refusal() -> None:
    p = router_for("httproute").plan_revert(
        deployment(), state("httproute", 4, 1), snapshot(4.0), False
    )
    assert p.refusal == ""


# -- mirrors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "takes"),
    [
        (-0.01, False),
        (0.0, True),
        (0.005, False),
        (0.01, True),
        (50.0, True),
        (100.0, True),
        (100.01, False),
        (100.5, False),
        (101.0, False),
    ],
)
def test_a_mirror_percentage_is_taken_from_0_01_to_100_or_0(percent: float, takes: bool) -> None:
    p = plan_mirror(state("httproute", 4, 1), percent)
    assert (p.refusal == "") == takes
    # a mirror changes nothing but the mirror
    assert replace(p.after, mirror_percent=None) == replace(p.before, mirror_percent=None)


def test_a_mirror_of_under_1_percent_is_sized_too() -> None:
    # 1000 req/s at 1 a replica, no live share: half a percent mirrored is 5 req/s
    p = router_for("httproute").plan_mirror(
        deployment(), state("httproute", 1000, 1, (100, 0)), snapshot(1000.0), 0.5
    )
    assert p.warm_canary_to == 5


def test_setting_the_mirror_to_what_it_is_warms_nothing() -> None:
    # the canary is short of its own live share: a mirror that adds nothing warms nothing
    for current in (None, 10.0):
        st_ = state("httproute", 20, 1, (50, 50))
        st_ = st_.model_copy(
            update={"route": st_.route.model_copy(update={"mirror_percent": current})}
        )
        p = router_for("httproute").plan_mirror(deployment(), st_, snapshot(20.0), current or 0.0)
        assert p.warm_canary_to is None and p.after.canary_replicas == 1


def test_a_mirror_is_sized_on_the_live_rate_without_the_copies() -> None:
    # 22 req/s read with 10 % mirrored: 20 live; 5 % live + 15 % mirrored is exactly 4 req/s
    route = RouteState(
        kind="httproute", name="llama", stable_weight=95, canary_weight=5, mirror_percent=10.0
    )
    st_ = state("httproute", 20, 1).model_copy(update={"route": route})
    p = router_for("httproute").plan_mirror(deployment(), st_, snapshot(22.0), 15.0)
    assert p.warm_canary_to == 4


def test_a_mirror_plan_says_how_it_was_sized_whether_or_not_it_warms() -> None:
    router = router_for("httproute")
    for canary, warms in ((1, True), (4, False)):
        p = router.plan_mirror(deployment(), state("httproute", 20, canary), snapshot(20.0), 5.0)
        assert (p.warm_canary_to is not None) == warms
        assert len(p.notes) == 1 and p.notes[0] in p.lines  # the sizing, in the plan's words
        # the warm-up is named (with the counts it writes) exactly when there is one
        named = [line for line in p.lines if f"{canary} → 2" in line]
        assert len(named) == (1 if warms else 0)


def test_a_weighted_router_mirrors_unless_given_a_reason_not_to() -> None:
    plain, refusing = WeightRouter(), WeightRouter(mirror_refusal="this route cannot mirror")
    st_, snap = state("httproute", 20, 4), snapshot(20.0)
    assert plain.plan_mirror(deployment(), st_, snap, 5.0).refusal == ""
    assert refusing.plan_mirror(deployment(), st_, snap, 5.0).refusal == "this route cannot mirror"


# -- finishing ---------------------------------------------------------------------------------


def full(stable: int, canary: int, ready: int) -> ClusterState:
    return ClusterState(
        stable=DeploymentStatus(name="llama-v1", desired=stable, ready=stable),
        canary=DeploymentStatus(name="llama-v2", desired=canary, ready=ready),
        route=RouteState(kind="httproute", name="llama", stable_weight=0, canary_weight=100),
    )


def test_a_finish_with_no_observed_rate_needs_one_ready_canary_replica() -> None:
    d = deployment(replica_capacity_rps=0.5)
    assert plan_finish(d, full(3, 2, 1), snapshot(None, None)).refusal == ""
    assert plan_finish(d, full(3, 2, 0), snapshot(None, None)).refusal


def test_a_finish_plan_names_the_scale_it_will_write() -> None:
    router = router_for("httproute")
    for keep, scales in ((1, True), (3, False)):
        d = deployment(finish_keep_stable=keep)
        p: Plan = router.plan_finish(d, full(3, 4, 4), snapshot(4.0))
        assert p.refusal == "" and p.describe() == list(p.lines)
        assert p.lines  # the operator confirms what they read
        assert any(f"3 → {keep}" in line for line in p.lines) == scales


# -- needed replicas -----------------------------------------------------------------------------


def test_needed_replicas_is_never_negative_and_counts_fractions_of_a_replica() -> None:
    assert needed_replicas(-5.0, 0.5, 1.0, 0.0) == 0  # a rate read below zero needs nothing
    assert needed_replicas(0.5, 1.0, 0.1, 0.0) == 5  # under 1 req/s still needs replicas
    assert needed_replicas(4.0, 0.0, 1.0, 0.0) == 0
