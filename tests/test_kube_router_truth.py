"""The split and the mirror the console reports are the ones in force, on clusters older or
otherwise configured than the happy path: Gateway API CRDs before v1.3 (no mirror percentages),
API servers that ignore field validation, KServe in Standard mode or with a status that differs
from its spec, Istio serving only v1beta1, and Istio's other ways to say "mirror"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.errors import NotFoundError, NotStoredError, UnsupportedError
from console.sources.k8s_kserve import deployment_mode
from tests.canary_kube_support import assert_tamper_evident, label, records, rig, seed, writes
from tests.fake_kube import FakeKube, objects
from tests.kube_support import NS, SPEC, cluster


def _filters(fake: FakeKube) -> Any:
    route = fake.get("httproutes", NS, "llama")
    assert route is not None
    return route["spec"]["rules"][0].get("filters")


# -- HTTPRoute mirrors on Gateway API CRDs before v1.3 --------------------------------------


def test_old_gateway_api_refuses_a_mirror_percentage_under_strict_validation(
    fake_kube: FakeKube,
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.gateway_api = (1, 2)
    k8s = cluster(fake_kube)
    rv = k8s.read(SPEC).route.resource_version
    with pytest.raises(UnsupportedError) as caught:
        k8s.set_mirror(SPEC, 10, rv)
    message = str(caught.value)
    assert "Gateway API standard CRDs before v1.3" in message and "mirroring 10%" in message
    assert 'unknown field "spec.rules[0].filters[0].requestMirror.percent"' in message
    (patch,) = fake_kube.requests_to("PATCH", "/httproutes/llama")
    assert patch.query.get("fieldValidation") == "Strict" and patch.status == 400
    assert _filters(fake_kube) is None  # nothing was stored
    assert k8s.read(SPEC).route.mirror_percent is None


def test_old_gateway_api_can_still_mirror_everything(fake_kube: FakeKube) -> None:
    """100 % needs neither field: it is written without them and holds on the old schema."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.gateway_api = (1, 2)
    k8s = cluster(fake_kube)
    state = k8s.set_mirror(SPEC, 100, k8s.read(SPEC).route.resource_version)
    assert state.mirror_percent == 100
    (flt,) = _filters(fake_kube)
    assert flt["requestMirror"] == {"backendRef": {"name": "llama-v2", "port": 8000}}


def test_a_dropped_mirror_percentage_is_detected_and_put_back(fake_kube: FakeKube) -> None:
    """An API server that ignores fieldValidation (before 1.25) prunes the percent silently: the
    route would mirror everything. The stored route is read back, the write undone."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.gateway_api = (1, 2)
    fake_kube.field_validation = False
    k8s = cluster(fake_kube)
    with pytest.raises(NotStoredError) as caught:
        k8s.set_mirror(SPEC, 10, k8s.read(SPEC).route.resource_version)
    message = str(caught.value)
    assert "wrote a 10% mirror but the API server stored mirroring 100%" in message
    assert "the route was put back as it was (no mirror)" in message
    first, second = fake_kube.requests_to("PATCH", "/httproutes/llama")
    assert first.status == 200 and second.status == 200  # the write, then the undo
    assert _filters(fake_kube) is None
    assert k8s.read(SPEC).route.mirror_percent is None


def test_the_mirror_action_reports_and_audits_the_refusal(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    """The planner asks the server first (a dry run): the route cannot hold the mirror, so the
    action is refused before anything is warmed or written, said and audited."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.gateway_api = (1, 2)
    r = rig(fake_kube, tmp_path)
    start = len(fake_kube.requests)
    result = r.run("mirror", 10)
    assert result.outcome == "refused" and not result.ok
    assert "Gateway API standard CRDs before v1.3" in result.message
    sent = [label(w) for w in writes(fake_kube, start) if w.query.get("dryRun") != "All"]
    assert sent == ["create events"]  # no scale, no route write: only the Event
    outcome = records(r.audit)[-1]
    assert (outcome["outcome"], outcome["error"]) == ("refused", result.message)
    assert _filters(fake_kube) is None
    assert_tamper_evident(r.audit, tmp_path)


