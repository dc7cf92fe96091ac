"""Whole canary actions end to end: CanaryController → KubernetesCluster (the real client, a
kubeconfig with a bearer token) → the fake API server, with the real audit trail. Order is proven
from the fake's request log and its store's single version counter, never from the console's
own account of what it did."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.canary_kube_support import (
    ROUTE_PATHS,
    ROUTE_PLURALS,
    assert_no_token,
    assert_tamper_evident,
    events,
    label,
    ready_changes,
    records,
    rig,
    seed,
    version_of_write,
    writes,
)
from tests.fake_kube import FakeKube
from tests.kube_support import NS, ROUTES

#: Seconds from a new pod's creation to its readiness in the fake.
DELAY = 0.3
KINDS = {"httproute": "HTTPRoute", "istio": "VirtualService", "kserve": "InferenceService"}


def _route_list(kind: str, obj: dict[str, object]) -> list[dict[str, object]]:
    spec = obj["spec"]
    assert isinstance(spec, dict)
    return list(spec["rules"] if kind == "httproute" else spec["http"])


def _weights_in(kind: str, body: dict[str, object]) -> tuple[int, int]:
    if kind == "kserve":
        percent = body["spec"]["predictor"]["canaryTrafficPercent"]  # type: ignore[index]
        return 100 - percent, percent
    first = _route_list(kind, body)[0]
    refs = first["backendRefs" if kind == "httproute" else "route"]
    assert isinstance(refs, list)
    return refs[0]["weight"], refs[1]["weight"]


def _new_pods(fake: FakeKube, deployment: str, before: set[str]) -> list[str]:
    return sorted({p["metadata"]["name"] for p in fake.pods(deployment)} - before)


def _pods(fake: FakeKube, deployment: str) -> set[str]:
    return {p["metadata"]["name"] for p in fake.pods(deployment)}


@pytest.mark.parametrize("kind", ["httproute", "istio", "kserve"])
def test_step_scales_then_shifts_only_once_the_new_replicas_are_ready(
    fake_kube: FakeKube, tmp_path: Path, kind: str
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    r = rig(fake_kube, tmp_path, kind)
    read = r.route()
    old_pods = _pods(fake_kube, "llama-v2")
    fake_kube.set_ready_delay("llama-v2", DELAY)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.ok, result.message
    assert result.message == "canary 5% → 10%"
    sent = writes(fake_kube, start)
    route_path = ROUTE_PATHS[kind].strip("/")
    assert [label(w) for w in sent] == ["scale llama-v2", f"patch {route_path}", "create events"]
    scale, shift = sent[0], sent[1]
    assert scale.body == {"spec": {"replicas": 3}}
    # The pods turned ready a delay after the scale, and the weights moved only after that.
    new = _new_pods(fake_kube, "llama-v2", old_pods)
    assert len(new) == 2
    ready_at = fake_kube.controller.ready_at
    assert min(ready_at[p] for p in new) - scale.time >= DELAY
    assert shift.time > max(ready_at[p] for p in new)
    # The same, in the order the cluster itself saw it: one version counter for every write.
    route_rv = version_of_write(fake_kube, ROUTE_PLURALS[kind], ROUTES[kind].name)
    ready_rv = ready_changes(fake_kube, "llama-v2")
    assert max(ready_rv[p] for p in new) < route_rv
    counted = [
        c.rv
        for c in fake_kube.store.log
        if c.key[1] == "deployments"
        and c.key[3] == "llama-v2"
        and c.obj.get("status", {}).get("readyReplicas", 0) >= 3
        and c.obj["status"].get("observedGeneration") == c.obj["metadata"]["generation"]
    ]
    assert counted and counted[0] < route_rv
    assert any(q.query.get("watch", "").lower() == "true" for q in fake_kube.requests[start:])
    # The patch carried the version read at planning and, for lists, the whole list.
    assert shift.body["metadata"] == {"resourceVersion": read["metadata"]["resourceVersion"]}
    assert result.plan.resource_version == read["metadata"]["resourceVersion"]
    assert shift.content_type == "application/merge-patch+json"
    assert _weights_in(kind, shift.body) == (90, 10)
    if kind != "kserve":
        sent_list, old_list = _route_list(kind, shift.body), _route_list(kind, read)
        assert len(sent_list) == len(old_list) == 2 and sent_list[1] == old_list[1]
    assert r.weights() == (90, 10)
    warming = [p.message for p in r.progress if p.phase == "warm"]
    assert warming[0] == "scaling canary 1 → 3" and warming[-1] == "warming 3/3 ready"
    assert any(p.ready is not None and p.ready < 3 for p in r.progress)
    # Audited, and left as an Event on the route.
    intent, outcome = records(r.audit)
    assert (intent["phase"], outcome["phase"], outcome["outcome"]) == ("intent", "outcome", "ok")
    assert intent["message"].startswith("scale canary 1 → 3 and wait ready; weights stable/canary")
    assert outcome["after"] == {
        "weights": {"stable": 90, "canary": 10},
        "replicas": {"stable": 4, "canary": 3},
        "mirror_percent": None,
    }
    assert outcome["actor"]["kube"] == "ops@fake" and outcome["error"] is None
    (event,) = events(fake_kube)
    assert (event["reason"], event["type"], event["message"]) == (
        "CanaryStep",
        "Normal",
        "ok: canary 5% → 10%",
    )
    assert event["involvedObject"]["kind"] == KINDS[kind]
    assert_tamper_evident(r.audit, tmp_path)
    assert_no_token(r, result.message)


def test_step_under_an_hpa_raises_its_floor_before_shifting(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5), hpa=True)
    r = rig(fake_kube, tmp_path)
    old_pods = _pods(fake_kube, "llama-v2")
    hpa_version = fake_kube.get("horizontalpodautoscalers", NS, "llama-v2-hpa")
    assert hpa_version is not None
    fake_kube.set_ready_delay("llama-v2", DELAY)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.ok, result.message
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == [
        "patch horizontalpodautoscalers/llama-v2-hpa",
        "patch httproutes/llama",
        "create events",
    ]
    assert sent[0].body == {
        "metadata": {
            "resourceVersion": hpa_version["metadata"]["resourceVersion"],
            "annotations": {
                "inference-console/original-min-replicas": "1",
                "inference-console/raised-min-replicas": "3",
                "inference-console/original-max-replicas": "2",
                "inference-console/raised-max-replicas": "3",
            },
        },
        "spec": {"minReplicas": 3, "maxReplicas": 3},
    }
    new = _new_pods(fake_kube, "llama-v2", old_pods)
    assert len(new) == 2
    assert sent[1].time > max(fake_kube.controller.ready_at[p] for p in new)
    assert r.weights() == (90, 10)


@pytest.mark.parametrize("kind", ["httproute", "istio", "kserve"])
def test_revert_from_a_trimmed_stable_warms_stable_shifts_then_scales_the_canary_down(
    fake_kube: FakeKube, tmp_path: Path, kind: str
) -> None:
    seed(fake_kube, stable=1, canary=3, weights=(50, 50))
    r = rig(fake_kube, tmp_path, kind, metrics=(10.0, 10.0), replica_capacity_rps=10.0)
    old_pods = _pods(fake_kube, "llama-v1")
    fake_kube.set_ready_delay("llama-v1", DELAY)
    start = len(fake_kube.requests)
    result = r.run("revert")
    assert result.ok, result.message
    assert result.message == "reverted: canary 50% → 0%"
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == [
        "scale llama-v1",
        f"patch {ROUTE_PATHS[kind].strip('/')}",
        "scale llama-v2",
        "create events",
    ]
    assert sent[0].body == {"spec": {"replicas": 3}}
    assert sent[2].body == {"spec": {"replicas": 0}}
    new = _new_pods(fake_kube, "llama-v1", old_pods)
    assert len(new) == 2
    ready_at = fake_kube.controller.ready_at
    assert min(ready_at[p] for p in new) - sent[0].time >= DELAY
    assert sent[1].time > max(ready_at[p] for p in new)
    ready_rv = ready_changes(fake_kube, "llama-v1")
    route_rv = version_of_write(fake_kube, ROUTE_PLURALS[kind], ROUTES[kind].name)
    assert max(ready_rv[p] for p in new) < route_rv
    # Never all-zero: every rule (or http route) of the full list keeps a backend with weight.
    assert _weights_in(kind, sent[1].body) == (100, 0)
    if kind != "kserve":
        rules = _route_list(kind, sent[1].body)
        assert len(rules) == 2
        for rule in rules:
            refs = rule["backendRefs" if kind == "httproute" else "route"]
            assert any(ref.get("weight", 1) > 0 for ref in refs)  # type: ignore[attr-defined]
    fake_kube.settle()
    assert fake_kube.pods("llama-v2") == []
    state = r.cluster.read(r.ctl.spec)
    assert (state.stable.desired, state.stable.ready, state.canary.desired) == (3, 3, 0)
    assert r.weights() == (100, 0)
    outcome = records(r.audit)[-1]
    assert outcome["after"]["replicas"] == {"stable": 3, "canary": 0}
    assert outcome["outcome"] == "ok"
    assert_tamper_evident(r.audit, tmp_path)
    assert_no_token(r, result.message)


def test_emergency_revert_shifts_at_once_and_the_audit_says_so(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=1, canary=3, weights=(50, 50))
    r = rig(fake_kube, tmp_path, metrics=(10.0, 10.0), replica_capacity_rps=10.0)
    fake_kube.set_ready_delay("llama-v1", None)  # stable could never warm: it is not waited for
    start = len(fake_kube.requests)
    result = r.run("emergency-revert")
    assert result.ok, result.message
    assert result.message.startswith("EMERGENCY revert: all traffic shifted to stable at once")
    assert [label(w) for w in writes(fake_kube, start)] == [
        "patch httproutes/llama",
        "create events",
    ]
    assert r.weights() == (100, 0)
    state = r.cluster.read(r.ctl.spec)
    assert (state.stable.desired, state.canary.desired) == (1, 3)  # nothing scaled
    intent, outcome = records(r.audit)
    assert intent["action"] == outcome["action"] == "emergency-revert"
    warned = "EMERGENCY: all traffic to stable at once, stable has 1 ready of 3 needed"
    assert warned in intent["message"]
    assert outcome["message"].startswith("EMERGENCY revert")
    (event,) = events(fake_kube)
    assert event["reason"] == "CanaryEmergencyRevert"
    assert event["message"].startswith("ok: EMERGENCY revert")
    assert_tamper_evident(r.audit, tmp_path)


def test_httproute_mirror_is_a_request_mirror_percent(fake_kube: FakeKube, tmp_path: Path) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    r = rig(fake_kube, tmp_path)
    read = r.route()
    result = r.run("mirror", 20)
    assert result.ok and result.message == "mirroring 20% of traffic to the canary"
    patches = fake_kube.requests_to("PATCH", "/httproutes/llama")
    (patch,) = [p for p in patches if p.query.get("dryRun") != "All"]  # the check, then the write
    assert patch.body["metadata"] == {"resourceVersion": read["metadata"]["resourceVersion"]}
    rules = r.route()["spec"]["rules"]
    assert len(patch.body["spec"]["rules"]) == 2
    assert rules[0]["filters"] == [
        {
            "type": "RequestMirror",
            "requestMirror": {"backendRef": {"name": "llama-v2", "port": 8000}, "percent": 20},
        }
    ]
    assert "filters" not in rules[1]
    assert r.weights() == (95, 5)  # mirroring moves no weight
    result = r.run("mirror", 2.5)
    assert result.ok
    mirror = r.route()["spec"]["rules"][0]["filters"][0]["requestMirror"]
    assert mirror["fraction"] == {"numerator": 250, "denominator": 10_000}
    assert "percent" not in mirror
    assert r.run("mirror", 0).ok
    assert "filters" not in r.route()["spec"]["rules"][0]
    afters = [rec["after"]["mirror_percent"] for rec in records(r.audit) if rec["outcome"]]
    assert afters == [20, 2.5, 0]
    assert_tamper_evident(r.audit, tmp_path)


def test_istio_mirror_percentage(fake_kube: FakeKube, tmp_path: Path) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    r = rig(fake_kube, tmp_path, "istio")
    result = r.run("mirror", 20)
    assert result.ok, result.message
    http = r.route()["spec"]["http"]
    assert http[0]["mirror"] == {"host": "llama", "subset": "canary"}
    assert http[0]["mirrorPercentage"] == {"value": 20.0}
    assert "mirror" not in http[1]
    assert records(r.audit)[-1]["after"]["mirror_percent"] == 20


def test_kserve_mirror_is_refused_before_any_write(fake_kube: FakeKube, tmp_path: Path) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    r = rig(fake_kube, tmp_path, "kserve")
    start = len(fake_kube.requests)
    result = r.run("mirror", 20)
    # Refused at planning: not even the canary's warm-up for the mirrored load is written.
    assert result.outcome == "refused"
    assert "KServe has no traffic mirroring" in result.message
    assert [label(w) for w in writes(fake_kube, start)] == ["create events"]
    outcome = records(r.audit)[-1]
    assert (outcome["outcome"], outcome["error"]) == ("refused", result.message)
    assert_tamper_evident(r.audit, tmp_path)
