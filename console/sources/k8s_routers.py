"""The Gateway API and Istio routers (weights and mirrors in an atomic list), and the registry
of every router kind."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from console.errors import NotStoredError, SourceError, UnsupportedError
from console.model import DeploymentSpec, RouteState
from console.sources.k8s_kserve import KServeRouter
from console.sources.k8s_routes import (
    CustomRouter,
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
    mirroring is a ``RequestMirror`` filter with ``percent`` (``fraction`` for non-integers, neither
    for 100 %). Those two fields exist in the standard CRDs from v1.3 only: an older schema
    refuses them under strict field validation (nothing is changed: ``UnsupportedError``), and an
    API server that ignores validation drops them, so the route would mirror everything; the
    stored route is compared with the plan and, when it differs, put back (``NotStoredError``)."""

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
        return _stored_weights(
            self._state(route, self._patch(calls, spec, route, body)), stable, canary
        )

    def _mirror_rules(
        self, route: Route, obj: dict[str, Any], percent: float
    ) -> list[dict[str, Any]]:
        """``obj``'s rules with the canary's mirror at ``percent`` (none at 0)."""
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
                if percent >= 100:
                    pass  # neither field: all of it, and a schema before v1.3 can hold that
                elif float(percent).is_integer():
                    mirror["percent"] = int(percent)
                else:
                    mirror["fraction"] = {"numerator": round(percent * 100), "denominator": 10_000}
                filters.append({"type": "RequestMirror", "requestMirror": mirror})
            if filters:
                rule["filters"] = filters
            else:
                rule.pop("filters", None)
        return rules

    def _write_mirror(
        self,
        calls: Calls,
        spec: DeploymentSpec,
        route: Route,
        percent: float,
        body: dict[str, Any],
        dry_run: bool = False,
    ) -> dict[str, Any]:
        try:
            return self._patch(calls, spec, route, body, dry_run=dry_run)
        except SourceError as err:
            if "unknown field" in str(err) and "requestMirror" in str(err):
                raise UnsupportedError(
                    f"HTTPRoute {route.name}: the cluster's HTTPRoute schema has no "
                    f"requestMirror percent or fraction (Gateway API standard CRDs before v1.3), "
                    f"so mirroring {percent:g}% is not possible; only 0 or 100% can be written "
                    f"(the API server refused: {err})"
                ) from None
            raise

    def mirror_refusal(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float
    ) -> str | None:
        """Why a ``percent`` mirror cannot be written here, asked of the API server with a dry
        run (validated, nothing stored); None when it can (or the dry run could not tell)."""
        check_percent(percent)
        obj = self._get(calls, spec, route)
        meta = obj.get("metadata") or {}
        body = {
            "metadata": {"resourceVersion": meta.get("resourceVersion")},
            "spec": {"rules": self._mirror_rules(route, obj, percent)},
        }
        try:
            self._write_mirror(calls, spec, route, percent, body, dry_run=True)
        except UnsupportedError as err:
            return str(err)
        except SourceError:
            return None
        return None

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        check_percent(percent)
        obj = self._get(calls, spec, route)
        rules = self._mirror_rules(route, obj, percent)
        rv = self._version(calls, spec, route, obj, rv)
        body = {"metadata": {"resourceVersion": rv}, "spec": {"rules": rules}}
        stored = self._write_mirror(calls, spec, route, percent, body)
        state = self._state(route, stored)
        if not _same_share(state.mirror_percent, percent):
            undo = self._put_back(calls, spec, route, obj, stored)
            shown = "no mirror" if state.mirror_percent is None else (
                f"mirroring {state.mirror_percent:g}%"
            )  # fmt: skip
            raise NotStoredError(
                f"HTTPRoute {route.name}: wrote a {percent:g}% mirror but the API server stored "
                f"{shown} (its schema dropped requestMirror percent/fraction: Gateway API "
                f"standard CRDs before v1.3); {undo}"
            )
        return state

    def _put_back(
        self,
        calls: Calls,
        spec: DeploymentSpec,
        route: Route,
        before: dict[str, Any],
        stored: dict[str, Any],
    ) -> str:
        """Write ``before``'s rules over ``stored`` (its version): the route as it was."""
        meta = stored.get("metadata") or {}
        body = {
            "metadata": {"resourceVersion": meta.get("resourceVersion")},
            "spec": {"rules": copy.deepcopy(before["spec"]["rules"])},
        }
        try:
            restored = self._state(route, self._patch(calls, spec, route, body))
        except SourceError as err:
            return f"putting the route back failed too: {err}"
        mirror = restored.mirror_percent
        left = "no mirror" if mirror is None else f"a {mirror:g}% mirror"
        return f"the route was put back as it was ({left})"


