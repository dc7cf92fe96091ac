"""Reverts, emergency reverts and a step's trim on the fake API server when a write fails or
stable does not warm in time: traffic is never left on a track that cannot carry it, and the
audit trail says what was done and what was not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.canary import Progress
from tests.canary_kube_checks import ROUTE, check_audit, stored_weights
from tests.canary_kube_support import Rig, events, label, rig, seed, writes
from tests.fake_kube import FakeKube


def _reverting(fake: FakeKube, tmp_path: Path, **changes: Any) -> Rig:
    """Half the traffic on a 3-replica canary; stable needs 3 replicas to carry it all."""
    seed(fake, stable=changes.pop("stable", 3), canary=3, weights=(50, 50))
    return rig(fake, tmp_path, metrics=(10.0, 10.0), replica_capacity_rps=10.0, **changes)


def test_revert_whose_canary_scale_down_fails_leaves_traffic_on_stable(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _reverting(fake_kube, tmp_path)
    fake_kube.fail("patch", "deployments/scale", 500)
    result = r.run("revert")
    assert result.outcome == "partial"
    assert result.message == (
        "scale deployments.apps inference/llama-v2: HTTP 500 Internal Server Error: Internal "
        "error occurred: injected fault (already done: all traffic on stable)"
    )
    assert stored_weights(fake_kube) == (100, 0)
    last = check_audit(r, tmp_path, result, "partial")
    assert last["after"]["replicas"] == {"stable": 3, "canary": 3}  # type: ignore[index]


def test_revert_whose_stable_never_warms_keeps_the_split_and_the_bigger_stable(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _reverting(fake_kube, tmp_path, stable=1, warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v1", None)
    start = len(fake_kube.requests)
    result = r.run("revert")
    assert result.outcome == "partial"
    assert result.message == (
        "llama-v1: 1/3 replicas ready after 1s; traffic was not shifted "
        "(already done: stable scaled to 3)"
    )
    # Stable keeps its extra replicas (more capacity is never less safe); nothing else moved.
    assert [label(w) for w in writes(fake_kube, start)] == ["scale llama-v1", "create events"]
    assert stored_weights(fake_kube) == (50, 50)
    last = check_audit(r, tmp_path, result, "partial")
    assert last["after"]["replicas"] == {"stable": 3, "canary": 3}  # type: ignore[index]


def test_revert_whose_stable_cannot_be_scaled_changes_nothing(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _reverting(fake_kube, tmp_path, stable=1)
    fake_kube.forbid("patch", "deployments/scale")
    start = len(fake_kube.requests)
    result = r.run("revert")
    assert result.outcome == "failed"
    assert result.message.startswith("scale deployments.apps inference/llama-v1: HTTP 403 ")
    assert result.message.endswith(" (nothing was changed)")
    assert [(label(w), w.status) for w in writes(fake_kube, start)] == [
        ("scale llama-v1", 403),
        ("create events", 201),
    ]
    assert stored_weights(fake_kube) == (50, 50)
    check_audit(r, tmp_path, result, "failed")


def _edit_route(r: Rig, stable: int, canary: int) -> dict[str, Any]:
    """Someone else sets the first rule's weights (a spec change: generation moves)."""
    route = r.route()
    route["spec"]["rules"][0]["backendRefs"][0]["weight"] = stable
    route["spec"]["rules"][0]["backendRefs"][1]["weight"] = canary
    return r.fake.put(route, manager="kubectl-edit")


