"""A seeded fake cluster for the Kubernetes tests: two tracks and one router object per kind."""

from __future__ import annotations

from typing import Any

from console.model import DeploymentSpec
from console.sources.k8s_routes import Route
from console.sources.kubernetes import KubernetesCluster
from tests.fake_kube import FakeKube, objects

NS = "inference"
SPEC = DeploymentSpec(name="llama", namespace=NS, stable="llama-v1", canary="llama-v2")
ROUTES = {
    "httproute": Route("httproute", "llama", "llama-v1", "llama-v2"),
    "istio": Route("istio", "llama-vs", "stable", "canary"),
    "kserve": Route("kserve", "llama-isvc", "llama-v1", "llama-v2"),
    "replicas": Route("replicas", "llama", "llama-v1", "llama-v2"),
}


def seed(fake: FakeKube, stable: int = 4, canary: int = 0) -> None:
    """Stable with ``stable`` ready pods, canary with ``canary``, and every kind of router."""
    fake.add_deployment("llama-v1", NS, stable)
    fake.add_deployment("llama-v2", NS, canary)
    fake.put(objects.httproute("llama", NS, "llama-v1", "llama-v2", (100, 0)))
    fake.put(objects.virtualservice("llama-vs", NS, "llama", (100, 0)))
    fake.put(objects.inferenceservice("llama-isvc", NS, 0))


def cluster(fake: FakeKube, kind: str = "httproute", **kwargs: Any) -> KubernetesCluster:
    return KubernetesCluster({"llama": ROUTES[kind]}, host=fake.url, **kwargs)