def _stored_weights(state: RouteState, stable: int, canary: int) -> RouteState:
    """``state`` (what the server stored) when it holds the weights written; else the error."""
    if (state.stable_weight, state.canary_weight) != (stable, canary):
        raise NotStoredError(
            f"{state.kind} {state.name}: wrote weights {stable}/{canary} but the API server "
            f"stored {state.stable_weight}/{state.canary_weight}"
        )
    return state


def _same_share(stored: float | None, planned: float) -> bool:
    """Whether the stored mirror is the planned one (none for 0 %)."""
    if planned <= 0:
        return stored is None
    return stored is not None and abs(stored - planned) < 0.01


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
    ``mirrorPercentage`` — or an entry of ``mirrors[]`` (Istio 1.19+) where the route has them.
    The mirror shown is the one in force: ``mirrors[]``, else ``mirror`` with ``mirrorPercentage``,
    else the deprecated ``mirrorPercent``, else 100 %. ``networking.istio.io/v1`` is served from
    Istio 1.22; before that only ``v1beta1``: the served version is discovered once."""

    group, version, plural, what = "networking.istio.io", "v1", "virtualservices", "VirtualService"
    versions = ("v1", "v1beta1")

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
        mirror = self._mirror(route, http)
        return RouteState(
            kind="istio",
            name=route.name,
            stable_weight=weights[route.stable_backend],
            canary_weight=weights[route.canary_backend],
            mirror_percent=mirror,
            resource_version=obj["metadata"]["resourceVersion"],
        )

    def _mirror(self, route: Route, http: dict[str, Any]) -> float | None:
        """The share of ``http``'s requests mirrored to the canary, as the proxy applies it."""
        for entry in http.get("mirrors") or []:
            if isinstance(entry, dict) and self._backend(entry) == route.canary_backend:
                return _value(entry.get("percentage"), 100.0)
        target = http.get("mirror")
        if not isinstance(target, dict) or self._backend({"destination": target}) != (
            route.canary_backend
        ):
            return None
        if http.get("mirrorPercentage") is not None:
            return _value(http.get("mirrorPercentage"), 100.0)
        deprecated = http.get("mirrorPercent", http.get("mirror_percent"))
        if isinstance(deprecated, int | float) and not isinstance(deprecated, bool):
            return float(min(max(deprecated, 0), 100))
        return 100.0

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
        return _stored_weights(
            self._state(route, self._patch(calls, spec, route, body)), stable, canary
        )

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        check_percent(percent)
        obj = self._get(calls, spec, route)
        http = copy.deepcopy(obj["spec"]["http"])
        for item in self._routes(route, {"spec": {"http": http}}):
            canary = next(d for d in item["route"] if self._backend(d) == route.canary_backend)
            if isinstance(item.get("mirrors"), list):  # the list form: our entry in it
                others = [m for m in item["mirrors"] if self._backend(m) != route.canary_backend]
                if percent > 0:
                    others.append(
                        {
                            "destination": copy.deepcopy(canary["destination"]),
                            "percentage": {"value": float(percent)},
                        }
                    )
                item["mirrors"] = others
                continue
            if self._backend({"destination": item.get("mirror") or {}}) not in (
                "",
                route.canary_backend,
            ):
                raise UnsupportedError(
                    f"VirtualService {route.name}: its route already mirrors to another "
                    "destination; mirroring to the canary too needs mirrors[] (Istio 1.19+)"
                )
            for key in ("mirror", "mirrorPercentage", "mirrorPercent", "mirror_percent"):
                item.pop(key, None)
            if percent > 0:
                item["mirror"] = copy.deepcopy(canary["destination"])
                item["mirrorPercentage"] = {"value": float(percent)}
        rv = self._version(calls, spec, route, obj, rv)
        body = {"metadata": {"resourceVersion": rv}, "spec": {"http": http}}
        return self._state(route, self._patch(calls, spec, route, body))


def _value(percentage: Any, default: float) -> float:
    """``{value: double}`` as a share 0-100 (absent: ``default``)."""
    value = (percentage or {}).get("value") if isinstance(percentage, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(min(max(value, 0.0), 100.0))


ROUTERS: dict[str, Router] = {
    "httproute": HTTPRouteRouter(),
    "istio": IstioRouter(),
    "kserve": KServeRouter(),
    "replicas": ReplicaRouter(),
}
