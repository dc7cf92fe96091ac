"""The audit tab's Kubernetes side, through the real client against the fake API server:
Events on the route and both Deployments, and changes by other field managers (never the
console's own), each shown once; and the console configured with ``[kubernetes]`` showing an
Event in its audit tab and pod logs in its logs tab."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.config import Loaded, load_settings
from console.factory import build_context
from console.model import LogLine, Track
from console.sources.k8s_calls import Calls
from console.sources.kubernetes import KubernetesCluster
from console.sources.logs_kube_events import KubeAuditSource, field_paths
from console.tui.app import ConsoleApp
from tests.fake_kube import FakeKube
from tests.kube_support import NS, SPEC, cluster, seed
from tests.waiting import wait_until
from widgets.log_stream import LogStream


def other_event(kube: KubernetesCluster, name: str, reason: str, message: str) -> None:
    """A Warning Event on the Deployment ``name``, as the deployment controller leaves one."""
    calls = kube.calls()
    client = calls.client
    now = datetime.now(UTC)
    calls.core.create_namespaced_event(
        NS,
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name=f"{name}.{reason.lower()}", namespace=NS),
            involved_object=client.V1ObjectReference(
                api_version="apps/v1", kind="Deployment", name=name, namespace=NS
            ),
            reason=reason,
            message=message,
            type="Warning",
            source=client.V1EventSource(component="deployment-controller"),
            first_timestamp=now,
            last_timestamp=now,
            count=1,
        ),
    )


def patch_route_as(kube: KubernetesCluster, manager: str) -> None:
    calls = kube.calls()
    calls.custom_api.patch_namespaced_custom_object(
        "gateway.networking.k8s.io",
        "v1",
        NS,
        "httproutes",
        "llama",
        {"metadata": {"labels": {"owner": manager}}},
        field_manager=manager,
    )


def poll(source: KubeAuditSource, calls: Calls) -> list[LogLine]:
    return source.poll(calls, source.objects())


def test_events_and_changes_by_others_each_appear_once(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=2, canary=0)
    kube = cluster(fake_kube)
    calls = kube.calls()
    source = KubeAuditSource(kube, SPEC)
    first = [line.text for line in poll(source, calls)]
    # The objects as the seeding client left them: who created them, and when.
    for obj in ("httproute/llama", "deployment/llama-v1", "deployment/llama-v2"):
        assert any(
            t.startswith(f"changed {obj} by kubectl-client-side-apply (Update)") for t in first
        )
    assert not [t for t in first if "kube-controller-manager" in t]  # status reports left out
    assert poll(source, calls) == []  # nothing new, nothing shown

    kube.record_event(SPEC, "CanaryStep", "canary to 5%")
    other_event(kube, "llama-v2", "FailedCreate", "quota exceeded:  gpu")
    patch_route_as(kube, "kubectl-edit")
    lines = poll(source, calls)
    texts = [line.text for line in lines]
    assert "event Normal CanaryStep httproute/llama: canary to 5% [inference-console]" in texts
    warning = next(line for line in lines if "FailedCreate" in line.text)
    assert warning.text == (
        "event Warning FailedCreate deployment/llama-v2: quota exceeded: gpu"
        " [deployment-controller]"
    )
    assert warning.level == "warn" and warning.time is not None
    change = next(t for t in texts if t.startswith("changed httproute/llama by kubectl-edit"))
    assert "(Update)" in change and "owns metadata.labels" in change
    assert len(texts) == 3
    assert poll(source, calls) == []


def test_the_consoles_own_changes_are_not_changes_by_others(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=2, canary=0)
    kube = cluster(fake_kube)
    calls = kube.calls()
    source = KubeAuditSource(kube, SPEC)
    poll(source, calls)
    state = kube.read(SPEC)
    kube.scale(SPEC, Track.CANARY, 1)
    kube.set_weights(SPEC, 95, 5, state.route.resource_version)
    route = fake_kube.get("httproutes", NS, "llama")
    assert route is not None
    managers = {e["manager"] for e in route["metadata"]["managedFields"]}
    assert "inference-console" in managers  # the console did write, under its own name
    fake_kube.settle()
    assert [line.text for line in poll(source, calls)] == []
    # Another console instance writing under another name is someone else.
    ops = cluster(fake_kube, field_manager="ops-console")
    texts = [line.text for line in poll(KubeAuditSource(ops, SPEC), ops.calls())]
    assert any(t.startswith("changed httproute/llama by inference-console (Update)") for t in texts)
    assert any(
        t.startswith("changed deployment/llama-v2 by inference-console (Update /scale)")
        for t in texts
    )


def test_a_forbidden_event_list_is_said_once(fake_kube: FakeKube) -> None:
    seed(fake_kube)
    kube = cluster(fake_kube)
    calls = kube.calls()
    fake_kube.forbid("list", "events")
    source = KubeAuditSource(kube, SPEC)
    errors = [line for line in poll(source, calls) if line.level == "error"]
    assert len(errors) == 3  # one per object
    assert errors[0].text.startswith("[console] events httproute/llama: list events inference/")
    assert "HTTP 403 Forbidden" in errors[0].text
    assert [line for line in poll(source, calls) if line.level == "error"] == []
    fake_kube.forbidden.clear()
    kube.record_event(SPEC, "CanaryStep", "allowed now")
    assert any("allowed now" in line.text for line in poll(source, calls))


def test_field_paths_name_what_a_manager_owns() -> None:
    fields = {"f:metadata": {"f:labels": {"f:app": {}}}, "f:spec": {"f:rules": {}, ".": {}}}
    assert field_paths(fields) == ["metadata.labels", "spec.rules"]
    assert field_paths({"f:spec": {"f:replicas": {}}}) == ["spec.replicas"]
    assert field_paths(None) == []


def write_config(path: Path, kubeconfig: Path, audit: Path) -> Path:
    path.write_text(
        f'[kubernetes]\nkubeconfig = "{kubeconfig}"\ncontext = "fake"\n\n'
        '[logs]\nevents_interval = "0.1s"\npod_tail_lines = 10\n\n'
        f'[audit]\npath = "{audit}"\n\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\nrouter = { kind = "httproute", name = "llama" }\n'
    )
    return path


def stream_text(app: ConsoleApp, which: str) -> str:
    log = app.dashboard.query_one(f"#{which}", LogStream)
    return "\n".join(log.render_line(y).text for y in range(log.size.height))


async def test_the_audit_tab_shows_events_from_the_cluster(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=1, canary=1)
    (pod,) = [p["metadata"]["name"] for p in fake_kube.pods("llama-v2")]
    fake_kube.append_log(pod, "INFO canary serving")
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake")
    config = write_config(tmp_path / "c.toml", kubeconfig, tmp_path / "audit.jsonl")
    settings = load_settings(config)
    ctx = build_context(Loaded(settings, settings.deployments[0], demo=False, config_path=config))
    assert isinstance(ctx.cluster, KubernetesCluster)
    app = ConsoleApp(ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot, lambda: "INFO canary serving" in stream_text(app, "server-logs"), "pod logs"
        )
        # A real cluster's pod logs never come with simulated server lines beside them.
        kinds = [type(source).__name__ for source in ctx.log_feeds(ctx.deployment).server]
        assert kinds == ["KubePodLogSource"]
        assert ctx.read_only, "simulated metrics: gates cannot judge a real cluster"
        ctx.cluster.record_event(ctx.deployment.spec(), "CanaryStep", "canary to 5% by ops")
        await pilot.press("a")
        await wait_until(
            pilot,
            lambda: (
                "event Normal CanaryStep httproute/llama: canary to 5% by ops"
                in stream_text(app, "audit-log")
            ),
            "the Event in the audit tab",
        )
        assert "changed httproute/llama by kubectl-client-side-apply" in stream_text(
            app, "audit-log"
        )