def test_a_dry_run_says_before_any_write_that_the_mirror_cannot_be_held(
    fake_kube: FakeKube,
) -> None:
    """What a planner asks first: the server validates the mirror write without storing it."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    k8s = cluster(fake_kube)
    assert k8s.mirror_refusal(SPEC, 10) is None  # v1.3 CRDs: fine
    fake_kube.gateway_api = (1, 2)
    before = fake_kube.get("httproutes", NS, "llama")
    reason = k8s.mirror_refusal(SPEC, 10)
    assert reason is not None and "Gateway API standard CRDs before v1.3" in reason
    assert k8s.mirror_refusal(SPEC, 100) is None  # needs neither field
    assert fake_kube.get("httproutes", NS, "llama") == before  # nothing stored, no new version
    dry = fake_kube.requests_to("PATCH", "/httproutes/llama")
    assert dry and all(q.query.get("dryRun") == "All" for q in dry)
    assert cluster(fake_kube, "istio").mirror_refusal(SPEC, 10) is None


def test_the_mirror_action_with_a_silently_dropped_field_is_never_reported_as_done(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.gateway_api = (1, 2)
    fake_kube.field_validation = False
    r = rig(fake_kube, tmp_path)
    result = r.run("mirror", 10)
    # The route was put back; the canary, warmed for the mirror first, stays scaled: partial.
    assert result.outcome == "partial"
    assert "stored mirroring 100%" in result.message and "put back" in result.message
    outcome = records(r.audit)[-1]
    assert outcome["outcome"] == result.outcome and outcome["error"] == result.message
    assert _filters(fake_kube) is None


# -- KServe: what serves, and where canaryTrafficPercent does nothing ----------------------


def test_kserve_standard_mode_reports_no_split_and_refuses_to_write(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.put(objects.inferenceservice("llama-isvc", NS, 30, mode="RawDeployment"))
    k8s = cluster(fake_kube, "kserve")
    route = k8s.read(SPEC).route
    assert (route.stable_weight, route.canary_weight) == (100, 0)  # not the spec's 30
    assert route.cannot_act is not None and "RawDeployment mode" in route.cannot_act
    assert "canaryTrafficPercent does nothing" in route.cannot_act
    with pytest.raises(UnsupportedError, match=r"RawDeployment mode.*nothing was written"):
        k8s.set_weights(SPEC, 50, 50, route.resource_version)
    assert not fake_kube.requests_to("PATCH", "/inferenceservices/llama-isvc")


def test_kserve_split_is_read_from_the_status_not_the_spec(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    k8s = cluster(fake_kube, "kserve")
    assert k8s.read(SPEC).route.canary_percent == 5
    fake_kube.kserve_reconcile = False  # the controller has not caught up yet
    obj = fake_kube.get("inferenceservices", NS, "llama-isvc")
    assert obj is not None
    obj["spec"]["predictor"]["canaryTrafficPercent"] = 50
    fake_kube.put(obj)
    route = k8s.read(SPEC).route
    assert route.canary_percent == 5 and route.cannot_act is None  # what serves
    fake_kube.kserve_reconcile = True
    fake_kube.put(fake_kube.get("inferenceservices", NS, "llama-isvc"))  # type: ignore[arg-type]
    assert k8s.read(SPEC).route.canary_percent == 50


def test_kserve_without_a_rolled_out_revision_cannot_act(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    obj = objects.inferenceservice("llama-isvc", NS, 10)
    del obj["status"]["components"]["predictor"]["latestRolledoutRevision"]
    obj["status"]["components"]["predictor"]["traffic"] = [
        {"latestRevision": True, "percent": 100, "revisionName": "llama-isvc-predictor-00002"}
    ]
    fake_kube.put(obj)
    route = cluster(fake_kube, "kserve").read(SPEC).route
    assert route.canary_percent == 100  # the latest serves everything, whatever the spec says
    assert route.cannot_act is not None and "no revision has rolled out yet" in route.cannot_act


@pytest.mark.parametrize(
    ("annotations", "status", "mode"),
    [
        ({"serving.kserve.io/deploymentMode": "Serverless"}, {}, "Serverless"),
        ({}, {"components": {"predictor": {"latestCreatedRevision": "x-00001"}}}, "Knative"),
        ({}, {"components": {"predictor": {"url": "http://x"}}}, "Standard"),
        ({}, {}, "unknown"),
    ],
)
def test_kserve_deployment_mode(annotations: dict[str, str], status: Any, mode: str) -> None:
    obj = {"metadata": {"annotations": annotations}, "status": status}
    assert deployment_mode(obj) == mode


# -- Istio: the served version, and the mirror in force ------------------------------------


def test_istio_serving_only_v1beta1_is_read_and_written_there(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.served["networking.istio.io"] = ("v1beta1",)
    k8s = cluster(fake_kube, "istio")
    state = k8s.read(SPEC)
    assert (state.route.stable_weight, state.route.canary_weight) == (95, 5)
    k8s.set_weights(SPEC, 90, 10, state.route.resource_version)
    stored = fake_kube.get("virtualservices", NS, "llama-vs")
    assert stored is not None
    assert [d["weight"] for d in stored["spec"]["http"][0]["route"]] == [90, 10]
    paths = [q.path for q in fake_kube.requests if "virtualservices" in q.path]
    assert paths and all("/networking.istio.io/v1beta1/" in p for p in paths)
    # Discovery asked once; v1 was tried first and is not served here.
    found = _discovery(fake_kube)
    assert [(q.path.rsplit("/", 1)[1], q.status) for q in found[:2]] == [
        ("v1", 404),
        ("v1beta1", 200),
    ]
    k8s.read(SPEC)
    assert len(_discovery(fake_kube)) == len(found)


def _discovery(fake: FakeKube) -> list[Any]:
    return [q for q in fake.requests if q.path.count("/") == 3 and "istio" in q.path]


def test_istio_without_any_served_version_says_so(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    fake_kube.served["networking.istio.io"] = ()
    with pytest.raises(NotFoundError, match=r"serves none of networking\.istio\.io/v1, "):
        cluster(fake_kube, "istio").read(SPEC)


SHADOW = {"destination": {"host": "shadow"}, "percentage": {"value": 50}}
CANARY = {"host": "llama", "subset": "canary"}


def _vs_with(fake: FakeKube, **primary: Any) -> None:
    obj = objects.virtualservice("llama-vs", NS, "llama", (95, 5))
    obj["spec"]["http"][0].update(primary)
    fake.put(obj)


@pytest.mark.parametrize(
    ("primary", "shown"),
    [
        ({"mirror": {"host": "llama", "subset": "canary"}, "mirrorPercent": 30}, 30.0),
        (
            {
                "mirror": {"host": "llama", "subset": "canary"},
                "mirrorPercent": 30,
                "mirrorPercentage": {"value": 7.5},
            },
            7.5,
        ),
        ({"mirror": {"host": "llama", "subset": "canary"}}, 100.0),
        ({"mirror": {"host": "llama", "subset": "stable"}}, None),
        (
            {
                "mirrors": [
                    {"destination": {"host": "shadow"}, "percentage": {"value": 50}},
                    {
                        "destination": {"host": "llama", "subset": "canary"},
                        "percentage": {"value": 15},
                    },
                ]
            },
            15.0,
        ),
    ],
)
def test_istio_mirror_shown_is_the_one_in_force(
    fake_kube: FakeKube, primary: dict[str, Any], shown: float | None
) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    _vs_with(fake_kube, **primary)
    assert cluster(fake_kube, "istio").read(SPEC).route.mirror_percent == shown


def test_istio_mirror_written_where_the_route_keeps_it(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))
    shadow = {"destination": {"host": "shadow"}, "percentage": {"value": 50}}
    _vs_with(fake_kube, mirrors=[shadow])
    k8s = cluster(fake_kube, "istio")
    state = k8s.set_mirror(SPEC, 20, k8s.read(SPEC).route.resource_version)
    assert state.mirror_percent == 20
    stored = fake_kube.get("virtualservices", NS, "llama-vs")
    assert stored is not None
    http = stored["spec"]["http"][0]
    assert "mirror" not in http and http["mirrors"][0] == shadow
    assert http["mirrors"][1]["percentage"] == {"value": 20.0}
    # The deprecated field is replaced, not left to contradict the new one.
    _vs_with(fake_kube, mirror={"host": "llama", "subset": "canary"}, mirrorPercent=30)
    state = k8s.set_mirror(SPEC, 5, k8s.read(SPEC).route.resource_version)
    stored = fake_kube.get("virtualservices", NS, "llama-vs")
    assert stored is not None and "mirrorPercent" not in stored["spec"]["http"][0]
    assert state.mirror_percent == 5


@pytest.mark.parametrize("kind", ["httproute", "istio"])
def test_weights_the_server_stored_otherwise_are_an_error(fake_kube: FakeKube, kind: str) -> None:
    """A mutating webhook (a policy capping canaries at 5) changes the weights on the way in:
    the write is not reported as the plan."""
    seed(fake_kube, stable=4, canary=1, weights=(95, 5))

    def cap(kind_: str, obj: dict[str, Any]) -> None:
        for rule in obj["spec"].get("rules") or obj["spec"].get("http") or []:
            for ref in rule.get("backendRefs") or rule.get("route") or []:
                name = ref.get("name") or ref.get("destination", {}).get("subset")
                if name in ("llama-v2", "canary"):
                    ref["weight"] = min(ref.get("weight", 1), 5)

    fake_kube.mutating = cap
    k8s = cluster(fake_kube, kind)
    with pytest.raises(NotStoredError, match="wrote weights 90/10 but the API server stored 90/5"):
        k8s.set_weights(SPEC, 90, 10, k8s.read(SPEC).route.resource_version)
