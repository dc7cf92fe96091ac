"""The fake API server answers like the real one: complete objects the v37 models accept,
resourceVersion/generation bumps, the real status codes and messages, watches and pod logs."""

from __future__ import annotations

import copy
import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kubernetes import client, watch

from tests.fake_kube import FakeKube, objects
from tests.kube_support import NS, seed
from tests.waiting import eventually

GW = ("gateway.networking.k8s.io", "v1", NS, "httproutes", "llama")


@pytest.fixture
def api(fake_kube: FakeKube) -> Iterator[client.ApiClient]:
    seed(fake_kube, stable=3, canary=1)
    with client.ApiClient(client.Configuration(host=fake_kube.url)) as api_client:
        yield api_client


def status_of(err: client.ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(err.body)
    return body


def test_responses_deserialize_into_the_clients_strict_models(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    dep = apps.read_namespaced_deployment("llama-v1", NS)
    assert isinstance(dep, client.V1Deployment)
    assert dep.status.ready_replicas == 3 and dep.spec.template.spec.containers[0].name
    assert len(apps.list_namespaced_deployment(NS).items) == 2
    scale = apps.read_namespaced_deployment_scale("llama-v1", NS)
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (
        3,
        3,
        "app=llama-v1",
    )
    pods = core.list_namespaced_pod(NS, label_selector="app=llama-v2").items
    assert len(pods) == 1 and pods[0].status.container_statuses[0].ready
    assert core.read_namespaced_pod(pods[0].metadata.name, NS).status.phase == "Running"
    fake_kube.add_hpa("llama-v2", "llama-v2", 1, 4)
    hpa = client.AutoscalingV2Api(api).read_namespaced_horizontal_pod_autoscaler("llama-v2", NS)
    assert hpa.spec.scale_target_ref.name == "llama-v2" and hpa.status.desired_replicas == 1
    events = client.EventsV1Api(api)
    events.create_namespaced_event(
        NS,
        client.EventsV1Event(
            metadata=client.V1ObjectMeta(name="e1"),
            event_time=datetime.now(UTC),
            reporting_controller="example.com/console",
            reporting_instance="host-1",
            action="Step",
            reason="CanaryStep",
            type="Normal",
            regarding=client.V1ObjectReference(kind="HTTPRoute", name="llama", namespace=NS),
        ),
    )
    assert [e.reason for e in events.list_namespaced_event(NS).items] == ["CanaryStep"]


def test_zero_status_counts_are_absent_like_the_real_servers(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    apps.patch_namespaced_deployment_scale("llama-v2", NS, {"spec": {"replicas": 0}})
    eventually(
        lambda: apps.read_namespaced_deployment("llama-v2", NS).status.ready_replicas is None,
        "the canary's pods to go",
    )
    raw = apps.read_namespaced_deployment("llama-v2", NS, _preload_content=False)
    status = json.loads(raw.data)["status"]
    assert "readyReplicas" not in status and "replicas" not in status
    assert json.loads(raw.data)["spec"]["replicas"] == 0


def test_writes_bump_resource_version_and_spec_changes_bump_generation(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    apps = client.AppsV1Api(api)
    before = apps.read_namespaced_deployment("llama-v2", NS)
    apps.patch_namespaced_deployment("llama-v2", NS, {"metadata": {"labels": {"team": "ml"}}})
    labelled = apps.read_namespaced_deployment("llama-v2", NS)
    assert int(labelled.metadata.resource_version) > int(before.metadata.resource_version)
    assert labelled.metadata.generation == before.metadata.generation
    scaled = apps.patch_namespaced_deployment_scale("llama-v2", NS, {"spec": {"replicas": 3}})
    assert scaled.spec.replicas == 3
    after = apps.read_namespaced_deployment("llama-v2", NS)
    assert after.metadata.generation == before.metadata.generation + 1
    assert fake_kube.requests_to("PATCH", "/scale")[-1].content_type == (
        "application/strategic-merge-patch+json"
    )
    eventually(
        lambda: (
            apps.read_namespaced_deployment("llama-v2", NS).status.observed_generation
            == after.metadata.generation
        ),
        "the controller to observe the new generation",
    )


def test_stale_resource_version_is_a_409_status_with_the_plural_kind(
    api: client.ApiClient,
) -> None:
    custom = client.CustomObjectsApi(api)
    route = custom.get_namespaced_custom_object(*GW)
    rules = route["spec"]["rules"]
    custom.patch_namespaced_custom_object(*GW, {"metadata": {"labels": {"x": "1"}}})
    with pytest.raises(client.ApiException) as err:
        custom.patch_namespaced_custom_object(
            *GW,
            {
                "metadata": {"resourceVersion": route["metadata"]["resourceVersion"]},
                "spec": {"rules": rules},
            },
        )
    body = status_of(err.value)
    assert err.value.status == 409 and body["reason"] == "Conflict"
    assert body["details"] == {
        "name": "llama",
        "group": "gateway.networking.k8s.io",
        "kind": "httproutes",
    }
    assert body["message"].startswith(
        'Operation cannot be fulfilled on httproutes.gateway.networking.k8s.io "llama"'
    )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda r: r[0]["backendRefs"][1].update(weight=2_000_000),
            "weight",
            "should be less than or equal to 1000000",
        ),
        (
            lambda r: [b.update(weight=0) for b in r[0]["backendRefs"]],
            "backendRefs",
            "all weights are 0",
        ),
        (lambda r: r.pop(), "spec.rules", "full rules list"),
        (
            lambda r: r[0]["backendRefs"][0].pop("port"),
            "backendRefs[0]",
            "Must have port for Service reference",
        ),
        (
            lambda r: r[0].update(
                filters=[
                    {
                        "type": "RequestMirror",
                        "requestMirror": {
                            "backendRef": {"name": "llama-v2", "port": 8000},
                            "percent": 5,
                            "fraction": {"numerator": 1},
                        },
                    }
                ]
            ),
            "requestMirror",
            "Only one of percent or fraction",
        ),
    ],
    ids=["weight-over-max", "all-zero", "rules-not-full", "no-port", "percent-and-fraction"],
)
def test_the_fake_rejects_what_the_api_would_with_422(
    api: client.ApiClient, change: Any, field: str, words: str
) -> None:
    custom = client.CustomObjectsApi(api)
    route = custom.get_namespaced_custom_object(*GW)
    rules = copy.deepcopy(route["spec"]["rules"])
    change(rules)
    with pytest.raises(client.ApiException) as err:
        custom.patch_namespaced_custom_object(*GW, {"spec": {"rules": rules}})
    body = status_of(err.value)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["message"].startswith('HTTPRoute.gateway.networking.k8s.io "llama" is invalid:')
    assert words in body["message"] and field in body["details"]["causes"][0]["field"]
    assert custom.get_namespaced_custom_object(*GW) == route  # nothing was written


def test_strategic_merge_on_a_custom_object_is_415_and_json_patch_test_guards(
    api: client.ApiClient,
) -> None:
    custom = client.CustomObjectsApi(api)
    with pytest.raises(client.ApiException) as err:
        custom.patch_namespaced_custom_object(
            *GW, {"spec": {}}, _content_type="application/strategic-merge-patch+json"
        )
    assert err.value.status == 415
    assert "accepted media types include" in status_of(err.value)["message"]
    version = custom.get_namespaced_custom_object(*GW)["metadata"]["resourceVersion"]
    ops = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": version},
        {"op": "replace", "path": "/spec/rules/0/backendRefs/1/weight", "value": 7},
    ]
    done = custom.patch_namespaced_custom_object(
        *GW, ops, _content_type="application/json-patch+json"
    )
    assert done["spec"]["rules"][0]["backendRefs"][1]["weight"] == 7
    with pytest.raises(client.ApiException) as stale:
        custom.patch_namespaced_custom_object(*GW, ops, _content_type="application/json-patch+json")
    assert stale.value.status == 422


