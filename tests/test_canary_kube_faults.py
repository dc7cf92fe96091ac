"""Canary actions on the fake API server when something fails at each stage: the canary's scale,
its readiness, the weight patch (409, 403, 500, a dropped connection, a hung server) and the
Event. Each leaves the deployment safe (read back from the fake), and the audit
trail says exactly what happened, verifies, and breaks at the record a changed byte touches."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.canary_kube_checks import FAULT_TEXT, ROUTE, check_audit, inject, stored_weights
from tests.canary_kube_support import Rig, events, label, rig, seed, writes
from tests.fake_kube import FakeKube

DELAY = 0.2


@pytest.fixture
def r(fake_kube: FakeKube, tmp_path: Path) -> Rig:
    """A step from 5 % to 10 %: the canary goes from 1 to 3 replicas, new pods ready after
    ``DELAY``."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.set_ready_delay("llama-v2", DELAY)
    return rig(fake_kube, tmp_path)


@pytest.mark.parametrize("status", [500, 403, 0])
def test_canary_scale_fails_nothing_changes(
    r: Rig, fake_kube: FakeKube, tmp_path: Path, status: int
) -> None:
    inject(fake_kube, "patch", "deployments/scale", status)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "failed"
    assert result.message.startswith(
        f"scale deployments.apps inference/llama-v2: {FAULT_TEXT[status]}"
    )
    assert result.message.endswith("(nothing was changed)")
    sent = writes(fake_kube, start)
    assert [(label(w), w.status) for w in sent] == [
        ("scale llama-v2", status),
        ("create events", 201),
    ]
    assert stored_weights(fake_kube) == (95, 5)
    assert r.cluster.read(r.ctl.spec).canary.desired == 1
    check_audit(r, tmp_path, result, "failed")


