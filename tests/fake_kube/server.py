"""The fake API server: a threaded HTTP server on a free loopback port, with the controls a test
needs (seed objects, readiness, faults, RBAC denials, log lines, cut streams) and a record of
every request it received."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fake_kube import objects
from tests.fake_kube.controller import Controller
from tests.fake_kube.handlers import Api
from tests.fake_kube.http import Server, handler
from tests.fake_kube.logs import PodLogs
from tests.fake_kube.records import DropConnection, Fault, Request
from tests.fake_kube.resources import Resource, resource
from tests.fake_kube.status import ApiError
from tests.fake_kube.store import Store

SEED_MANAGER = "kubectl-client-side-apply"


class FakeKube:
    def __init__(self) -> None:
        self.store = Store()
        self.logs = PodLogs()
        self.controller = Controller(self.store, self.logs.pod_gone)
        self.api = Api(self)
        self.requests: list[Request] = []
        self.forbidden: set[tuple[str, str]] = set()
        self.faults: list[Fault] = []
        self.user = "system:serviceaccount:inference:console"
        self.token: str | None = None  # when set, requests must carry "Bearer <token>"
        self.compacted_below = 0
        self.watch_epoch = 0
        #: Watches being served now (each would be ended by ``end_watches``).
        self.open_watches = 0
        self.drop_watches = False
        self.logs_before_ready = False
        #: The Gateway API release whose standard CRDs are installed (mirror percentages: 1.3+).
        self.gateway_api: tuple[int, int] = (1, 3)
        #: False: an API server before 1.25, which ignores ``fieldValidation`` (always prunes).
        self.field_validation = True
        #: Versions served per group (Istio before 1.22: only v1beta1); others: all listed.
        self.served: dict[str, tuple[str, ...]] = {"networking.istio.io": ("v1", "v1beta1")}
        #: KServe's controller writes each InferenceService's status from its spec; False
        #: freezes the status (a controller that has not reconciled yet).
        self.kserve_reconcile = True
        #: A mutating admission webhook: called with (kind, object) on every update, may change it.
        self.mutating: Callable[[str, dict[str, Any]], None] | None = None
        self.closed = False
        self._lock = threading.Lock()
        self._released = threading.Event()  # set on stop: stalled requests go on
        self._server = Server(("127.0.0.1", 0), handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeKube:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        with self.store.changed:
            self.closed = True
            self.store.changed.notify_all()
        self.logs.close()
        self.controller.stop()
        self._server.shutdown()
        self._server.server_close()

    def kubeconfig(
        self, path: Path, context: str = "fake", user: str = "tester", token: str = "fake-token"
    ) -> Path:
        """Write a kubeconfig pointing at this server (JSON is valid YAML)."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake-cluster", "cluster": {"server": self.url}}],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [
                {
                    "name": context,
                    "context": {"cluster": "fake-cluster", "user": user, "namespace": "inference"},
                }
            ],
            "current-context": context,
        }
        path.write_text(json.dumps(config))
        return path

    # -- controls --------------------------------------------------------------------------

    def forbid(self, verb: str, rule: str) -> None:
        """Deny ``verb`` (or ``*``) on ``rule`` (``httproutes``, ``deployments/scale``) with 403."""
        self.forbidden.add((verb, rule))

    def fail(
        self,
        verb: str,
        rule: str,
        status: int = 500,
        times: int = 1,
        message: str | None = None,
        stall_s: float = 0.0,
        late: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (0: drop the connection),
        and ``message`` as the Status message when given; with ``stall_s``, only after holding
        the request that long (a hung API server; ``stop`` releases it). A ``late`` fault hits
        a write after it is done: it stays done, the client just never hears so."""
        with self._lock:
            self.faults.append(Fault(verb, rule, status, times, message, stall_s, late))

    def take_fault(self, verb: str, rule: str, late: bool = False) -> None:
        with self._lock:
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.times > 0 and f.verb in (verb, "*") and f.rule == rule and f.late == late
                ),
                None,
            )
            if fault is None:
                return
            fault.times -= 1
        if fault.stall_s:
            self._released.wait(fault.stall_s)
        if fault.status == 0:
            raise DropConnection
        default = (
            "Internal error occurred: injected fault"
            if fault.status >= 500
            else f"injected {fault.status}"
        )
        raise ApiError(fault.status, fault.message or default)

    def lock_watches(self) -> threading.Lock:
        return self._lock

    def end_watches(self, drop: bool = False) -> None:
        """End every open watch: cleanly (as a server time-out does) or by dropping the socket."""
        with self.store.changed:
            self.drop_watches = drop
            self.watch_epoch += 1
            self.store.changed.notify_all()

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_to(self, method: str | None = None, path_end: str = "") -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.endswith(path_end)
            ]

    # -- objects ---------------------------------------------------------------------------

    def get(
        self, plural: str, namespace: str, name: str, group: str | None = None
    ) -> dict[str, Any] | None:
        res = self._res(plural, group)
        return self.store.get((res.group, res.plural, namespace, name))

    def put(self, obj: dict[str, Any], manager: str = SEED_MANAGER) -> dict[str, Any]:
        """Create or overwrite ``obj`` as another client would (bumps resourceVersion)."""
        group = obj["apiVersion"].rpartition("/")[0]
        res = next(r for r in _all() if r.group == group and r.kind == obj["kind"])
        stored = self.store.put(res, obj, manager)
        self.api._after_write(res, stored)
        return stored

    def add_deployment(
        self,
        name: str,
        namespace: str = "inference",
        replicas: int = 2,
        ready: bool = True,
        image: str = "vllm/vllm-openai:v0.6",
    ) -> dict[str, Any]:
        """A Deployment with ``replicas`` pods, all ready when this returns; with ``ready=False``
        they stay starting until ``make_ready`` (unless a ready delay was set for it)."""
        if not ready:
            self.controller.ready_delay.setdefault(name, None)
        self.store.put(
            resource("apps", "deployments"),
            objects.deployment(name, namespace, replicas, image),
            SEED_MANAGER,
        )
        self.controller.reconcile(namespace, name)
        if ready:
            for pod in self.pods(name, namespace):
                self.controller.set_ready(namespace, pod["metadata"]["name"])
        self.controller.reconcile(namespace, name)
        obj = self.get("deployments", namespace, name)
        assert obj is not None
        return obj

    def add_hpa(
        self,
        name: str,
        target: str,
        min_replicas: int,
        max_replicas: int,
        namespace: str = "inference",
    ) -> dict[str, Any]:
        return self.put(objects.hpa(name, namespace, target, min_replicas, max_replicas))

    def pods(self, deployment: str, namespace: str = "inference") -> list[dict[str, Any]]:
        return [
            p
            for p in self.store.list("", "pods", namespace)
            if p["metadata"]["labels"].get("app") == deployment
        ]

    def make_ready(
        self, deployment: str, count: int | None = None, namespace: str = "inference"
    ) -> int:
        """Mark up to ``count`` (default: all) starting pods of ``deployment`` ready."""
        done = 0
        for pod in self.pods(deployment, namespace):
            if count is not None and done >= count:
                break
            if self.controller.set_ready(namespace, pod["metadata"]["name"]):
                done += 1
        return done

    def set_ready_delay(self, deployment: str, seconds: float | None) -> None:
        """New pods of ``deployment`` turn ready ``seconds`` after creation (None: only on
        ``make_ready``)."""
        self.controller.ready_delay[deployment] = seconds

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until the controllers have nothing scheduled (pending readiness timers count)."""
        deadline = time.monotonic() + timeout
        while not self.controller.idle():
            if time.monotonic() > deadline:
                raise TimeoutError("the fake cluster's controllers did not settle")
            time.sleep(0.01)

    def append_log(self, pod: str, *lines: str, namespace: str = "inference") -> None:
        self.logs.append(namespace, pod, *lines)

    def cut_log(self, pod: str, namespace: str = "inference") -> None:
        self.logs.cut(namespace, pod)

    def delete_pod(self, pod: str, namespace: str = "inference") -> None:
        self.store.delete(resource("", "pods"), namespace, pod)
        self.logs.pod_gone(namespace, pod)

    def served_versions(self, group: str) -> tuple[str, ...]:
        known = tuple(r.version for r in _all() if r.group == group)
        return self.served.get(group, known)

    def _res(self, plural: str, group: str | None) -> Resource:
        matches = [r for r in _all() if r.plural == plural and (group is None or r.group == group)]
        return matches[0]


def _all() -> list[Resource]:
    from tests.fake_kube.resources import RESOURCES

    return RESOURCES
