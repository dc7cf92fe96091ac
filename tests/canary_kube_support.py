"""Canary actions end to end on the fake API server: the real CanaryController and AuditLog
driving KubernetesCluster (the real client, a kubeconfig with a bearer token) against the fake,
a fixed metrics source, and the fake's request log read back as the writes it received."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.audit import AuditLog, verify
from console.canary import CanaryController, Outcome, Progress
from console.clock import SystemClock
from console.config import DeploymentConfig, GatesConfig, RouterConfig
from console.model import DeploymentSpec, FleetSnapshot, Quantiles, Track, TrackValues
from console.sources.kubernetes import KubernetesCluster, route_of
from tests.fake_kube import FakeKube, Request, objects
from tests.kube_support import NS, ROUTES

TOKEN = "kube-bearer-7f3a9c1e5b2d4068"
ROUTE_PATHS = {
    "httproute": "/httproutes/llama",
    "istio": "/virtualservices/llama-vs",
    "kserve": "/inferenceservices/llama-isvc",
}
ROUTE_PLURALS = {
    "httproute": "httproutes",
    "istio": "virtualservices",
    "kserve": "inferenceservices",
}


class FixedMetrics:
    """A metrics source with fixed, healthy values: both tracks equally fast, no errors."""

    name = "fixed"

    def __init__(self, stable_rps: float, canary_rps: float) -> None:
        self.rps = {Track.STABLE: stable_rps, Track.CANARY: canary_rps}

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        return FleetSnapshot(
            deployment=deployment.name,
            source=self.name,
            at=datetime.now(UTC),
            window_s=window_s,
            tracks={track: _values(rps) for track, rps in self.rps.items()},
        )

    def close(self) -> None:
        pass


def _values(rps: float) -> TrackValues:
    return TrackValues(
        requests_per_s=rps,
        error_share=0.0,
        ttft_s=Quantiles(p50=0.1, p90=0.2, p99=0.3),
        itl_s=Quantiles(p50=0.02, p90=0.03, p99=0.04),
    )


def seed(
    fake: FakeKube, stable: int, canary: int, weights: tuple[int, int], hpa: bool = False
) -> None:
    """Both tracks with all pods ready, and one router object per kind at ``weights``."""
    fake.add_deployment("llama-v1", NS, stable)
    fake.add_deployment("llama-v2", NS, canary)
    if hpa:
        fake.add_hpa("llama-v2-hpa", "llama-v2", max(canary, 1), max(canary, 2))
    fake.put(objects.httproute("llama", NS, "llama-v1", "llama-v2", weights))
    fake.put(objects.virtualservice("llama-vs", NS, "llama", weights))
    percent = round(100 * weights[1] / sum(weights))
    fake.put(objects.inferenceservice("llama-isvc", NS, percent))
    fake.settle()


@dataclass
class Rig:
    fake: FakeKube
    ctl: CanaryController
    cluster: KubernetesCluster
    audit: Path
    kind: str
    progress: list[Progress] = field(default_factory=list)
    #: Called on every progress event (after it is recorded): a test's hook into the action.
    hook: Callable[[Progress], None] | None = None

    def run(
        self, action: str, percent: float | None = None, cancel: threading.Event | None = None
    ) -> Outcome:
        """Plan, then run as the confirmed worker would (in this thread)."""
        plan, snapshot = self.ctl.plan(action, percent)

        def seen(event: Progress) -> None:
            self.progress.append(event)
            if self.hook is not None:
                self.hook(event)

        return self.ctl.run(plan, snapshot, cancel or threading.Event(), seen)

    def once_warming(self, action: Callable[[], None]) -> None:
        """Do ``action`` once, when the first readiness report arrives (the scale is done)."""
        done = threading.Event()

        def hook(event: Progress) -> None:
            if event.message.startswith("warming") and not done.is_set():
                done.set()
                action()

        self.hook = hook

    def route(self) -> dict[str, Any]:
        name = ROUTES[self.kind].name
        obj = self.fake.get(ROUTE_PLURALS[self.kind], NS, name)
        assert obj is not None
        return obj

    def weights(self) -> tuple[int, int]:
        state = self.cluster.read(self.ctl.spec).route
        return state.stable_weight, state.canary_weight


def rig(
    fake: FakeKube,
    tmp_path: Path,
    kind: str = "httproute",
    metrics: tuple[float, float] = (19.0, 1.0),
    request_timeout: float = 5.0,
    **changes: Any,
) -> Rig:
    """A controller for deployment ``llama`` on the fake, through a kubeconfig with a token."""
    route = ROUTES[kind]
    fake.token = TOKEN
    config = fake.kubeconfig(tmp_path / "kubeconfig", context="fake", user="ops", token=TOKEN)
    settings: dict[str, Any] = {
        "name": "llama",
        "namespace": NS,
        "stable": "llama-v1",
        "canary": "llama-v2",
        "router": RouterConfig(
            kind=kind,  # type: ignore[arg-type]
            name=route.name,
            stable_backend=route.stable_backend,
            canary_backend=route.canary_backend,
        ),
        "replica_capacity_rps": 1.0,
        "gates": GatesConfig(min_requests=50),
    }
    deployment = DeploymentConfig(**{**settings, **changes})
    cluster = KubernetesCluster(
        {"llama": route_of(deployment)},
        kubeconfig=config,
        context="fake",
        timeout_s=request_timeout,
    )
    audit = tmp_path / "audit" / "audit.jsonl"
    ctl = CanaryController(
        cluster,
        FixedMetrics(*metrics),
        deployment,
        AuditLog(audit),
        SystemClock(),
        trim_stable=deployment.trim_stable,
    )
    return Rig(fake, ctl, cluster, audit, kind)


# The request log -------------------------------------------------------------------------


def writes(fake: FakeKube, since: int = 0) -> list[Request]:
    """Every request that could change something, in the order received."""
    return [r for r in fake.requests[since:] if r.method in ("POST", "PUT", "PATCH", "DELETE")]


def label(request: Request) -> str:
    """``scale llama-v2``, ``patch httproutes/llama``, ``create events``, …"""
    parts = request.path.strip("/").split("/")
    if parts[-1] == "scale":
        return f"scale {parts[-2]}"
    if request.method == "POST":
        return f"create {parts[-1]}"
    return f"{request.method.lower()} {parts[-2]}/{parts[-1]}"


def index_of(requests: list[Request], text: str) -> int:
    return next(i for i, r in enumerate(requests) if label(r) == text)


def ready_changes(fake: FakeKube, deployment: str) -> dict[str, int]:
    """Per pod of ``deployment``: the store version at which it turned ready (one counter
    orders every write the fake made, ours and its controllers')."""
    out: dict[str, int] = {}
    for change in fake.store.log:
        group, plural, _, name = change.key
        if (group, plural) != ("", "pods") or not name.startswith(f"{deployment}-"):
            continue
        conditions = change.obj.get("status", {}).get("conditions", [])
        if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
            out.setdefault(name, change.rv)
    return out


def version_of_write(fake: FakeKube, plural: str, name: str, after: int = 0) -> int:
    """The store version of the first write to ``plural``/``name`` after version ``after``."""
    return next(
        c.rv
        for c in fake.store.log
        if c.key[1] == plural and c.key[3] == name and c.rv > after and c.type == "MODIFIED"
    )


# The audit trail --------------------------------------------------------------------------


def records(path: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in path.read_text().splitlines()]


def assert_tamper_evident(path: Path, tmp: Path) -> None:
    """The trail verifies; one byte changed in any record breaks it at that record's line."""
    assert verify(path).ok, verify(path)
    lines = path.read_bytes().split(b"\n")
    for number in (1, len([x for x in lines if x])):
        raw = bytearray(path.read_bytes())
        start = sum(len(x) + 1 for x in lines[: number - 1])
        at = raw.index(b'"message":"', start) + len(b'"message":"')
        raw[at] = ord("X") if raw[at] != ord("X") else ord("Y")
        copy = tmp / f"tampered-{number}.jsonl"
        copy.write_bytes(bytes(raw))
        verdict = verify(copy)
        assert not verdict.ok and verdict.line == number, verdict
        assert str(verdict) == (
            f"audit trail broken at line {number}: its hash does not match its content"
        )


def events(fake: FakeKube) -> list[dict[str, Any]]:
    return fake.store.list("", "events", NS)


def assert_no_token(rig: Rig, *texts: str) -> None:
    """The bearer token is in no audit record, no Event, no message."""
    assert rig.fake.requests[-1].headers.get("authorization") == f"Bearer {TOKEN}"
    assert TOKEN not in rig.audit.read_text()
    for event in events(rig.fake):
        assert TOKEN not in str(event)
    for text in texts:
        assert TOKEN not in text
