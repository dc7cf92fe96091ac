"""Canary actions carried out on the simulated cluster from generated starting splits: what the
cluster reads afterwards, not which calls were made. A revert always ends with all traffic on a
stable that can carry it and the mirror off; an emergency revert shifts at once, over a
concurrent change if need be; a step ends exactly at its plan."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.audit import verify
from console.errors import ConflictError
from console.model import Track
from tests.budget import budget
from tests.canary_support import RecordingCluster, controller, run_driven

CAPACITY = 1.0


def start(
    cluster: RecordingCluster,
    spec: object,
    canary_pct: int,
    stable: int,
    canary: int,
    mirror: float | None,
) -> None:
    inner = cluster.inner
    inner.set_weights(spec, 100 - canary_pct, canary_pct, inner.read(spec).route.resource_version)
    if mirror is not None:
        inner.set_mirror(spec, mirror, inner.read(spec).route.resource_version)
    inner.scale(spec, Track.STABLE, stable)
    inner.scale(spec, Track.CANARY, canary)


@budget(8)
@given(
    st.sampled_from([5, 25, 50, 100]),
    st.integers(1, 5),
    st.integers(1, 5),
    st.sampled_from([None, 20.0]),
    st.booleans(),
)
def test_a_revert_ends_with_stable_carrying_everything(
    tmp_path_factory: pytest.TempPathFactory,
    canary_pct: int,
    stable: int,
    canary: int,
    mirror: float | None,
    emergency: bool,
) -> None:
    ctl, cluster, clock, audit = controller(
        tmp_path_factory.mktemp("c"), replica_capacity_rps=CAPACITY
    )
    start(cluster, ctl.spec, canary_pct, stable, canary, mirror)
    action = "emergency-revert" if emergency else "revert"
    plan, _ = ctl.plan(action)
    result, _ = run_driven(ctl, clock, action)
    assert result.ok, result.message
    after = cluster.inner.read(ctl.spec)
    assert (after.route.stable_weight, after.route.canary_weight) == (100, 0)
    assert not after.route.mirror_percent  # a revert ends the mirror
    needed = (plan.observed_rps or 0.0) * (1 + ctl.deployment.headroom) / CAPACITY
    if emergency:
        assert after.canary.desired == canary  # kept: only traffic moved
        assert [w[0] for w in cluster.writes()].count("scale") == 0
    else:
        assert after.canary.desired == 0
        assert after.stable.ready >= max(math.ceil(needed - 1e-9), 1)
        assert after.stable.desired >= stable
    assert verify(audit).ok


def test_an_emergency_revert_writes_again_over_a_concurrent_change(tmp_path: Path) -> None:
    ctl, cluster, _clock, audit = controller(tmp_path)
    start(cluster, ctl.spec, 25, 4, 2, 20.0)
    plan, snapshot = ctl.plan("emergency-revert")
    # someone moves the route (and the mirror) after it was read
    inner = cluster.inner
    inner.set_weights(ctl.spec, 60, 40, inner.read(ctl.spec).route.resource_version)
    result = ctl.run(plan, snapshot, threading.Event())  # the plan read before the change
    assert result.ok, result.message
    after = inner.read(ctl.spec)
    assert (after.route.stable_weight, after.route.canary_weight) == (100, 0)
    assert not after.route.mirror_percent
    assert "409" in result.message  # it says it wrote over someone else's change
    assert verify(audit).ok
    assert plan.after.stable_weight == 100


def test_an_emergency_revert_turns_the_mirror_off_over_a_conflict(tmp_path: Path) -> None:
    ctl, cluster, clock, _ = controller(tmp_path)
    start(cluster, ctl.spec, 25, 4, 2, 20.0)
    inner = cluster.inner
    original = inner.set_mirror
    conflicts = []

    def set_mirror_once_conflicting(spec: object, percent: float, rv: str) -> object:
        if not conflicts:
            conflicts.append(rv)
            raise ConflictError("mirror changed meanwhile")
        return original(spec, percent, inner.read(spec).route.resource_version)

    inner.set_mirror = set_mirror_once_conflicting  # type: ignore[method-assign]
    result, _ = run_driven(ctl, clock, "emergency-revert")
    assert result.ok, result.message
    assert conflicts and not inner.read(ctl.spec).route.mirror_percent


@budget(8)
@given(st.sampled_from([1, 5, 10, 25]), st.integers(2, 6), st.booleans())
def test_a_step_ends_exactly_at_its_plan(
    tmp_path_factory: pytest.TempPathFactory, canary_pct: int, stable: int, trim: bool
) -> None:
    ctl, cluster, clock, audit = controller(
        tmp_path_factory.mktemp("c"), trim=trim, steps=(1, 5, 10, 25, 50, 100)
    )
    start(cluster, ctl.spec, canary_pct, stable, 1, None)
    plan, _ = ctl.plan("step")
    result, _ = run_driven(ctl, clock, "step")
    after = cluster.inner.read(ctl.spec)
    if plan.refusal:
        assert result.outcome == "refused"
        assert after.route.canary_weight == canary_pct
        return
    assert result.ok, result.message
    assert (after.route.stable_weight, after.route.canary_weight) == (
        plan.after.stable_weight,
        plan.after.canary_weight,
    )
    assert after.canary.desired == plan.after.canary_replicas >= 1
    assert after.canary.ready >= plan.after.canary_replicas  # warmed before the shift
    assert after.stable.desired == plan.after.stable_replicas
    if not trim:
        assert after.stable.desired == stable
    assert verify(audit).ok