def test_readiness_timeout_refuses_the_shift_and_scales_the_canary_back(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.set_ready_delay("llama-v2", None)  # the new pods never become ready
    r = rig(fake_kube, tmp_path, warm_timeout=1.0)
    route_version = r.route()["metadata"]["resourceVersion"]
    old_pods = {p["metadata"]["name"] for p in fake_kube.pods("llama-v2")}
    start, began = len(fake_kube.requests), time.monotonic()
    result = r.run("step")
    assert time.monotonic() - began >= 1.0
    assert result.outcome == "refused", result.message
    assert result.message == (
        "llama-v2: 1/3 replicas ready after 1s; traffic was not shifted; "
        "canary scaled back to 1 replica"
    )
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == ["scale llama-v2", "scale llama-v2", "create events"]
    assert [w.body for w in sent[:2]] == [{"spec": {"replicas": 3}}, {"spec": {"replicas": 1}}]
    assert r.route()["metadata"]["resourceVersion"] == route_version  # never written
    fake_kube.settle()
    assert {p["metadata"]["name"] for p in fake_kube.pods("llama-v2")} == old_pods
    last = check_audit(r, tmp_path, result, "refused")
    assert last["after"]["replicas"] == {"stable": 4, "canary": 1}  # type: ignore[index]


def test_a_failed_scale_back_after_a_timeout_is_partial_and_says_so(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.set_ready_delay("llama-v2", None)
    r = rig(fake_kube, tmp_path, warm_timeout=1.0)
    r.once_warming(lambda: fake_kube.fail("patch", "deployments/scale", 500))
    result = r.run("step")
    assert result.outcome == "partial"
    assert result.message == (
        "llama-v2: 1/3 replicas ready after 1s; traffic was not shifted; scaling the canary "
        "back to 1 failed: scale deployments.apps inference/llama-v2: HTTP 500 Internal Server "
        "Error: Internal error occurred: injected fault (already done: canary scaled to 3)"
    )
    assert stored_weights(fake_kube) == (95, 5)
    last = check_audit(r, tmp_path, result, "partial")
    assert last["after"]["replicas"] == {"stable": 4, "canary": 3}  # type: ignore[index]


def test_a_conflicting_weight_patch_stops_rereads_and_writes_nothing_more(
    r: Rig, fake_kube: FakeKube, tmp_path: Path
) -> None:
    theirs: dict[str, object] = {}

    def someone_else() -> None:  # kubectl edit while the canary warms
        route = r.route()
        route["spec"]["rules"][0]["backendRefs"][0]["weight"] = 80
        route["spec"]["rules"][0]["backendRefs"][1]["weight"] = 20
        theirs.update(fake_kube.put(route, manager="kubectl-edit"))

    r.once_warming(someone_else)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "partial"
    assert result.message.startswith(
        f"stopped: patch {ROUTE}: HTTP 409 Conflict: Operation cannot be fulfilled on "
        'httproutes.gateway.networking.k8s.io "llama": the object has been modified'
    )
    version = theirs["metadata"]["resourceVersion"]  # type: ignore[index]
    assert result.message.endswith(
        f"; now weights 80/20 (resourceVersion {version}) (already done: canary scaled to 3)"
    )
    requests = fake_kube.requests[start:]
    conflict = next(i for i, q in enumerate(requests) if q.status == 409)
    assert requests[conflict].path.endswith("/httproutes/llama")
    after = requests[conflict + 1 :]
    assert any(q.method == "GET" and q.path.endswith("/httproutes/llama") for q in after)
    assert [label(w) for w in writes(fake_kube, start + conflict + 1)] == ["create events"]
    assert r.route() == theirs  # their change stands, untouched
    check_audit(r, tmp_path, result, "partial")


@pytest.mark.parametrize("status", [403, 500, 0])
def test_a_failed_weight_patch_leaves_the_weights(
    r: Rig, fake_kube: FakeKube, tmp_path: Path, status: int
) -> None:
    inject(fake_kube, "patch", "httproutes", status)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "partial"
    assert result.message.startswith(f"patch {ROUTE}: {FAULT_TEXT[status]}")
    assert result.message.endswith(" (already done: canary scaled to 3)")
    sent = writes(fake_kube, start)
    assert [(label(w), w.status) for w in sent] == [
        ("scale llama-v2", 200),
        ("patch httproutes/llama", status),
        ("create events", 201),
    ]
    assert stored_weights(fake_kube) == (95, 5)
    check_audit(r, tmp_path, result, "partial")


@pytest.mark.parametrize("status", [403, 500, 0])
def test_a_failed_event_is_a_note_in_the_outcome_record(
    r: Rig, fake_kube: FakeKube, tmp_path: Path, status: int
) -> None:
    inject(fake_kube, "create", "events", status)
    result = r.run("mirror", 10)
    assert result.ok
    prefix = "mirroring 10% of traffic to the canary (no cluster event: create events "
    assert result.message.startswith(prefix + f"inference/CanaryMirror: {FAULT_TEXT[status]}")
    assert result.message.endswith(")")
    assert r.cluster.last_event_error is not None
    assert r.cluster.last_event_error in result.message
    assert events(fake_kube) == []
    assert r.route()["spec"]["rules"][0]["filters"][0]["requestMirror"]["percent"] == 10
    last = check_audit(r, tmp_path, result, "ok")
    assert last["message"] == result.message and last["error"] is None


def test_a_hung_weight_patch_times_out_instead_of_hanging_the_action(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    r = rig(fake_kube, tmp_path, request_timeout=0.5)
    # The API server takes the PATCH and answers nothing for 5 s (then a 500, changing nothing).
    r.once_warming(lambda: fake_kube.fail("patch", "httproutes", 500, stall_s=5.0))
    began = time.monotonic()
    result = r.run("step")
    assert time.monotonic() - began < 3.0  # [kubernetes] request_timeout, not the server's 5 s
    assert result.outcome == "partial"
    assert result.message.startswith(f"patch {ROUTE}: the API server did not answer: ")
    assert "timed out" in result.message
    assert stored_weights(fake_kube) == (95, 5)
    check_audit(r, tmp_path, result, "partial")


@pytest.mark.parametrize("kind", ["httproute", "istio", "kserve"])
def test_a_status_written_during_the_warm_up_is_not_a_conflict(
    fake_kube: FakeKube, tmp_path: Path, kind: str
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.set_ready_delay("llama-v2", DELAY)
    r = rig(fake_kube, tmp_path, kind)
    planned = r.route()["metadata"]["resourceVersion"]
    reported: dict[str, object] = {}

    def controller_reports() -> None:  # the gateway (or KServe) controller updates its status
        obj = r.route()
        obj["status"] = {
            **(obj.get("status") or {}),  # KServe's keeps the traffic it reports
            "conditions": [{"type": "Accepted", "status": "True"}],
        }
        reported.update(fake_kube.put(obj, manager="gateway-controller"))

    r.once_warming(controller_reports)
    result = r.run("step")
    assert result.ok, result.message
    assert reported["metadata"]["generation"] == 1  # type: ignore[index]
    (patch,) = [q for q in fake_kube.requests if q.method == "PATCH" and "llama-v2" not in q.path]
    version = reported["metadata"]["resourceVersion"]  # type: ignore[index]
    assert version != planned and patch.body["metadata"] == {"resourceVersion": version}
    assert stored_weights(fake_kube, kind) == (90, 10)
    check_audit(r, tmp_path, result, "ok")


def test_a_weight_patch_done_but_never_answered_is_reported_as_done(
    r: Rig, fake_kube: FakeKube, tmp_path: Path
) -> None:
    fake_kube.fail("patch", "httproutes", 0, late=True)  # applied; the answer is lost
    result = r.run("step")
    version = r.route()["metadata"]["resourceVersion"]
    assert stored_weights(fake_kube) == (90, 10)
    assert result.outcome == "partial"
    assert result.message.startswith(f"patch {ROUTE}: the API server did not answer: ")
    assert result.message.endswith(
        "(already done: canary scaled to 3, the route now reads weights 90/10 "
        f"(resourceVersion {version}))"
    )
    check_audit(r, tmp_path, result, "partial")  # the outcome's "after" is 90/10, as stored


def test_a_mirror_done_but_never_answered_is_not_nothing_changed(
    r: Rig, fake_kube: FakeKube, tmp_path: Path
) -> None:
    # The planner's dry run meets the dropped connection first (and the action goes on: the
    # check is advisory), then the write itself is done and never answered.
    fake_kube.fail("patch", "httproutes", 0, times=2, late=True)
    result = r.run("mirror", 10)
    assert result.outcome == "partial"
    assert "nothing was changed" not in result.message
    assert "the route now reads weights 95/5, mirror 10% (resourceVersion " in result.message
    last = check_audit(r, tmp_path, result, "partial")
    assert last["after"]["mirror_percent"] == 10  # type: ignore[index]


def test_cancel_during_the_warm_up_stops_before_traffic_moves(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.set_ready_delay("llama-v2", None)  # only the cancel can end the wait
    r = rig(fake_kube, tmp_path)  # warm_timeout 10 min
    cancel = threading.Event()
    r.once_warming(cancel.set)  # the operator presses x while the canary warms
    start, began = len(fake_kube.requests), time.monotonic()
    result = r.run("step", cancel=cancel)
    assert time.monotonic() - began < 5.0
    assert result.outcome == "cancelled"
    # A cancel writes nothing more: the replicas it added stay, and the message says so.
    assert result.message == (
        "cancelled while llama-v2 had 1/3 ready (already done: canary scaled to 3)"
    )
    assert [label(w) for w in writes(fake_kube, start)] == ["scale llama-v2", "create events"]
    assert stored_weights(fake_kube) == (95, 5)
    check_audit(r, tmp_path, result, "cancelled")
