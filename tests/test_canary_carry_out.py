"""Carrying canary actions out, in-process on a cluster in memory (``tests/canary_fake.py``):
what each router writes and in which order, what it waits for, which progress phases it
reports, the outcome and the split it leaves; what it refuses and what it undoes when replicas
never get ready, when someone else changes the cluster meanwhile, or when a write fails."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.audit import verify
from console.canary.plan import Split, split_of
from console.errors import ConflictError, SourceError
from console.model import Track
from tests.budget import budget
from tests.canary_fake import FakeCluster, cluster, phases, rig

S, C = Track.STABLE, Track.CANARY


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def fail(err: Exception) -> object:
    def hook() -> None:
        raise err

    return hook


def lost_answer(fake: FakeCluster, change: object, err: Exception) -> object:
    """The write is done, but its answer never arrives."""

    def hook() -> None:
        change()  # type: ignore[operator]
        raise err

    return hook


def waits(fake: FakeCluster) -> list[tuple[object, ...]]:
    return [c for c in fake.log if c[0] in ("scale", "weights", "mirror", "wait")]


# -- a weighted route ----------------------------------------------------------------------------


def test_a_step_warms_the_canary_shifts_then_trims_stable(tmp_path: Path) -> None:
    # 40 req/s at 1 a replica: 10 % needs 4 canary replicas; stable needs 36 of its 50.
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    r = rig(tmp_path, fake, rps=40.0)
    plan = r.plan("step", trim=True)
    assert (plan.warm_canary_to, plan.trim_stable_to) == (4, 36)
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [
        ("scale", C, 4, None),
        ("wait", C, 4),
        ("weights", 90, 10, "1"),  # the version read when planning
        ("scale", S, 36, None),
    ]
    assert phases(seen) == ["warm", "shift", "trim", "done"]
    assert result.after == plan.after == split_of(fake.state())
    assert (fake.desired[S], fake.desired[C], fake.weights) == (36, 4, (90, 10))
    assert fake.events == [("CanaryStep", False)]
    intent, outcome = records(r.audit)
    assert (intent["outcome"], outcome["outcome"]) == (None, "ok")
    assert outcome["before"]["replicas"] == {"stable": 50, "canary": 1}
    assert outcome["after"]["replicas"] == {"stable": 36, "canary": 4}
    assert verify(r.audit).ok


def test_a_step_with_enough_canary_replicas_only_checks_they_are_ready(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=3, weights=(95, 5))
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("step")
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("wait", C, 3), ("weights", 90, 10, "1")]
    assert phases(seen) == ["warm", "shift", "done"]
    assert result.after == split_of(fake.state())


def test_a_step_whose_trim_fails_keeps_its_shift_and_says_partial(tmp_path: Path) -> None:
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    fake.before[("scale", 2)] = fail(SourceError("deployments is forbidden"))
    r = rig(tmp_path, fake, rps=40.0)
    result, seen = r.run(r.plan("step", trim=True))
    assert result.outcome == "partial"
    assert fake.weights == (90, 10) and fake.desired[S] == 50  # shifted, never undone
    assert phases(seen) == ["warm", "shift", "trim", "done"]
    assert result.after == split_of(fake.state())
    assert records(r.audit)[-1]["outcome"] == "partial"


def test_a_step_whose_canary_never_gets_ready_is_scaled_back_unshifted(tmp_path: Path) -> None:
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    fake.never_ready = {C}
    r = rig(tmp_path, fake, rps=40.0)
    plan = r.plan("step", trim=True)
    result, seen = r.run(plan)
    assert result.outcome == "refused", result.message
    assert result.plan is plan
    assert fake.writes() == [("scale", C, 4, None), ("scale", C, 1, None)]
    assert (fake.weights, fake.desired[C], fake.desired[S]) == ((95, 5), 1, 50)
    assert "shift" not in phases(seen)
    assert result.after == split_of(fake.state())


def test_a_weighted_scale_back_restores_the_count_whoever_changed_it(tmp_path: Path) -> None:
    # A weighted route's writes do not check counts: the scale-back puts back what it had.
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    fake.never_ready = {C}
    fake.before[("wait_ready", 1)] = lambda: fake.someone_scales(C, 6)
    r = rig(tmp_path, fake, rps=40.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "refused", result.message
    assert fake.desired[C] == 1


def test_a_step_over_a_route_changed_since_planning_stops_and_warms_back(tmp_path: Path) -> None:
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    r = rig(tmp_path, fake, rps=40.0)
    plan = r.plan("step")
    fake.someone_moves_the_route()
    result, _ = r.run(plan)
    assert result.outcome == "partial"  # the canary was warmed; the shift was refused
    assert fake.weights == (95, 5)
    assert fake.writes()[-1] == ("weights", 90, 10, "1")


def test_a_shift_whose_answer_is_lost_is_read_back_as_partial(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=3, weights=(95, 5))
    fake.before[("set_weights", 1)] = lost_answer(
        fake, lambda: setattr(fake, "weights", (90, 10)), SourceError("connection reset")
    )
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "partial"  # not "failed": the route says it was done
    assert result.after == split_of(fake.state())


def test_a_shift_that_fails_before_writing_is_failed(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=3, weights=(95, 5))
    fake.before[("set_weights", 1)] = fail(SourceError("connection refused"))
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "failed"
    assert fake.weights == (95, 5)


def test_a_revert_warms_stable_shifts_ends_the_mirror_then_scales_the_canary_down(
    tmp_path: Path,
) -> None:
    # 4 req/s at 1 a replica: stable needs 4 before it takes everything back.
    fake = cluster(stable=2, canary=3, weights=(50, 50), mirror=20.0)
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("revert")
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [
        ("scale", S, 4, None),
        ("wait", S, 4),
        ("weights", 100, 0, "1"),
        ("mirror", 0.0, "2"),  # the version after its own shift
        ("scale", C, 0, None),
    ]
    assert phases(seen) == ["warm", "shift", "shift", "scale", "done"]
    assert (fake.weights, fake.mirror, fake.desired[S], fake.desired[C]) == ((100, 0), None, 4, 0)
    assert result.after == plan.after
    assert fake.events == [("CanaryRevert", False)]


def test_a_revert_waits_for_a_stable_short_of_ready_pods_without_scaling_it(
    tmp_path: Path,
) -> None:
    fake = cluster(stable=4, canary=1, weights=(95, 5), stable_ready=3)
    r = rig(tmp_path, fake, rps=4.0)
    result, seen = r.run(r.plan("revert"))
    assert result.ok, result.message
    assert waits(fake) == [("wait", S, 4), ("weights", 100, 0, "1"), ("scale", C, 0, None)]
    assert phases(seen) == ["warm", "shift", "scale", "done"]


def test_a_revert_with_a_canary_already_at_zero_only_shifts(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=0, weights=(95, 5))
    r = rig(tmp_path, fake, rps=4.0)
    result, seen = r.run(r.plan("revert"))
    assert result.ok, result.message
    assert fake.writes() == [("weights", 100, 0, "1")]
    assert phases(seen) == ["shift", "done"]


def test_a_revert_whose_canary_scale_fails_after_the_mirror_is_partial(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=2, weights=(50, 50), mirror=10.0)
    fake.before[("scale", 1)] = fail(SourceError("deployments is forbidden"))
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("revert"))
    assert result.outcome == "partial"
    assert (fake.weights, fake.mirror, fake.desired[C]) == ((100, 0), None, 2)
    assert result.after == split_of(fake.state())


def test_a_revert_whose_stable_never_gets_ready_shifts_nothing(tmp_path: Path) -> None:
    fake = cluster(stable=2, canary=3, weights=(50, 50))
    fake.never_ready = {S}
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("revert"))
    # stable's new replicas stay: only a step's replicas are scaled back
    assert result.outcome == "partial", result.message
    assert fake.writes() == [("scale", S, 4, None)]
    assert (fake.weights, fake.desired[S]) == ((50, 50), 4)


def test_an_emergency_revert_shifts_and_ends_the_mirror_at_once(tmp_path: Path) -> None:
    fake = cluster(stable=1, canary=3, weights=(50, 50), mirror=20.0)
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("emergency-revert")
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("weights", 100, 0, "1"), ("mirror", 0.0, "2")]
    assert phases(seen) == ["shift", "shift", "done"]
    assert (fake.desired[S], fake.desired[C]) == (1, 3)  # nothing scaled, nothing waited for
    assert result.after == plan.after


def test_an_emergency_revert_writes_again_over_a_concurrent_change(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=3, weights=(50, 50), mirror=20.0)
    fake.before[("set_weights", 1)] = fake.someone_moves_the_route
    fake.before[("set_mirror", 1)] = fake.someone_moves_the_route
    r = rig(tmp_path, fake, rps=4.0)
    result, seen = r.run(r.plan("emergency-revert"))
    assert result.ok, result.message
    assert fake.writes() == [
        ("weights", 100, 0, "1"),
        ("weights", 100, 0, "2"),  # read again, written again
        ("mirror", 0.0, "3"),
        ("mirror", 0.0, "4"),
    ]
    assert phases(seen) == ["shift"] * 4 + ["done"]
    assert (fake.weights, fake.mirror) == ((100, 0), None)


def test_an_emergency_revert_stops_when_the_route_keeps_changing(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=3, weights=(50, 50))
    fake.before[("set_weights", 1)] = fake.someone_moves_the_route
    fake.before[("set_weights", 2)] = fake.someone_moves_the_route
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("emergency-revert"))
    assert result.outcome == "failed"
    assert fake.weights == (50, 50)


def test_a_mirror_warms_the_canary_for_its_copies_first(tmp_path: Path) -> None:
    # 20 req/s, 5 % live and 5 % mirrored: 2 req/s on the canary, 2 replicas at 1 req/s.
    fake = cluster(stable=20, canary=1, weights=(95, 5))
    r = rig(tmp_path, fake, rps=20.0)
    plan = r.plan("mirror", 5.0)
    assert plan.warm_canary_to == 2
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("scale", C, 2, None), ("wait", C, 2), ("mirror", 5.0, "1")]
    assert phases(seen) == ["warm", "shift", "done"]
    assert (fake.mirror, fake.desired[C]) == (5.0, 2)
    assert result.after == plan.after == split_of(fake.state())


def test_a_mirror_written_after_a_warm_up_uses_the_route_as_it_reads_then(
    tmp_path: Path,
) -> None:
    fake = cluster(stable=20, canary=1, weights=(95, 5))
    fake.before[("wait_ready", 1)] = fake.someone_moves_the_route  # e.g. a reconcile
    r = rig(tmp_path, fake, rps=20.0)
    result, _ = r.run(r.plan("mirror", 5.0))
    assert result.ok, result.message
    assert fake.writes()[-1] == ("mirror", 5.0, "2")
    assert fake.mirror == 5.0


def test_a_mirror_without_a_warm_up_refuses_a_route_changed_since_planning(
    tmp_path: Path,
) -> None:
    fake = cluster(stable=20, canary=4, weights=(95, 5))
    r = rig(tmp_path, fake, rps=20.0)
    plan = r.plan("mirror", 5.0)
    assert plan.warm_canary_to is None
    fake.someone_moves_the_route()
    result, _ = r.run(plan)
    assert result.outcome == "failed"
    assert fake.mirror is None


def test_a_mirror_set_to_zero_turns_it_off(tmp_path: Path) -> None:
    fake = cluster(stable=20, canary=4, weights=(95, 5), mirror=20.0)
    r = rig(tmp_path, fake, rps=20.0)
    result, seen = r.run(r.plan("mirror", 0.0))
    assert result.ok, result.message
    assert fake.writes() == [("mirror", 0.0, "1")]
    assert fake.mirror is None
    assert phases(seen) == ["shift", "done"]


def test_a_finish_scales_the_old_stable_down_to_what_it_keeps(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=4, weights=(0, 100))
    r = rig(tmp_path, fake, rps=4.0, finish_keep_stable=1)
    plan = r.plan("finish")
    assert not plan.refusal
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert fake.writes() == [("scale", S, 1, None)]
    assert phases(seen) == ["scale", "done"]
    assert result.after == plan.after == split_of(fake.state())
    assert fake.events == [("CanaryFinish", False)]


def test_a_finish_with_no_more_stable_than_it_keeps_writes_nothing(tmp_path: Path) -> None:
    fake = cluster(stable=2, canary=4, weights=(0, 100))
    r = rig(tmp_path, fake, rps=4.0, finish_keep_stable=2)
    result, seen = r.run(r.plan("finish"))
    assert result.ok, result.message
    assert fake.writes() == []
    assert phases(seen) == ["done"]


def test_a_weighted_finish_scales_stable_whoever_changed_its_count(tmp_path: Path) -> None:
    fake = cluster(stable=4, canary=4, weights=(0, 100))
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("finish")
    fake.someone_scales(S, 6)
    result, _ = r.run(plan)
    assert result.ok, result.message
    assert fake.desired[S] == 0


# -- the replica ratio ---------------------------------------------------------------------------


def canary_shares(fake: FakeCluster) -> list[float]:
    return [100 * c / (s + c) for s, c in fake.shares if s + c]


def test_a_ratio_step_grows_stable_first_and_never_overshoots(tmp_path: Path) -> None:
    # 8 req/s at 1 a replica: 25 % takes 2 canary replicas; 6 : 2 is exactly 25 %.
    fake = cluster("replicas", stable=5, canary=1)
    r = rig(tmp_path, fake, rps=8.0)
    plan = r.plan("step")
    assert (plan.after.stable_replicas, plan.after.canary_replicas) == (6, 2)
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [
        ("scale", S, 6, 5),  # each count checked against the one read
        ("wait", S, 6),
        ("scale", C, 2, 1),
        ("wait", C, 2),
    ]
    assert phases(seen) == ["warm", "shift", "warm", "done"]
    assert max(canary_shares(fake)) <= 25
    assert result.after == plan.after == split_of(fake.state())
    assert fake.events == [("CanaryStep", False)]


def test_a_ratio_step_shrinks_stable_last_and_never_the_canary(tmp_path: Path) -> None:
    # 2 req/s: one canary replica carries 25 %, 3 : 1.
    fake = cluster("replicas", stable=5, canary=1)
    r = rig(tmp_path, fake, rps=2.0)
    plan = r.plan("step")
    assert plan.trim_stable_to == 3
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("wait", S, 3), ("wait", C, 1), ("scale", S, 3, 5)]
    assert phases(seen) == ["warm", "shift", "warm", "trim", "done"]
    assert max(canary_shares(fake)) <= 25
    assert (fake.desired[S], fake.desired[C]) == (3, 1)
    assert result.after == split_of(fake.state())


def test_a_ratio_step_stops_at_a_stable_changed_since_planning(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    r = rig(tmp_path, fake, rps=8.0)
    plan = r.plan("step")
    fake.someone_scales(S, 7)
    result, _ = r.run(plan)
    assert result.outcome == "failed"
    assert (fake.desired[S], fake.desired[C]) == (7, 1)  # theirs, untouched


def test_a_ratio_step_stops_at_a_canary_changed_while_stable_warmed(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.before[("wait_ready", 1)] = lambda: fake.someone_scales(C, 4)
    r = rig(tmp_path, fake, rps=8.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "partial"
    assert (fake.desired[S], fake.desired[C]) == (6, 4)
    assert result.after == split_of(fake.state())


def test_a_ratio_trim_stops_at_a_stable_changed_meanwhile(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.before[("wait_ready", 2)] = lambda: fake.someone_scales(S, 8)
    r = rig(tmp_path, fake, rps=2.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "failed"  # nothing of ours was written
    assert fake.desired[S] == 8


def test_a_ratio_step_whose_canary_never_gets_ready_scales_back_canary_then_stable(
    tmp_path: Path,
) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.never_ready = {C}
    r = rig(tmp_path, fake, rps=8.0)
    plan = r.plan("step")
    result, _ = r.run(plan)
    assert result.outcome == "refused", result.message
    assert result.plan is plan
    assert fake.writes() == [
        ("scale", S, 6, 5),
        ("scale", C, 2, 1),
        ("scale", C, 1, 2),  # the canary first, checked against what it was scaled to
        ("scale", S, 5, 6),
    ]
    assert max(canary_shares(fake)) <= 25
    assert (fake.desired[S], fake.desired[C]) == (5, 1)
    assert result.after == split_of(fake.state())


def test_a_ratio_step_whose_stable_never_gets_ready_scales_stable_back(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.never_ready = {S}
    r = rig(tmp_path, fake, rps=8.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "refused", result.message
    assert fake.writes() == [("scale", S, 6, 5), ("scale", S, 5, 6)]
    assert (fake.desired[S], fake.desired[C]) == (5, 1)


def test_a_ratio_scale_back_stops_at_a_canary_someone_else_changed(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.never_ready = {C}
    fake.before[("wait_ready", 2)] = lambda: fake.someone_scales(C, 7)
    r = rig(tmp_path, fake, rps=8.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "partial", result.message
    assert fake.writes()[-1] == ("scale", C, 1, 2)  # refused; stable is left as it is
    assert (fake.desired[S], fake.desired[C]) == (6, 7)
    assert result.after == split_of(fake.state())


def test_a_ratio_scale_that_fails_before_writing_is_failed(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=5, canary=1)
    fake.before[("scale", 1)] = fail(SourceError("deployments is forbidden"))
    r = rig(tmp_path, fake, rps=8.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "failed"
    assert (fake.desired[S], fake.desired[C]) == (5, 1)


def test_a_ratio_scale_whose_answer_is_lost_is_read_back_as_partial(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=6, canary=1)
    fake.before[("scale", 1)] = lost_answer(
        fake, lambda: fake.someone_scales(C, 2), SourceError("connection reset")
    )
    r = rig(tmp_path, fake, rps=8.0)
    plan = r.plan("step")
    assert (plan.before.stable_replicas, plan.after.stable_replicas) == (6, 6)
    result, _ = r.run(plan)
    assert result.outcome == "partial"
    assert result.after == split_of(fake.state())


def test_a_ratio_revert_grows_stable_waits_then_scales_the_canary_to_zero(
    tmp_path: Path,
) -> None:
    fake = cluster("replicas", stable=1, canary=3)
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("revert")
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("scale", S, 4, 1), ("wait", S, 4), ("scale", C, 0, 3)]
    assert phases(seen) == ["warm", "shift", "done"]
    assert result.after == plan.after == split_of(fake.state())
    assert fake.events == [("CanaryRevert", False)]


def test_a_ratio_revert_stops_at_a_canary_changed_meanwhile(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=4, canary=3)
    fake.before[("wait_ready", 1)] = lambda: fake.someone_scales(C, 5)
    r = rig(tmp_path, fake, rps=4.0)
    result, _ = r.run(r.plan("revert"))
    assert result.outcome == "failed"
    assert fake.desired[C] == 5


def test_a_ratio_emergency_revert_scales_at_once_without_waiting(tmp_path: Path) -> None:
    fake = cluster("replicas", stable=1, canary=3)
    fake.never_ready = {S}  # stable could never warm: not waited for
    r = rig(tmp_path, fake, rps=4.0)
    plan = r.plan("emergency-revert")
    fake.someone_scales(C, 5)  # all traffic to stable is always safe: no count check
    result, seen = r.run(plan)
    assert result.ok, result.message
    assert waits(fake) == [("scale", S, 4, None), ("scale", C, 0, None)]
    assert phases(seen) == ["scale", "shift", "done"]
    assert (fake.desired[S], fake.desired[C]) == (4, 0)
    assert result.after == plan.after


def test_a_ratio_emergency_revert_with_stable_big_enough_only_scales_the_canary(
    tmp_path: Path,
) -> None:
    fake = cluster("replicas", stable=5, canary=3)
    r = rig(tmp_path, fake, rps=4.0)
    result, seen = r.run(r.plan("emergency-revert"))
    assert result.ok, result.message
    assert fake.writes() == [("scale", C, 0, None)]
    assert phases(seen) == ["shift", "done"]


def test_a_cancel_before_anything_writes_nothing(tmp_path: Path) -> None:
    for kind, fake in (
        ("httproute", cluster(stable=50, canary=1, weights=(95, 5))),
        ("replicas", cluster("replicas", stable=5, canary=1)),
    ):
        r = rig(tmp_path / kind, fake, rps=40.0)
        cancel = threading.Event()
        cancel.set()
        result, _ = r.run(r.plan("step"), cancel)
        assert result.outcome == "cancelled", kind
        assert fake.writes() == [], kind


def test_a_conflict_is_reported_with_what_was_done(tmp_path: Path) -> None:
    fake = cluster(stable=50, canary=1, weights=(95, 5))
    fake.before[("set_weights", 1)] = fail(ConflictError("route llama changed"))
    r = rig(tmp_path, fake, rps=40.0)
    result, _ = r.run(r.plan("step"))
    assert result.outcome == "partial"
    assert fake.desired[C] == 4 and fake.weights == (95, 5)


# -- what a plan says is what its run writes -----------------------------------------------------

SCALE_LINE = re.compile(r"\b(stable|canary)\b[^→/]*? (\d+) → (\d+)(?![\d.%/])")


def unmirrored(split: Split) -> Split:
    """No mirror reads as None (a route without one), whether written as 0 or never set."""
    return replace(split, mirror_percent=split.mirror_percent or None)


def announced_scales(lines: list[str]) -> list[tuple[Track, int, int, bool]]:
    """(track, from, to, waits) for every line naming a change of a track's count."""
    out = []
    for line in lines:
        for name, before, after in SCALE_LINE.findall(line):
            if before != after:  # "2 → 2 and wait ready" is a wait, not a write
                out.append((Track(name), int(before), int(after), "wait ready" in line))
    return out


def written_scales(
    fake: FakeCluster, start: dict[Track, int]
) -> list[tuple[Track, int, int, bool]]:
    """(track, from, to, waited) for every scale written, from the counts it started with."""
    counts, out = dict(start), []
    for i, call in enumerate(fake.log):
        if call[0] != "scale":
            continue
        _, track, replicas, _ = call
        waited = i + 1 < len(fake.log) and fake.log[i + 1][:2] == ("wait", track)
        out.append((track, counts[track], replicas, waited))
        counts[track] = replicas
    return out


def carried_out_as_named(
    tmp_path: Path,
    kind: str,
    action: str,
    stable: int,
    canary: int,
    weight: int = 5,
    mirror: float | None = None,
    short: int = 0,
    rps: float = 4.0,
    percent: float = 5.0,
    trim: bool = False,
    keep: int = 0,
) -> bool:
    """Plan and run ``action``; unless refused (then nothing is written), check that the lines
    an operator confirms are the writes: each change of a track's count named (with whether it
    is waited for), the weights and the mirror only when they are written; that the outcome
    carries its plan and the split the cluster reads. Whether it ran."""
    if kind == "replicas":
        mirror = None  # the replica ratio has no route to mirror with
    fake = cluster(
        kind, stable, canary, (100 - weight, weight), mirror, stable_ready=max(stable - short, 0)
    )
    start = dict(fake.desired)
    r = rig(tmp_path, fake, rps=rps, finish_keep_stable=keep)
    plan = r.plan(action, percent, trim)
    lines = plan.describe()
    result, _ = r.run(plan)
    assert result.plan is plan and result.message  # every outcome says what happened
    if plan.refusal:
        assert result.outcome == "refused" and fake.writes() == []
        return False
    assert result.ok, result.message
    assert result.after is not None and unmirrored(result.after) == unmirrored(plan.after)
    assert unmirrored(plan.after) == unmirrored(split_of(fake.state()))
    assert sorted(announced_scales(lines)) == sorted(written_scales(fake, start)), lines
    # the weights: each change named with the weights it writes (writing the same is silent)
    weights, route = [], (100 - weight, weight)
    for call in fake.writes():
        if call[0] == "weights" and call[1:3] != route:
            weights.append(call[1:3])
            route = call[1:3]
    named = [any(f"→ {s}/{c}" in line for line in lines) for s, c in weights]
    assert named == [True] * len(weights), lines
    assert bool(weights) == any(line.startswith("weights") for line in lines), lines
    mirrored = [c for c in fake.writes() if c[0] == "mirror"]
    assert bool(mirrored) == any("mirror" in line for line in lines), lines
    return True


