"""The traffic split on Kubernetes, per router kind: what each reads and what each writes."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from console.errors import SourceError
from console.model import DeploymentSpec, RouteState

if TYPE_CHECKING:
    from console.sources.kubernetes import Calls

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


class _CustomRouter:
    """Routers stored in a custom object: read it, change the atomic list, merge-patch it back
    with the ``resourceVersion`` that was read (a stale one is a 409 from the API server)."""

    group = ""
    version = ""
    plural = ""
    what = ""

    def _get(self, calls: Calls, spec: DeploymentSpec, route: Route) -> dict[str, Any]:
        obj: dict[str, Any] = calls.custom(
            "get",
            self,
            spec.namespace,
            route.name,
            lambda api: api.get_namespaced_custom_object(
                self.group, self.version, spec.namespace, self.plural, route.name
            ),
        )
        return obj

    def _patch(
        self, calls: Calls, spec: DeploymentSpec, route: Route, body: dict[str, Any]
    ) -> dict[str, Any]:
        obj: dict[str, Any] = calls.custom(
            "patch",
            self,
            spec.namespace,
            route.name,
            lambda api: api.patch_namespaced_custom_object(
                self.group,
                self.version,
                spec.namespace,
                self.plural,
                route.name,
                body,
                field_manager=calls.field_manager,
            ),
        )
        return obj

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        raise NotImplementedError

    def read(self, calls: Calls, spec: DeploymentSpec, route: Route) -> RouteState:
        return self._state(route, self._get(calls, spec, route))


class HTTPRouteRouter(_CustomRouter):
    """Gateway API ``HTTPRoute``: backendRef weights in every rule that names both tracks;
    mirroring is a ``RequestMirror`` filter with ``percent`` (``fraction`` for non-integers)."""

    group, version, plural, what = "gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute"

    def _rules(self, route: Route, obj: dict[str, Any]) -> list[dict[str, Any]]:
        rules = [
            rule
            for rule in obj.get("spec", {}).get("rules", [])
            if {route.stable_backend, route.canary_backend}
            <= {ref.get("name") for ref in rule.get("backendRefs", [])}
        ]
        if not rules:
            raise SourceError(
                f"HTTPRoute {route.name}: no rule has backends {route.stable_backend} and "
                f"{route.canary_backend}"
            )
        return rules

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        rule = self._rules(route, obj)[0]
        weights = {ref.get("name"): ref.get("weight", 1) for ref in rule.get("backendRefs", [])}
        mirror = None
        for flt in rule.get("filters", []):
            target = (flt.get("requestMirror") or {}).get("backendRef", {})
            if flt.get("type") == "RequestMirror" and target.get("name") == route.canary_backend:
                mirror = _mirror_share(flt["requestMirror"])
        return RouteState(
            kind="httproute",
            name=route.name,
            stable_weight=weights[route.stable_backend],
            canary_weight=weights[route.canary_backend],
            mirror_percent=mirror,
            resource_version=obj["metadata"]["resourceVersion"],
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        obj = self._get(calls, spec, route)
        rules = copy.deepcopy(obj["spec"]["rules"])
        for rule in self._rules(route, {"spec": {"rules": rules}}):
            for ref in rule["backendRefs"]:
                if ref.get("name") == route.stable_backend:
                    ref["weight"] = stable
                elif ref.get("name") == route.canary_backend:
                    ref["weight"] = canary
        body = {"metadata": {"resourceVersion": rv}, "spec": {"rules": rules}}
        return self._state(route, self._patch(calls, spec, route, body))

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        check_percent(percent)
        obj = self._get(calls, spec, route)
        rules = copy.deepcopy(obj["spec"]["rules"])
        for rule in self._rules(route, {"spec": {"rules": rules}}):
            canary_ref = next(
                r for r in rule["backendRefs"] if r.get("name") == route.canary_backend
            )
            filters = [
                f
                for f in rule.get("filters", [])
                if not (
                    f.get("type") == "RequestMirror"
                    and (f.get("requestMirror") or {}).get("backendRef", {}).get("name")
                    == route.canary_backend
                )
            ]
            if percent > 0:
                target = {k: v for k, v in canary_ref.items() if k not in ("weight", "filters")}
                mirror: dict[str, Any] = {"backendRef": target}
                if float(percent).is_integer():
                    mirror["percent"] = int(percent)
                else:
                    mirror["fraction"] = {"numerator": round(percent * 100), "denominator": 10_000}
                filters.append({"type": "RequestMirror", "requestMirror": mirror})
            if filters:
                rule["filters"] = filters
            else:
                rule.pop("filters", None)
        body = {"metadata": {"resourceVersion": rv}, "spec": {"rules": rules}}
        return self._state(route, self._patch(calls, spec, route, body))


def _mirror_share(mirror: dict[str, Any]) -> float:
    if "percent" in mirror:
        return float(mirror["percent"])
    if "fraction" in mirror:
        fraction = mirror["fraction"]
        return 100.0 * fraction.get("numerator", 0) / (fraction.get("denominator") or 100)
    return 100.0


class IstioRouter(_CustomRouter):
    """Istio ``VirtualService``: destination weights in every ``http`` route naming both tracks
    (by ``subset``, else by the host's short name); mirroring is ``mirror`` and
    ``mirrorPercentage``."""

    group, version, plural, what = "networking.istio.io", "v1", "virtualservices", "VirtualService"

    @staticmethod
    def _backend(dest: dict[str, Any]) -> str:
        destination = dest.get("destination") or {}
        return str(destination.get("subset") or str(destination.get("host", "")).split(".")[0])

    def _routes(self, route: Route, obj: dict[str, Any]) -> list[dict[str, Any]]:
        found = [
            http
            for http in obj.get("spec", {}).get("http", [])
            if {route.stable_backend, route.canary_backend}
            <= {self._backend(d) for d in http.get("route", [])}
        ]
        if not found:
            raise SourceError(
                f"VirtualService {route.name}: no http route has destinations "
                f"{route.stable_backend} and {route.canary_backend}"
            )
        return found

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        http = self._routes(route, obj)[0]
        weights = {self._backend(d): d.get("weight", 0) for d in http["route"]}
        mirror = None
        if "mirror" in http:
            mirror = float((http.get("mirrorPercentage") or {}).get("value", 100.0))
        return RouteState(
            kind="istio",
            name=route.name,
            stable_weight=weights[route.stable_backend],
            canary_weight=weights[route.canary_backend],
            mirror_percent=mirror,
            resource_version=obj["metadata"]["resourceVersion"],
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        obj = self._get(calls, spec, route)
        http = copy.deepcopy(obj["spec"]["http"])
        for item in self._routes(route, {"spec": {"http": http}}):
            for dest in item["route"]:
                name = self._backend(dest)
                if name == route.stable_backend:
                    dest["weight"] = stable
                elif name == route.canary_backend:
                    dest["weight"] = canary
        body = {"metadata": {"resourceVersion": rv}, "spec": {"http": http}}
        return self._state(route, self._patch(calls, spec, route, body))

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        check_percent(percent)
        obj = self._get(calls, spec, route)
        http = copy.deepcopy(obj["spec"]["http"])
        for item in self._routes(route, {"spec": {"http": http}}):
            canary = next(d for d in item["route"] if self._backend(d) == route.canary_backend)
            item.pop("mirror", None)
            item.pop("mirrorPercentage", None)
            if percent > 0:
                item["mirror"] = copy.deepcopy(canary["destination"])
                item["mirrorPercentage"] = {"value": float(percent)}
        body = {"metadata": {"resourceVersion": rv}, "spec": {"http": http}}
        return self._state(route, self._patch(calls, spec, route, body))


class KServeRouter(_CustomRouter):
    """KServe ``InferenceService`` (Knative mode): ``spec.predictor.canaryTrafficPercent`` is the
    canary's (latest revision's) share; absent means the latest revision serves everything."""

    group, version, plural, what = (
        "serving.kserve.io",
        "v1beta1",
        "inferenceservices",
        "InferenceService",
    )

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        percent = obj.get("spec", {}).get("predictor", {}).get("canaryTrafficPercent", 100)
        return RouteState(
            kind="kserve",
            name=route.name,
            stable_weight=100 - int(percent),
            canary_weight=int(percent),
            resource_version=obj["metadata"]["resourceVersion"],
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        percent = round(100 * canary / (stable + canary))
        body = {
            "metadata": {"resourceVersion": rv},
            "spec": {"predictor": {"canaryTrafficPercent": percent}},
        }
        return self._state(route, self._patch(calls, spec, route, body))

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        raise SourceError(
            f"InferenceService {route.name}: KServe has no traffic mirroring; "
            "use an httproute or istio router to mirror"
        )


class ReplicaRouter:
    """Two Deployments behind one Service: the split is the ratio of their replicas. Writing
    weights divides the two tracks' current total replica count in that ratio (a non-zero weight
    keeps at least one replica), growing one track before shrinking the other."""

    def read(self, calls: Calls, spec: DeploymentSpec, route: Route) -> RouteState:
        stable, canary = calls.desired(spec, spec.stable), calls.desired(spec, spec.canary)
        return RouteState(
            kind="replicas", name=route.name, stable_weight=stable, canary_weight=canary
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        before = self.read(calls, spec, route)
        total = max(before.stable_weight + before.canary_weight, 1)
        canary_n = math.floor(total * canary / (stable + canary) + 0.5)
        if canary > 0:
            canary_n = max(canary_n, 1)
        if stable > 0:
            canary_n = min(canary_n, total - 1) if total > 1 else 0
        stable_n = max(total - canary_n, 1 if stable > 0 else 0)
        plan = [
            (spec.stable, stable_n, before.stable_weight),
            (spec.canary, canary_n, before.canary_weight),
        ]
        plan.sort(key=lambda item: item[1] <= item[2])  # the track that grows goes first
        for name, replicas, current in plan:
            if replicas != current:
                calls.scale_deployment(spec, name, replicas)
        return self.read(calls, spec, route)

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        raise SourceError(
            "a replica-ratio split cannot mirror traffic; use an httproute or istio router"
        )


ROUTERS: dict[str, Router] = {
    "httproute": HTTPRouteRouter(),
    "istio": IstioRouter(),
    "kserve": KServeRouter(),
    "replicas": ReplicaRouter(),
}