def test_an_emergency_revert_retries_once_over_a_route_changed_since_it_was_planned(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _reverting(fake_kube, tmp_path)
    planned = r.route()["metadata"]["resourceVersion"]
    theirs: dict[str, Any] = {}

    def someone_else(event: Progress) -> None:
        if event.phase == "shift" and not theirs:
            theirs.update(_edit_route(r, 70, 30))

    r.hook = someone_else
    start = len(fake_kube.requests)
    result = r.run("emergency-revert")
    assert result.outcome == "ok", result.message
    version = theirs["metadata"]["resourceVersion"]
    assert result.message == (
        "EMERGENCY revert: all traffic shifted to stable at once, without waiting for stable's "
        "capacity; retried over a concurrent change: the planned write met HTTP 409 Conflict "
        f"and the route read weights 70/30 (resourceVersion {version})"
    )
    # The request log: the planned write refused, the route read again, the write repeated
    # with the version just read and the full rules list, never all-zero weights.
    to_route = [q for q in fake_kube.requests[start:] if q.path.endswith("/httproutes/llama")]
    patches = [q for q in to_route if q.method == "PATCH"]
    assert [(q.body["metadata"]["resourceVersion"], q.status) for q in patches] == [
        (planned, 409),
        (version, 200),
    ]
    first, second = (to_route.index(q) for q in patches)
    assert any(q.method == "GET" for q in to_route[first + 1 : second])
    rules = patches[1].body["spec"]["rules"]
    assert len(rules) == 2 and rules[0]["backendRefs"][1]["weight"] == 0
    for rule in rules:
        assert any(ref.get("weight", 1) > 0 for ref in rule["backendRefs"])
    assert [label(w) for w in writes(fake_kube, start)] == [
        "patch httproutes/llama",
        "patch httproutes/llama",
        "create events",
    ]
    assert stored_weights(fake_kube) == (100, 0)
    assert [p.message for p in r.progress if p.phase == "shift"] == [
        "EMERGENCY: all traffic → stable at once",
        f"EMERGENCY: the route changed (weights 70/30 (resourceVersion {version})); writing again",
    ]
    last = check_audit(r, tmp_path, result, "ok")
    assert last["action"] == "emergency-revert"
    (event,) = events(fake_kube)
    assert event["reason"] == "CanaryEmergencyRevert"
    assert "retried over a concurrent change" in event["message"]


def test_an_emergency_revert_retries_only_once(fake_kube: FakeKube, tmp_path: Path) -> None:
    r = _reverting(fake_kube, tmp_path)
    theirs: list[dict[str, Any]] = []

    def someone_else(event: Progress) -> None:  # changes the route before each write
        if event.phase == "shift":
            theirs.append(_edit_route(r, 70 - len(theirs), 30 + len(theirs)))

    r.hook = someone_else
    start = len(fake_kube.requests)
    result = r.run("emergency-revert")
    assert result.outcome == "failed"
    version = theirs[-1]["metadata"]["resourceVersion"]
    assert result.message.startswith(f"stopped: patch {ROUTE}: HTTP 409 Conflict: ")
    assert result.message.endswith(
        f"now weights 69/31 (resourceVersion {version}) (nothing was changed)"
    )
    patches = fake_kube.requests_to("PATCH", "/httproutes/llama")
    assert [q.status for q in patches] == [409, 409]
    assert [label(w) for w in writes(fake_kube, start)][-1] == "create events"
    assert r.route() == theirs[-1]
    check_audit(r, tmp_path, result, "failed")


def test_a_normal_revert_still_stops_on_a_route_changed_since_it_was_planned(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _reverting(fake_kube, tmp_path)
    theirs: dict[str, Any] = {}

    def someone_else(event: Progress) -> None:
        if event.phase == "shift" and not theirs:
            theirs.update(_edit_route(r, 70, 30))

    r.hook = someone_else
    result = r.run("revert")
    assert result.outcome == "failed"
    assert result.message.startswith(f"stopped: patch {ROUTE}: HTTP 409 Conflict: ")
    assert f"now weights 70/30 (resourceVersion {theirs['metadata']['resourceVersion']})" in (
        result.message
    )
    assert [q.status for q in fake_kube.requests_to("PATCH", "/httproutes/llama")] == [409]
    assert r.route() == theirs
    assert r.cluster.read(r.ctl.spec).canary.desired == 3  # the canary was not scaled down
    check_audit(r, tmp_path, result, "failed")


def test_a_failed_trim_after_the_shift_leaves_stable_as_it_was(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    # 20 req/s at 10 req/s a replica: the canary's 1 is enough for 10 %, stable needs 3 of 4.
    r = rig(fake_kube, tmp_path, replica_capacity_rps=10.0, trim_stable=True)
    fake_kube.fail("patch", "deployments/scale", 500)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "partial"
    assert result.message == (
        "scale deployments.apps inference/llama-v1: HTTP 500 Internal Server Error: Internal "
        "error occurred: injected fault (already done: canary at 10%)"
    )
    assert [label(w) for w in writes(fake_kube, start)] == [
        "patch httproutes/llama",
        "scale llama-v1",
        "create events",
    ]
    assert stored_weights(fake_kube) == (90, 10)
    last = check_audit(r, tmp_path, result, "partial")
    assert last["after"]["replicas"] == {"stable": 4, "canary": 1}  # type: ignore[index]