@pytest.mark.parametrize(
    ("kind", "action", "stable", "canary", "options"),
    [
        ("httproute", "step", 50, 1, {"rps": 40.0, "trim": True}),
        ("httproute", "step", 4, 3, {}),
        ("httproute", "revert", 2, 3, {"weight": 50, "mirror": 20.0}),
        ("httproute", "revert", 4, 1, {"short": 1}),
        ("httproute", "revert", 4, 0, {}),
        ("httproute", "emergency-revert", 1, 3, {"weight": 50, "mirror": 20.0}),
        ("httproute", "mirror", 20, 1, {"rps": 20.0}),
        ("httproute", "mirror", 20, 4, {"rps": 20.0, "mirror": 10.0}),
        ("httproute", "finish", 4, 4, {"weight": 100, "keep": 1}),
        ("httproute", "finish", 2, 4, {"weight": 100, "keep": 2}),
        ("replicas", "step", 5, 1, {"rps": 8.0}),
        ("replicas", "step", 5, 1, {"rps": 2.0}),
        ("replicas", "revert", 1, 3, {}),
        ("replicas", "revert", 5, 3, {"short": 2}),
        ("replicas", "emergency-revert", 1, 3, {}),
        ("replicas", "emergency-revert", 5, 3, {}),
    ],
)
def test_a_plan_names_every_write_its_run_makes_and_no_other(
    tmp_path: Path, kind: str, action: str, stable: int, canary: int, options: dict[str, Any]
) -> None:
    assert carried_out_as_named(tmp_path, kind, action, stable, canary, **options)


@budget(150)
@given(
    st.sampled_from(["httproute", "replicas"]),
    st.sampled_from(["step", "revert", "emergency-revert", "mirror", "finish"]),
    st.integers(0, 8),
    st.integers(0, 8),
    st.sampled_from([0, 1, 5, 10, 25, 50, 100]),
    st.sampled_from([None, 10.0]),
    st.integers(0, 8),
    st.integers(0, 40).map(lambda n: n / 2),
    st.sampled_from([0.0, 5.0, 20.0]),
    st.booleans(),
    st.integers(0, 3),
)
def test_any_plan_names_every_write_its_run_makes(
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    action: str,
    stable: int,
    canary: int,
    weight: int,
    mirror: float | None,
    short: int,
    rps: float,
    percent: float,
    trim: bool,
    keep: int,
) -> None:
    carried_out_as_named(
        tmp_path_factory.mktemp("c"),
        kind,
        action,
        stable,
        canary,
        weight,
        mirror,
        short,
        rps,
        percent,
        trim,
        keep,
    )
