"""KubernetesCluster with the real client against the fake API server: every router kind,
optimistic concurrency, error messages, the HPA path, Events and managed fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client

from console.errors import ConflictError, ForbiddenError, NotFoundError, SourceError
from console.model import Track
from console.sources.k8s_routes import Route
from console.sources.kubernetes import KubernetesCluster
from tests.fake_kube import FakeKube, objects
from tests.kube_support import NS, SPEC, cluster, seed

OBJECTS = {"httproute": "httproutes", "istio": "virtualservices", "kserve": "inferenceservices"}


@pytest.fixture
def fake(fake_kube: FakeKube) -> FakeKube:
    seed(fake_kube)
    return fake_kube


@pytest.mark.parametrize(
    ("kind", "weights"),
    [("httproute", (100, 0)), ("istio", (100, 0)), ("kserve", (100, 0)), ("replicas", (4, 0))],
)
def test_read_both_tracks_and_the_split(
    fake: FakeKube, kind: str, weights: tuple[int, int]
) -> None:
    state = cluster(fake, kind).read(SPEC)
    assert (state.stable.desired, state.stable.ready, state.stable.available) == (4, 4, 4)
    assert (state.canary.desired, state.canary.ready, state.canary.updated) == (0, 0, 0)
    assert state.stable.caught_up and state.canary.caught_up
    assert (state.route.kind, state.route.stable_weight, state.route.canary_weight) == (
        kind,
        *weights,
    )
    if kind != "replicas":
        stored = fake.get(OBJECTS[kind], NS, state.route.name)
        assert stored is not None
        assert state.route.resource_version == stored["metadata"]["resourceVersion"]


def test_httproute_weights_are_a_merge_patch_of_the_full_rules_with_the_version_read(
    fake: FakeKube,
) -> None:
    k8s = cluster(fake)
    before = k8s.read(SPEC).route
    after = k8s.set_weights(SPEC, 95, 5, before.resource_version)
    assert (after.stable_weight, after.canary_weight) == (95, 5)
    patch = fake.requests_to("PATCH", "/httproutes/llama")[-1]
    assert patch.content_type == "application/merge-patch+json"
    assert patch.body["metadata"] == {"resourceVersion": before.resource_version}
    rules = patch.body["spec"]["rules"]
    assert len(rules) == 2 and rules[1]["backendRefs"] == [
        {"name": "llama-v1", "port": 8000, "weight": 1}
    ]
    assert rules[0]["backendRefs"] == [
        {"name": "llama-v1", "port": 8000, "weight": 95},
        {"name": "llama-v2", "port": 8000, "weight": 5},
    ]
    stored = fake.get("httproutes", NS, "llama")
    assert stored is not None and stored["metadata"]["generation"] == 2
    assert after.resource_version == stored["metadata"]["resourceVersion"]
    mine = [f for f in stored["metadata"]["managedFields"] if f["manager"] == "inference-console"]
    assert mine and mine[0]["fieldsV1"]["f:spec"] == {"f:rules": {}}


def test_istio_and_kserve_weights(fake: FakeKube) -> None:
    istio = cluster(fake, "istio")
    route = istio.set_weights(SPEC, 90, 10, istio.read(SPEC).route.resource_version)
    assert (route.stable_weight, route.canary_weight) == (90, 10)
    stored = fake.get("virtualservices", NS, "llama-vs")
    assert stored is not None
    assert [d["weight"] for d in stored["spec"]["http"][0]["route"]] == [90, 10]
    assert "weight" not in stored["spec"]["http"][1]["route"][0]
    kserve = cluster(fake, "kserve")
    route = kserve.set_weights(SPEC, 75, 25, kserve.read(SPEC).route.resource_version)
    assert (route.stable_weight, route.canary_weight) == (75, 25)
    patch = fake.requests_to("PATCH", "/inferenceservices/llama-isvc")[-1]
    assert patch.body["spec"] == {"predictor": {"canaryTrafficPercent": 25}}
    assert patch.content_type == "application/merge-patch+json"


def test_replica_ratio_weights_are_refused_without_writing(fake: FakeKube) -> None:
    # The split moves by scaling the tracks in order (canary_replicas), never in one write.
    k8s = cluster(fake, "replicas")
    with pytest.raises(SourceError, match="moves by scaling the tracks"):
        k8s.set_weights(SPEC, 3, 1, "")
    assert not fake.requests_to("PATCH")


def test_scale_with_an_expected_count_is_conditional_on_the_version_read(fake: FakeKube) -> None:
    k8s = cluster(fake, "replicas")
    k8s.scale(SPEC, Track.CANARY, 2, expected=0)
    read = fake.requests_to("GET", "/deployments/llama-v2")[-1]
    (patch,) = fake.requests_to("PATCH", "/llama-v2/scale")
    assert patch.time > read.time
    version = patch.body["metadata"]["resourceVersion"]
    assert patch.body == {"metadata": {"resourceVersion": version}, "spec": {"replicas": 2}}
    fake.settle()
    with pytest.raises(ConflictError) as err:  # it wants 2 now, not 0: nothing is written
        k8s.scale(SPEC, Track.CANARY, 3, expected=0)
    assert str(err.value) == (
        "scale deployments.apps inference/llama-v2: changed since it was read "
        "(2 replicas wanted, not 0); nothing was written to it"
    )
    assert len(fake.requests_to("PATCH", "/scale")) == 1


def test_a_conditional_scale_meeting_a_status_only_change_is_retried_once(fake: FakeKube) -> None:
    # A 409 while the Deployment still wants the count read and its generation has not moved
    # (the Deployment controller wrote its status): read again, write with that version.
    k8s = cluster(fake, "replicas")
    fake.fail("patch", "deployments/scale", 409)
    k8s.scale(SPEC, Track.CANARY, 2, expected=0)
    patches = fake.requests_to("PATCH", "/llama-v2/scale")
    assert [p.status for p in patches] == [409, 200]
    assert all(p.body["spec"] == {"replicas": 2} for p in patches)
    fake.fail("patch", "deployments/scale", 409, times=2)
    with pytest.raises(ConflictError, match="HTTP 409"):
        k8s.scale(SPEC, Track.CANARY, 3, expected=2)
    assert [p.status for p in fake.requests_to("PATCH", "/llama-v2/scale")][2:] == [409, 409]


def test_httproute_mirror_is_a_request_mirror_filter_with_percent(fake: FakeKube) -> None:
    k8s = cluster(fake)
    route = k8s.set_mirror(SPEC, 10, k8s.read(SPEC).route.resource_version)
    assert route.mirror_percent == 10.0
    stored = fake.get("httproutes", NS, "llama")
    assert stored is not None
    assert stored["spec"]["rules"][0]["filters"] == [
        {
            "type": "RequestMirror",
            "requestMirror": {"backendRef": {"name": "llama-v2", "port": 8000}, "percent": 10},
        }
    ]
    route = k8s.set_mirror(SPEC, 2.5, route.resource_version)
    assert route.mirror_percent == 2.5
    route = k8s.set_mirror(SPEC, 0, route.resource_version)
    stored = fake.get("httproutes", NS, "llama")
    assert route.mirror_percent is None and stored is not None
    assert "filters" not in stored["spec"]["rules"][0]


def test_istio_mirror_and_mirror_percentage(fake: FakeKube) -> None:
    k8s = cluster(fake, "istio")
    route = k8s.set_mirror(SPEC, 5, k8s.read(SPEC).route.resource_version)
    stored = fake.get("virtualservices", NS, "llama-vs")
    assert route.mirror_percent == 5.0 and stored is not None
    http = stored["spec"]["http"][0]
    assert http["mirror"] == {"host": "llama", "subset": "canary"}
    assert http["mirrorPercentage"] == {"value": 5.0}
    k8s.set_mirror(SPEC, 0, route.resource_version)
    stored = fake.get("virtualservices", NS, "llama-vs")
    assert stored is not None and "mirror" not in stored["spec"]["http"][0]


@pytest.mark.parametrize("kind", ["kserve", "replicas"])
def test_routers_without_mirroring_refuse_it_without_writing(fake: FakeKube, kind: str) -> None:
    k8s = cluster(fake, kind)
    with pytest.raises(SourceError, match="mirror"):
        k8s.set_mirror(SPEC, 5, k8s.read(SPEC).route.resource_version)
    assert not fake.requests_to("PATCH")


@pytest.mark.parametrize("kind", ["httproute", "istio", "kserve"])
def test_a_stale_version_is_a_conflict_and_changes_nothing(fake: FakeKube, kind: str) -> None:
    k8s = cluster(fake, kind)
    read = k8s.read(SPEC).route
    other = fake.get(OBJECTS[kind], NS, read.name)
    assert other is not None
    spec = other["spec"]  # a spec change (generation bumps): status-only changes do not conflict
    if kind == "httproute":
        spec["hostnames"].append("llama.other.example.com")
    elif kind == "istio":
        spec["hosts"].append("llama-other")
    else:
        spec["predictor"]["minReplicas"] = 2
    theirs = fake.put(other, manager="kubectl-edit")
    assert theirs["metadata"]["generation"] == 2
    with pytest.raises(ConflictError) as err:
        k8s.set_weights(SPEC, 90, 10, read.resource_version)
    assert "HTTP 409 Conflict" in str(err.value) and f"inference/{read.name}" in str(err.value)
    assert "the object has been modified" in str(err.value)
    assert fake.get(OBJECTS[kind], NS, read.name) == theirs


def test_bad_weights_are_refused_before_any_request(fake: FakeKube) -> None:
    k8s = cluster(fake)
    version = k8s.read(SPEC).route.resource_version
    for stable, canary in [(0, 0), (-1, 5), (2_000_000, 1)]:
        with pytest.raises(SourceError) as err:
            k8s.set_weights(SPEC, stable, canary, version)
        assert "\n" not in str(err.value)
    assert not fake.requests_to("PATCH")


def test_forbidden_not_found_and_invalid_messages(fake: FakeKube) -> None:
    k8s = cluster(fake)
    version = k8s.read(SPEC).route.resource_version
    fake.forbid("patch", "httproutes")
    with pytest.raises(ForbiddenError) as denied:
        k8s.set_weights(SPEC, 90, 10, version)
    assert str(denied.value) == (
        "patch httproutes.gateway.networking.k8s.io inference/llama: HTTP 403 Forbidden: "
        'httproutes.gateway.networking.k8s.io "llama" is forbidden: User '
        '"system:serviceaccount:inference:console" cannot patch resource "httproutes" in API '
        'group "gateway.networking.k8s.io" in the namespace "inference"'
    )
    missing = KubernetesCluster({"llama": Route("httproute", "nope", "a", "b")}, host=fake.url)
    with pytest.raises(NotFoundError) as gone:
        missing.read(SPEC)
    assert str(gone.value).endswith(
        'HTTP 404 Not Found: httproutes.gateway.networking.k8s.io "nope" not found'
    )
    fake.forbidden.clear()
    # A route written before the CRD learned a rule: the next full-rules write is refused.
    route = fake.get("httproutes", NS, "llama")
    assert route is not None
    del route["spec"]["rules"][1]["backendRefs"][0]["port"]
    fake.put(route, manager="old-controller")
    with pytest.raises(SourceError) as invalid:
        k8s.set_weights(SPEC, 90, 10, k8s.read(SPEC).route.resource_version)
    assert type(invalid.value) is SourceError
    assert "HTTP 422 Unprocessable Entity" in str(invalid.value)
    assert "Must have port for Service reference" in str(invalid.value)


def test_a_dropped_connection_is_one_line_without_the_token(fake: FakeKube, tmp_path: Path) -> None:
    fake.token = "s3cr3t-token-value"
    config = fake.kubeconfig(tmp_path / "kubeconfig", context="fake", token=fake.token)
    k8s = KubernetesCluster(
        {"llama": Route("httproute", "llama", "llama-v1", "llama-v2")},
        kubeconfig=config,
        context="fake",
    )
    version = k8s.read(SPEC).route.resource_version
    fake.fail("patch", "httproutes", status=0)
    with pytest.raises(SourceError) as err:
        k8s.set_weights(SPEC, 90, 10, version)
    assert "the API server did not answer" in str(err.value) and "\n" not in str(err.value)
    fake.forbid("patch", "httproutes")
    with pytest.raises(ForbiddenError) as denied:
        k8s.set_weights(SPEC, 90, 10, version)
    for message in (str(err.value), str(denied.value)):
        assert fake.token not in message
    assert len(fake.requests_to("PATCH", "/httproutes/llama")) == 2
    assert k8s.identity() == "tester@fake"


def test_scale_uses_the_scale_subresource(fake: FakeKube) -> None:
    cluster(fake).scale(SPEC, Track.CANARY, 2)
    patch = fake.requests_to("PATCH", "/llama-v2/scale")[-1]
    assert patch.body == {"spec": {"replicas": 2}}
    assert patch.content_type == "application/strategic-merge-patch+json"
    assert patch.query["fieldManager"] == "inference-console"
    fake.settle()
    assert len(fake.pods("llama-v2")) == 2


def test_scale_with_an_hpa_raises_its_floor_instead(fake: FakeKube) -> None:
    fake.add_deployment("llama-v3", NS, 1)
    fake.put(objects.hpa("llama-v3-hpa", NS, "llama-v3", 1, 2))
    spec = SPEC.model_copy(update={"canary": "llama-v3"})
    cluster(fake).scale(spec, Track.CANARY, 3)
    hpa_patch = fake.requests_to("PATCH", "/horizontalpodautoscalers/llama-v3-hpa")
    assert len(hpa_patch) == 1 and not fake.requests_to("PATCH", "/scale")
    assert hpa_patch[0].body["spec"] == {"minReplicas": 3, "maxReplicas": 3}
    assert hpa_patch[0].body["metadata"]["resourceVersion"]
    fake.settle()
    stored = fake.get("deployments", NS, "llama-v3")
    assert stored is not None and stored["spec"]["replicas"] == 3
    assert len(fake.pods("llama-v3")) == 3


def test_scale_from_zero_with_an_hpa_moves_both(fake: FakeKube) -> None:
    fake.put(objects.hpa("llama-v2", NS, "llama-v2", 1, 4))
    cluster(fake).scale(SPEC, Track.CANARY, 2)
    paths = [r.path.rsplit("/", 2)[-2:] for r in fake.requests if r.method == "PATCH"]
    assert paths == [["horizontalpodautoscalers", "llama-v2"], ["llama-v2", "scale"]]
    fake.settle()
    hpa = fake.get("horizontalpodautoscalers", NS, "llama-v2")
    stored = fake.get("deployments", NS, "llama-v2")
    assert hpa is not None and hpa["spec"]["minReplicas"] == 2
    assert stored is not None and stored["spec"]["replicas"] == 2


def test_record_event_lands_on_the_route_and_never_raises(fake: FakeKube) -> None:
    k8s = cluster(fake)
    assert k8s.record_event(SPEC, "CanaryStep", "ok: weights 99/1 → 95/5") is None
    assert k8s.record_event(SPEC, "CanaryRevert", "failed: 409", warning=True) is None
    assert k8s.last_event_error is None
    with client.ApiClient(client.Configuration(host=fake.url)) as api:
        events = client.CoreV1Api(api).list_namespaced_event(
            NS, field_selector="involvedObject.name=llama"
        )
    seen = [(e.reason, e.type, e.involved_object.kind, e.message) for e in events.items]
    assert sorted(seen) == [
        ("CanaryRevert", "Warning", "HTTPRoute", "failed: 409"),
        ("CanaryStep", "Normal", "HTTPRoute", "ok: weights 99/1 → 95/5"),
    ]
    fake.forbid("create", "events")
    why = k8s.record_event(SPEC, "CanaryStep", "denied")
    assert why is not None and "HTTP 403" in why and why == k8s.last_event_error


def test_a_bad_kubeconfig_context_is_one_line(fake: FakeKube, tmp_path: Path) -> None:
    config = fake.kubeconfig(tmp_path / "kubeconfig")
    k8s = KubernetesCluster(kubeconfig=config, context="missing")
    with pytest.raises(SourceError) as err:
        k8s.read(SPEC)
    assert str(err.value).startswith(f"kubeconfig {config}:") and "missing" in str(err.value)
    assert k8s.identity() is None or "missing" not in (k8s.identity() or "")


def test_kubeconfig_from_the_environment(
    fake: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = fake.kubeconfig(tmp_path / "kubeconfig", context="staging", user="deployer")
    monkeypatch.setenv("KUBECONFIG", str(config))
    k8s = KubernetesCluster()
    assert k8s.read(SPEC).stable.ready == 4
    assert k8s.identity() == "deployer@staging"
    assert fake.requests[-1].headers["authorization"] == "Bearer fake-token"