def test_put_on_a_custom_object_needs_a_resource_version(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    route = custom.get_namespaced_custom_object(*GW)
    del route["metadata"]["resourceVersion"]
    with pytest.raises(client.ApiException) as err:
        custom.replace_namespaced_custom_object(*GW, route)
    assert err.value.status == 422
    assert (
        "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
        in (status_of(err.value)["message"])
    )


def test_forbidden_and_not_found_are_worded_like_the_api_server(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    fake_kube.forbid("patch", "deployments/scale")
    apps = client.AppsV1Api(api)
    with pytest.raises(client.ApiException) as err:
        apps.patch_namespaced_deployment_scale("llama-v2", NS, {"spec": {"replicas": 2}})
    assert err.value.status == 403
    assert status_of(err.value)["message"] == (
        'deployments.apps "llama-v2" is forbidden: User "system:serviceaccount:inference:console" '
        'cannot patch resource "deployments/scale" in API group "apps" in the namespace "inference"'
    )
    with pytest.raises(client.ApiException) as missing:
        apps.read_namespaced_deployment("nope", NS)
    assert missing.value.status == 404
    assert status_of(missing.value)["message"] == 'deployments.apps "nope" not found'


def test_managed_fields_name_who_changed_what_and_when(api: client.ApiClient) -> None:
    custom = client.CustomObjectsApi(api)
    route = custom.get_namespaced_custom_object(*GW)
    custom.patch_namespaced_custom_object(
        *GW, {"spec": {"rules": route["spec"]["rules"]}}, field_manager="someone-else"
    )
    fields = custom.get_namespaced_custom_object(*GW)["metadata"]["managedFields"]
    managers = {f["manager"]: f for f in fields}
    assert set(managers) == {"kubectl-client-side-apply", "someone-else"}
    assert managers["someone-else"]["fieldsV1"] == {"f:spec": {"f:rules": {}}}
    assert datetime.fromisoformat(managers["someone-else"]["time"]) >= datetime.fromisoformat(
        managers["kubectl-client-side-apply"]["time"]
    )


def test_watch_streams_changes_after_the_version_read(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    apps = client.AppsV1Api(api)
    version = apps.list_namespaced_deployment(NS).metadata.resource_version
    apps.patch_namespaced_deployment_scale("llama-v2", NS, {"spec": {"replicas": 2}})
    seen: list[tuple[str, int]] = []
    for event in watch.Watch().stream(
        apps.list_namespaced_deployment,
        NS,
        field_selector="metadata.name=llama-v2",
        resource_version=version,
        timeout_seconds=5,
    ):
        seen.append((event["type"], event["object"].status.ready_replicas or 0))
        if event["object"].status.ready_replicas == 2:
            break
    assert seen[0] == ("MODIFIED", 1) and seen[-1] == ("MODIFIED", 2)
    query = fake_kube.requests_to("GET", "/deployments")[-1].query
    assert query["watch"] == "true" and query["resourceVersion"] == version


def test_pod_logs_tail_since_timestamps_follow_and_cut(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    core = client.CoreV1Api(api)
    pod = fake_kube.pods("llama-v2")[0]["metadata"]["name"]
    old = datetime.now(UTC) - timedelta(minutes=5)
    fake_kube.logs.append(NS, pod, "old line", at=old)
    fake_kube.append_log(pod, "INFO ready", "INFO serving")
    assert core.read_namespaced_pod_log(pod, NS, tail_lines=1) == "INFO serving\n"
    since = (old + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"{fake_kube.url}/api/v1/namespaces/{NS}/pods/{pod}/log?sinceTime={since}"
    with urllib.request.urlopen(url) as answer:
        assert answer.read() == b"INFO ready\nINFO serving\n"
    assert core.read_namespaced_pod_log(pod, NS, since_seconds=60) == "INFO ready\nINFO serving\n"
    stamped = core.read_namespaced_pod_log(pod, NS, timestamps=True, tail_lines=1)
    assert stamped.endswith("Z INFO serving\n") and stamped[:4].isdigit()
    got: list[str] = []
    stream = watch.Watch().stream(core.read_namespaced_pod_log, name=pod, namespace=NS, follow=True)
    for line in stream:
        got.append(line)
        if line == "INFO serving":
            fake_kube.append_log(pod, "INFO later")
        if line == "INFO later":
            fake_kube.cut_log(pod)
    assert got == ["old line", "INFO ready", "INFO serving", "INFO later"]
    assert fake_kube.requests_to("GET", "/log")[-1].query["follow"] == "true"


def test_starting_pod_logs_are_a_400_like_a_container_creating(fake_kube: FakeKube) -> None:
    fake_kube.add_deployment("cold", NS, 1, ready=False)
    pod = fake_kube.pods("cold")[0]["metadata"]["name"]
    assert pod.startswith("cold-") and len(pod.split("-")) == 3
    with (
        client.ApiClient(client.Configuration(host=fake_kube.url)) as api_client,
        pytest.raises(client.ApiException) as err,
    ):
        client.CoreV1Api(api_client).read_namespaced_pod_log(pod, NS)
    assert err.value.status == 400 and "is waiting to start: ContainerCreating" in err.value.body


def test_an_hpa_holds_its_target_within_its_bounds(
    fake_kube: FakeKube, api: client.ApiClient
) -> None:
    fake_kube.put(objects.hpa("llama-v2", NS, "llama-v2", 1, 3))
    apps = client.AppsV1Api(api)
    apps.patch_namespaced_deployment_scale("llama-v2", NS, {"spec": {"replicas": 3}})
    fake_kube.settle()
    assert apps.read_namespaced_deployment("llama-v2", NS).spec.replicas == 1
