"""What the cluster's controllers do, asynchronously: the Deployment controller makes pods and
reports status a moment after a write, pods turn ready only later (after a delay, or when the
test says so), and an HPA holds its target within ``minReplicas..maxReplicas``."""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.fake_kube import objects
from tests.fake_kube.resources import resource
from tests.fake_kube.store import Store, now_rfc3339

DEPLOYMENTS = resource("apps", "deployments")
PODS = resource("", "pods")
HPAS = resource("autoscaling", "horizontalpodautoscalers")
MANAGER = "kube-controller-manager"
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Controller:
    """A timer thread; every reconcile runs on it, never inside the request that caused it."""

    def __init__(self, store: Store, on_pod_gone: Callable[[str, str], None]) -> None:
        self.store = store
        self._on_pod_gone = on_pod_gone
        #: Seconds from a pod's creation to its readiness, per Deployment name; ``None`` = only
        #: when the test calls ``make_ready``. Deployments not listed use ``default_ready_delay``.
        self.ready_delay: dict[str, float | None] = {}
        self.default_ready_delay: float | None = 0.0
        #: Seconds before the Deployment controller observes a write.
        self.observe_delay = 0.02
        #: What each HPA's metrics recommend (by HPA name); the default is its minReplicas.
        self.hpa_recommendation: dict[str, int] = {}
        #: When each pod turned ready (``time.monotonic()``, as request records are stamped).
        self.ready_at: dict[str, float] = {}
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = False
        self._names = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="fake-kube-controller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), action))
            self._cond.notify_all()

    def kick(self, namespace: str, name: str) -> None:
        self.after(self.observe_delay, lambda: self.reconcile(namespace, name))

    def kick_hpa(self, namespace: str, hpa: dict[str, Any]) -> None:
        target = hpa.get("spec", {}).get("scaleTargetRef", {})
        if target.get("kind") == "Deployment":
            self.kick(namespace, target.get("name", ""))

    def idle(self) -> bool:
        with self._cond:
            return not self._timers

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and (
                    not self._timers or self._timers[0][0] > time.monotonic()
                ):
                    wait = self._timers[0][0] - time.monotonic() if self._timers else None
                    self._cond.wait(wait)
                if self._stop:
                    return
                _, _, action = heapq.heappop(self._timers)
            action()

    # -- the Deployment controller -------------------------------------------------------

    def reconcile(self, namespace: str, name: str) -> None:
        with self.store.lock:
            dep = self.store.get(("apps", "deployments", namespace, name))
            pods = [
                p
                for p in self.store.list("", "pods", namespace)
                if p["metadata"]["labels"].get("app") == name
            ]
            if dep is None:
                for p in pods:
                    self._delete_pod(namespace, p["metadata"]["name"])
                return
            dep = self._apply_hpa(dep)
            self._converge_pods(dep, pods)
            self._write_status(dep)

    def _apply_hpa(self, dep: dict[str, Any]) -> dict[str, Any]:
        meta = dep["metadata"]
        for hpa in self.store.list("autoscaling", "horizontalpodautoscalers", meta["namespace"]):
            target = hpa["spec"]["scaleTargetRef"]
            if target.get("kind") != "Deployment" or target.get("name") != meta["name"]:
                continue
            current = dep["spec"].get("replicas", 1)
            if current == 0:
                return dep  # scaling is disabled while the target is at zero
            low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
            wanted = self.hpa_recommendation.get(hpa["metadata"]["name"], low)
            wanted = min(max(wanted, low), high)
            if wanted != current:
                dep["spec"]["replicas"] = wanted
                dep = self.store.put(
                    DEPLOYMENTS,
                    dep,
                    MANAGER,
                    touched={"spec": {"replicas": wanted}},
                    subresource="scale",
                )
            status = {"desiredReplicas": wanted, "currentReplicas": current}
            if hpa.get("status") != status:
                hpa["status"] = status
                self.store.put(HPAS, hpa, MANAGER, touched={"status": status}, subresource="status")
            break
        return dep

    def _converge_pods(self, dep: dict[str, Any], pods: list[dict[str, Any]]) -> None:
        meta = dep["metadata"]
        image = dep["spec"]["template"]["spec"]["containers"][0]["image"]
        pod_hash = objects.template_hash(meta["name"], image)
        desired = dep["spec"].get("replicas", 1)
        delay = self.ready_delay.get(meta["name"], self.default_ready_delay)
        for _ in range(desired - len(pods)):
            suffix = self._suffix(meta["name"])
            pod = objects.pod(
                dep, f"{meta['name']}-{pod_hash}-{suffix}", pod_hash, False, now_rfc3339()
            )
            self.store.put(PODS, pod, MANAGER)
            if delay is not None:
                self.after(
                    delay,
                    functools.partial(
                        self._ready_later, meta["namespace"], pod["metadata"]["name"]
                    ),
                )
        if len(pods) > desired:
            # Not-ready pods go first, then the youngest (as the ReplicaSet controller ranks them).
            ranked = sorted(
                pods,
                key=lambda p: (
                    _ready(p),
                    p["metadata"]["creationTimestamp"],
                    p["metadata"]["resourceVersion"],
                ),
            )
            for p in ranked[: len(pods) - desired]:
                self._delete_pod(meta["namespace"], p["metadata"]["name"])

    def _delete_pod(self, namespace: str, name: str) -> None:
        self.store.delete(PODS, namespace, name)
        self._on_pod_gone(namespace, name)

    def _suffix(self, name: str) -> str:
        digest = hashlib.sha256(f"{name}/{next(self._names)}".encode()).digest()
        return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:5])

    def _ready_later(self, namespace: str, pod_name: str) -> None:
        self.set_ready(namespace, pod_name)

    def set_ready(self, namespace: str, pod_name: str, ready: bool = True) -> bool:
        with self.store.lock:
            pod = self.store.get(("", "pods", namespace, pod_name))
            if pod is None or _ready(pod) == ready:
                return False
            pod["status"] = objects.pod_status(pod["spec"]["containers"][0], ready, now_rfc3339())
            self.store.put(PODS, pod, "kubelet", touched={"status": {}}, subresource="status")
            if ready:
                self.ready_at[pod_name] = time.monotonic()
            owner = pod["metadata"]["labels"]["app"]
        self.kick(namespace, owner)
        return True

    def _write_status(self, dep: dict[str, Any]) -> None:
        meta = dep["metadata"]
        pods = [
            p
            for p in self.store.list("", "pods", meta["namespace"])
            if p["metadata"]["labels"].get("app") == meta["name"]
        ]
        ready = sum(1 for p in pods if _ready(p))
        desired = dep["spec"].get("replicas", 1)
        counts = {
            "observedGeneration": meta["generation"],
            "replicas": len(pods),
            "updatedReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(desired - ready, 0),
        }
        status: dict[str, Any] = {k: v for k, v in counts.items() if v}  # zero counts are omitted
        old = dep.get("status", {})
        available = "True" if ready >= desired else "False"
        stamp = now_rfc3339()
        previous = {c["type"]: c for c in old.get("conditions", [])}
        conditions = []
        for kind, flag, reason in (
            (
                "Available",
                available,
                "MinimumReplicasAvailable" if available == "True" else "MinimumReplicasUnavailable",
            ),
            (
                "Progressing",
                "True",
                "NewReplicaSetAvailable" if available == "True" else "ReplicaSetUpdated",
            ),
        ):
            prev = previous.get(kind)
            same = prev is not None and prev["status"] == flag and prev["reason"] == reason
            conditions.append(
                {
                    "type": kind,
                    "status": flag,
                    "reason": reason,
                    "message": f"Deployment has {ready} of {desired} replicas available",
                    "lastUpdateTime": prev["lastUpdateTime"] if same and prev else stamp,
                    "lastTransitionTime": prev["lastTransitionTime"] if same and prev else stamp,
                }
            )
        status["conditions"] = conditions
        if {k: v for k, v in old.items() if k != "conditions"} == {
            k: v for k, v in status.items() if k != "conditions"
        } and [(c["type"], c["status"], c["reason"]) for c in old.get("conditions", [])] == [
            (c["type"], c["status"], c["reason"]) for c in conditions
        ]:
            return
        dep["status"] = status
        self.store.put(DEPLOYMENTS, dep, MANAGER, touched={"status": {}}, subresource="status")


def _ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )
