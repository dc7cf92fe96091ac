"""The router strategies by route kind: the one place that knows which kinds share a strategy
(as ``console.sources.k8s_routers`` is for the cluster side)."""

from __future__ import annotations

from console.canary.replicas import ReplicaRouter
from console.canary.router import Router
from console.canary.weights import WeightRouter

_WEIGHTS = WeightRouter()

ROUTERS: dict[str, Router] = {
    "httproute": _WEIGHTS,
    "istio": _WEIGHTS,
    "kserve": WeightRouter(
        mirror_refusal="KServe has no traffic mirroring; use an httproute or istio router to mirror"
    ),
    "replicas": ReplicaRouter(),
}


def router_for(kind: str) -> Router:
    """The strategy for a route kind (``router.kind`` in the configuration)."""
    return ROUTERS[kind]
