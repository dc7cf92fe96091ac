"""The traffic split on Kubernetes: the router protocol, checks shared by every kind, the custom
object routers' base and the replica-ratio router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from console.errors import SourceError
from console.model import DeploymentSpec, RouteState

if TYPE_CHECKING:
    from console.sources.k8s_calls import Calls

MAX_WEIGHT = 1_000_000


@dataclass(frozen=True)
class Route:
    """Where a deployment's split lives: the router kind, the object's name, the backends."""

    kind: str  # httproute | istio | kserve | replicas
    name: str
    stable_backend: str
    canary_backend: str


class Router(Protocol):
    def read(self, calls: Calls, spec: DeploymentSpec, route: Route) -> RouteState: ...

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState: ...

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState: ...


def check_weights(stable: int, canary: int) -> None:
    for w in (stable, canary):
        if isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= MAX_WEIGHT:
            raise SourceError(f"weights are integers in 0..{MAX_WEIGHT}, not {w!r}")
    if stable == 0 and canary == 0:
        raise SourceError("stable and canary weights cannot both be 0")


def check_percent(percent: float) -> None:
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
        raise SourceError(f"mirror percent must be in 0..100, not {percent!r}")


class CustomRouter:
    """Routers stored in a custom object: read it, change the atomic list, merge-patch it back
    with the ``resourceVersion`` that was read (a stale one is a 409 from the API server)."""

    group = ""
    version = ""
    #: Versions to try, newest first, when the cluster may serve an older one only (discovery).
    versions: tuple[str, ...] = ()
    plural = ""
    what = ""

    def api_version(self, calls: Calls) -> str:
        """The version to read and write: ``version``, or the first of ``versions`` served."""
        if not self.versions:
            return self.version
        return calls.served_version(self.group, self.versions, self.what)

    def _get(self, calls: Calls, spec: DeploymentSpec, route: Route) -> dict[str, Any]:
        version = self.api_version(calls)
        obj: dict[str, Any] = calls.custom(
            "get",
            self,
            spec.namespace,
            route.name,
            lambda api: api.get_namespaced_custom_object(
                self.group,
                version,
                spec.namespace,
                self.plural,
                route.name,
                _request_timeout=calls.timeout_s,
            ),
        )
        meta = obj.get("metadata") or {}
        seen = calls.generations
        seen[(self.plural, spec.namespace, route.name, meta.get("resourceVersion"))] = meta.get(
            "generation"
        )
        while len(seen) > 256:  # a long-running console reads the route on every refresh
            del seen[next(iter(seen))]
        return obj

    def _version(
        self, calls: Calls, spec: DeploymentSpec, route: Route, obj: dict[str, Any], rv: str
    ) -> str:
        """The version to write with: ``rv``, as read when the action was planned — unless only
        the object's status or metadata moved since (a gateway controller reporting its
        conditions): its ``generation``, which only a spec change bumps, is still the one read
        with ``rv``. Then the current version, so the write still fails on any change after
        this read. A changed spec keeps ``rv``: the API server answers 409."""
        meta = obj.get("metadata") or {}
        seen = calls.generations.get((self.plural, spec.namespace, route.name, rv))
        current = meta.get("resourceVersion")
        if current and current != rv and seen is not None and meta.get("generation") == seen:
            return str(current)
        return rv

    def _patch(
        self,
        calls: Calls,
        spec: DeploymentSpec,
        route: Route,
        body: dict[str, Any],
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Merge-patch ``body`` with strict field validation: a field the cluster's schema does
        not declare is refused (400) instead of dropped (the default only warns). Returns what
        the server stored (with ``dry_run``: what it would store; nothing is)."""
        version = self.api_version(calls)
        extra: dict[str, Any] = {"dry_run": "All"} if dry_run else {}
        obj: dict[str, Any] = calls.custom(
            "patch",
            self,
            spec.namespace,
            route.name,
            lambda api: api.patch_namespaced_custom_object(
                self.group,
                version,
                spec.namespace,
                self.plural,
                route.name,
                body,
                field_manager=calls.field_manager,
                field_validation="Strict",
                _request_timeout=calls.timeout_s,
                **extra,
            ),
        )
        return obj

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        raise NotImplementedError

    def read(self, calls: Calls, spec: DeploymentSpec, route: Route) -> RouteState:
        return self._state(route, self._get(calls, spec, route))


class ReplicaRouter:
    """Two Deployments behind one Service: the split is the ratio of their ready pods, read here
    as the ratio of the replicas each track wants. There is no route object to write: a canary
    pod takes traffic as soon as it is ready, so the controller moves this split by scaling the
    tracks in order (stable first, waiting until ready; then the canary). Writing weights
    directly is refused: it could not wait for readiness."""

    def read(self, calls: Calls, spec: DeploymentSpec, route: Route) -> RouteState:
        stable, canary = calls.desired(spec, spec.stable), calls.desired(spec, spec.canary)
        return RouteState(
            kind="replicas", name=route.name, stable_weight=stable, canary_weight=canary
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        raise SourceError(
            "a replica-ratio split moves by scaling the tracks, never by weights: the canary "
            "takes traffic as its pods become ready (a step scales stable, then the canary)"
        )

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        raise SourceError(
            "a replica-ratio split cannot mirror traffic; use an httproute or istio router"
        )
