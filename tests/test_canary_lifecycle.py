"""A whole release on the simulated fleet, in order: every step to 100 %, finish; a revert and a
resume from 0 %; mirroring sized against the canary's capacity and ended by a revert."""

from __future__ import annotations

import json
from pathlib import Path

from console.audit import verify
from console.model import Track
from tests.canary_support import controller, run_driven

SETTLE_S = 310.0  # a whole gate window after each weight change


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_step_to_100_then_finish(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(
        tmp_path, finish_keep_stable=1, replica_capacity_rps=1.5
    )
    refused, _ = run_driven(ctl, clock, "finish")
    assert refused.outcome == "refused" and "finishes at 100%" in refused.message
    seen = []
    while True:
        clock.advance(SETTLE_S)
        plan, _ = ctl.plan("step")
        if plan.refusal.endswith("no step left"):
            break
        assert not plan.refusal, plan.refusal
        result, _ = run_driven(ctl, clock, "step")
        assert result.ok, result.message
        seen.append(cluster.inner.read(ctl.spec).route.canary_percent)
    assert seen == [10, 25, 50, 100]
    stable_before = cluster.inner.read(ctl.spec).stable.desired
    assert stable_before > 1
    result, _ = run_driven(ctl, clock, "finish")
    assert result.ok, result.message
    assert result.message.startswith(f"release complete: canary at 100%, stable {stable_before}")
    state = cluster.inner.read(ctl.spec)
    assert (state.stable.desired, state.route.canary_percent) == (1, 100)
    last = records(audit)[-1]
    assert (last["action"], last["outcome"]) == ("finish", "ok")
    assert [e.reason for e in cluster.inner.events][-1] == "CanaryFinish"
    assert verify(audit).ok


def test_a_revert_then_a_resume_from_zero(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path)
    result, _ = run_driven(ctl, clock, "revert")
    assert result.ok, result.message
    assert cluster.inner.read(ctl.spec).route.canary_weight == 0
    clock.advance(SETTLE_S)
    plan, _ = ctl.plan("step")
    # At 0 % there is no canary traffic to compare: stable's health is judged instead, and the
    # step warms the canary (it was scaled to 0) before it gets its first share.
    assert not plan.refusal, plan.refusal
    assert plan.gates is not None
    assert {g.name for g in plan.gates.results} == {"stable_health", "canary"}
    assert plan.warm_canary_to is not None and plan.warm_canary_to >= 1
    result, _ = run_driven(ctl, clock, "step")
    assert result.ok, result.message
    state = cluster.inner.read(ctl.spec)
    assert state.route.canary_percent == 1
    assert state.canary.ready >= 1
    kinds = [w[0] for w in cluster.writes()]
    # revert (weights, scale canary to 0), then the resume warms before it shifts
    assert kinds[-3:] == ["scale", "ready", "set_weights"]
    assert verify(audit).ok


def test_a_mirror_warms_the_canary_for_its_load_and_a_revert_ends_it(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, replica_capacity_rps=2.0)
    plan, _ = ctl.plan("mirror", 20.0)
    assert plan.warm_canary_to is not None and plan.warm_canary_to > plan.before.canary_replicas
    assert any("mirrored beside" in line for line in plan.describe())
    result, _ = run_driven(ctl, clock, "mirror", 20.0)
    assert result.ok, result.message
    kinds = [w[0] for w in cluster.writes()]
    assert kinds == ["scale", "ready", "set_mirror"]  # warmed before a single copy arrives
    assert cluster.inner.read(ctl.spec).route.mirror_percent == 20.0
    revert, _ = ctl.plan("revert")
    assert any("turn the mirror off" in line for line in revert.describe())
    result, _ = run_driven(ctl, clock, "revert")
    assert result.ok, result.message
    route = cluster.inner.read(ctl.spec).route
    assert (route.canary_weight, route.mirror_percent or 0.0) == (0, 0.0)
    assert "mirror off" in result.message or records(audit)[-1]["after"]["mirror_percent"] == 0
    assert verify(audit).ok


def test_an_emergency_revert_ends_the_mirror_too(tmp_path: Path) -> None:
    ctl, cluster, clock, _ = controller(tmp_path)
    run_driven(ctl, clock, "mirror", 10.0)
    result, _ = run_driven(ctl, clock, "emergency-revert")
    assert result.ok, result.message
    route = cluster.inner.read(ctl.spec).route
    assert (route.canary_weight, route.mirror_percent or 0.0) == (0, 0.0)
    assert cluster.inner.read(ctl.spec).track(Track.CANARY).desired >= 1  # replicas kept
