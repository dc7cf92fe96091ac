"""The Gateway API and Istio routers (weights and mirrors in an atomic list), and the registry
of every router kind."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from console.errors import SourceError
from console.model import DeploymentSpec, RouteState
from console.sources.k8s_routes import (
    CustomRouter,
    KServeRouter,
    ReplicaRouter,
    Route,
    Router,
    check_percent,
    check_weights,
)

if TYPE_CHECKING:
    from console.sources.k8s_calls import Calls


class HTTPRouteRouter(CustomRouter):
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
        rv = self._version(calls, spec, route, obj, rv)
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
        rv = self._version(calls, spec, route, obj, rv)
        body = {"metadata": {"resourceVersion": rv}, "spec": {"rules": rules}}
        return self._state(route, self._patch(calls, spec, route, body))


def _mirror_share(mirror: dict[str, Any]) -> float:
    if "percent" in mirror:
        return float(mirror["percent"])
    if "fraction" in mirror:
        fraction = mirror["fraction"]
        return 100.0 * fraction.get("numerator", 0) / (fraction.get("denominator") or 100)
    return 100.0


class IstioRouter(CustomRouter):
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
        rv = self._version(calls, spec, route, obj, rv)
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
        rv = self._version(calls, spec, route, obj, rv)
        body = {"metadata": {"resourceVersion": rv}, "spec": {"http": http}}
        return self._state(route, self._patch(calls, spec, route, body))


ROUTERS: dict[str, Router] = {
    "httproute": HTTPRouteRouter(),
    "istio": IstioRouter(),
    "kserve": KServeRouter(),
    "replicas": ReplicaRouter(),
}
