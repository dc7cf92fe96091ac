"""The canary state machine on the simulated cluster: gates, warm-then-shift, trim, revert,
emergency revert, mirror, conflicts, timeouts and read-only — each audited."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from console.audit import verify
from console.canary import Outcome, Progress, ReadOnlyError
from console.canary.plan import needed_replicas
from console.config import GatesConfig
from console.errors import ConflictError, ForbiddenError
from console.model import Track
from tests.canary_support import controller, run_driven


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_needed_replicas_formula() -> None:
    # ceil(20 req/s × 25% ÷ 4 req/s × 1.25) = ceil(1.5625) = 2
    assert needed_replicas(20, 0.25, 4, 0.25) == 2
    assert needed_replicas(16, 0.25, 4, 0.0) == 1  # exactly 1.0 is enough
    assert needed_replicas(0, 0.5, 4, 0.25) == 0


def test_step_warms_the_canary_before_shifting(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, replica_capacity_rps=1.0)
    plan, _ = ctl.plan("step")
    assert plan.refusal == ""
    assert (plan.before.canary_weight, plan.after.canary_weight) == (5, 10)
    assert plan.warm_canary_to is not None and plan.warm_canary_to > 1
    result, progress = run_driven(ctl, clock, "step")
    assert result.ok, result.message
    writes = cluster.writes()
    kinds = [w[0] for w in writes]
    # scale → readiness reached → weights, in that order, and nothing else.
    assert kinds == ["scale", "ready", "set_weights"]
    assert writes[0][2] is Track.CANARY and writes[0][3] == plan.warm_canary_to
    assert writes[1] == ("ready", Track.CANARY, plan.warm_canary_to)
    assert writes[2][2:4] == (90, 10)
    warming = [p.message for p in progress if p.phase == "warm"]
    assert warming[0].startswith("scaling canary 1 → ")
    assert f"warming {plan.warm_canary_to}/{plan.warm_canary_to} ready" in warming
    state = cluster.inner.read(ctl.spec)
    assert (state.route.stable_weight, state.route.canary_weight) == (90, 10)
    intent, outcome = records(audit)
    assert (intent["phase"], intent["outcome"], outcome["phase"], outcome["outcome"]) == (
        "intent",
        None,
        "outcome",
        "ok",
    )
    assert outcome["after"]["weights"] == {"stable": 90, "canary": 10}
    assert outcome["before"]["weights"] == {"stable": 95, "canary": 5}
    assert {g["name"] for g in outcome["gates"]} >= {"error_share", "ttft_p99", "itl_p99"}
    assert outcome["metrics"]["canary"]["requests_per_s"] > 0
    assert verify(audit).ok
    assert [e.reason for e in cluster.inner.events] == ["CanaryStep"]


def test_failing_gates_refuse_the_step_and_change_nothing(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, "failing-canary")
    result, _ = run_driven(ctl, clock, "step")
    assert result.outcome == "refused"
    assert result.message.startswith("gates: canary error share")
    assert cluster.writes() == []
    assert [r["outcome"] for r in records(audit)] == [None, "refused"]


def test_warm_timeout_refuses_the_shift(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, replica_capacity_rps=1.0, warm_timeout=20)
    before = cluster.inner.read(ctl.spec).canary.desired
    result, _ = run_driven(ctl, clock, "step")
    assert result.outcome == "refused"
    assert "traffic was not shifted" in result.message
    assert result.message.endswith(f"; canary scaled back to {before} replica")
    writes = cluster.writes()
    assert [w[0] for w in writes] == ["scale", "scale"]
    assert writes[0][3] > before and writes[1][2:] == (Track.CANARY, before)
    state = cluster.inner.read(ctl.spec)
    assert state.route.canary_weight == 5 and state.canary.desired == before
    assert records(audit)[-1]["error"] == result.message
    assert records(audit)[-1]["after"]["replicas"]["canary"] == before


def test_conflict_stops_and_changes_nothing_more(tmp_path: Path) -> None:
    ctl, cluster, _clock, audit = controller(tmp_path)
    plan, snapshot = ctl.plan("step")
    # Someone else moves the route after we read it.
    state = cluster.inner.read(ctl.spec)
    cluster.inner.set_weights(ctl.spec, 80, 20, state.route.resource_version)
    result = ctl.run(plan, snapshot, threading.Event())
    assert result.outcome == "failed"
    assert result.message.startswith("stopped: route llama changed since it was read")
    assert "now weights 80/20" in result.message
    assert cluster.inner.read(ctl.spec).route.canary_weight == 20  # theirs, untouched
    assert records(audit)[-1]["after"]["weights"] == {"stable": 80, "canary": 20}


def test_revert_from_a_trimmed_stable_scales_stable_up_first(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, trim=True, steps=(5, 50, 100))
    stepped, _ = run_driven(ctl, clock, "step")
    assert stepped.ok, stepped.message
    trimmed = cluster.inner.read(ctl.spec).stable.desired
    assert trimmed < 5  # half the traffic left stable: it was trimmed
    cluster.calls.clear()
    result, _ = run_driven(ctl, clock, "revert")
    assert result.ok, result.message
    kinds = [(w[0], w[1] if w[0] != "set_weights" else None) for w in cluster.writes()]
    scale_stable = next(
        i for i, w in enumerate(cluster.writes()) if w[0] == "scale" and w[2] is Track.STABLE
    )
    shift = next(i for i, w in enumerate(cluster.writes()) if w[0] == "set_weights")
    ready = next(i for i, w in enumerate(cluster.writes()) if w[0] == "ready")
    assert scale_stable < ready < shift, kinds
    assert cluster.writes()[shift][2:4] == (100, 0)
    assert cluster.writes()[-1][0] == "scale" and cluster.writes()[-1][2] is Track.CANARY
    assert cluster.writes()[-1][3] == 0
    assert verify(audit).ok


def test_emergency_revert_shifts_at_once_and_says_so(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path)
    result, _ = run_driven(ctl, clock, "emergency-revert")
    assert result.ok
    assert result.message.startswith("EMERGENCY revert")
    assert [w[0] for w in cluster.writes()] == ["set_weights"]
    assert records(audit)[0]["action"] == "emergency-revert"
    assert "EMERGENCY" in records(audit)[0]["message"]


def test_mirror_is_set_and_audited(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path)
    result, _ = run_driven(ctl, clock, "mirror", 25)
    assert result.ok
    assert cluster.inner.read(ctl.spec).route.mirror_percent == 25
    assert records(audit)[-1]["after"]["mirror_percent"] == 25


def test_no_step_left_at_full_weight(tmp_path: Path) -> None:
    ctl, cluster, _clock, _ = controller(tmp_path)
    state = cluster.inner.read(ctl.spec)
    cluster.inner.set_weights(ctl.spec, 0, 100, state.route.resource_version)
    plan, _ = ctl.plan("step")
    assert plan.refusal == "the canary already has 100%: no step left"


def test_read_only_refuses_before_anything(tmp_path: Path) -> None:
    ctl, cluster, _clock, audit = controller(tmp_path, read_only=True)
    plan, snapshot = ctl.plan("step")
    with pytest.raises(ReadOnlyError):
        ctl.run(plan, snapshot, threading.Event())
    assert cluster.writes() == []
    assert not audit.exists()


def test_scale_failure_is_reported_and_audited(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path, replica_capacity_rps=1.0)
    cluster.fail["scale"] = ConflictError("deployment llama-v2: 403 Forbidden")
    result, _ = run_driven(ctl, clock, "step")
    assert result.outcome == "failed"
    assert "(nothing was changed)" in result.message
    assert cluster.inner.read(ctl.spec).route.canary_weight == 5
    assert records(audit)[-1]["outcome"] == "failed"


def test_cancel_during_warm_up_never_shifts(tmp_path: Path) -> None:
    ctl, cluster, _clock, audit = controller(tmp_path, replica_capacity_rps=1.0)
    plan, snapshot = ctl.plan("step")
    cancel = threading.Event()
    seen: list[str] = []
    warming = threading.Event()

    def progress(event: Progress) -> None:
        seen.append(event.message)
        if event.phase == "warm" and event.ready is not None:
            warming.set()

    out: list[Outcome] = []
    thread = threading.Thread(target=lambda: out.append(ctl.run(plan, snapshot, cancel, progress)))
    thread.start()
    assert warming.wait(10), seen
    cancel.set()  # the clock never moves: only the cancel can end the wait
    thread.join(10)
    assert not thread.is_alive()
    result = out[0]
    assert result.outcome == "cancelled", result.message
    assert "cancelled while llama-v2 had 1/" in result.message
    assert "set_weights" not in [w[0] for w in cluster.writes()]
    assert cluster.inner.read(ctl.spec).route.canary_weight == 5
    assert records(audit)[-1]["outcome"] == "cancelled"
    assert verify(audit).ok


def test_a_refused_cluster_event_is_reported_not_fatal(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path)
    cluster.fail["record_event"] = ForbiddenError("events is forbidden: 403")
    result, _ = run_driven(ctl, clock, "mirror", 15)
    assert result.ok
    assert result.message.endswith("(no cluster event: events is forbidden: 403)")
    assert cluster.inner.read(ctl.spec).route.mirror_percent == 15
    assert [r["outcome"] for r in records(audit)] == [None, "ok"]


def test_too_few_requests_refuse_with_wait(tmp_path: Path) -> None:
    ctl, cluster, clock, audit = controller(tmp_path)
    ctl.deployment = ctl.deployment.model_copy(update={"gates": GatesConfig(min_requests=10**6)})
    result, _ = run_driven(ctl, clock, "step")
    assert result.outcome == "refused"
    assert result.message.startswith("gates: inconclusive — wait: ")
    assert result.message.endswith("of 1000000 canary requests in the last 5m")
    assert cluster.writes() == []
    assert records(audit)[-1]["gates"][0]["status"] == "inconclusive"
