"""What the fake refuses with 422: the CRD schema and CEL rules of kubernetes.md, plus the guards
a cluster's admission policy would add (never all-zero weights, never a shortened route list)."""

from __future__ import annotations

from typing import Any

from tests.fake_kube.resources import Resource

MAX_WEIGHT = 1_000_000
FILTER_TYPES = {
    "RequestHeaderModifier": "requestHeaderModifier",
    "ResponseHeaderModifier": "responseHeaderModifier",
    "RequestMirror": "requestMirror",
    "RequestRedirect": "requestRedirect",
    "URLRewrite": "urlRewrite",
    "ExtensionRef": "extensionRef",
    "CORS": "cors",
}

Causes = list[tuple[str, str]]


def validate(res: Resource, old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    check = CHECKS.get(res.kind)
    return check(old, new) if check else []


def _int_in(value: Any, low: int, high: int, field: str, causes: Causes) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        causes.append((field, f"Invalid value: {value!r}: {field} in body must be of type integer"))
    elif value < low:
        causes.append(
            (
                field,
                f"Invalid value: {value}: {field} in body should be greater than or equal to {low}",
            )
        )
    elif value > high:
        causes.append(
            (
                field,
                f"Invalid value: {value}: {field} in body should be less than or equal to {high}",
            )
        )


def _backend(ref: Any, field: str, causes: Causes) -> None:
    if not isinstance(ref, dict) or not ref.get("name"):
        causes.append((f"{field}.name", "Required value"))
        return
    if ref.get("group", "") == "" and ref.get("kind", "Service") == "Service" and "port" not in ref:
        causes.append((field, 'Invalid value: "object": Must have port for Service reference'))
    elif "port" in ref:
        _int_in(ref["port"], 1, 65535, f"{field}.port", causes)


def _httproute(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    causes: Causes = []
    rules = new.get("spec", {}).get("rules")
    if not isinstance(rules, list) or not rules:
        return [("spec.rules", "Required value: at least 1 rule")]
    if len(rules) > 16:
        causes.append(("spec.rules", f"Too many: {len(rules)}: must have at most 16 items"))
    old_rules = (old or {}).get("spec", {}).get("rules")
    if isinstance(old_rules, list) and len(old_rules) != len(rules):
        causes.append(
            (
                "spec.rules",
                f"Invalid value: {len(rules)} rules: the route had {len(old_rules)}; "
                "a write must carry the full rules list",
            )
        )
    for i, rule in enumerate(rules):
        where = f"spec.rules[{i}]"
        if (
            isinstance(old_rules, list)
            and i < len(old_rules)
            and "matches" in old_rules[i]
            and "matches" not in rule
        ):
            causes.append((f"{where}.matches", "Required value: the rule lost its matches"))
        refs = rule.get("backendRefs", [])
        if len(refs) > 16:
            causes.append(
                (f"{where}.backendRefs", f"Too many: {len(refs)}: must have at most 16 items")
            )
        for j, ref in enumerate(refs):
            _backend(ref, f"{where}.backendRefs[{j}]", causes)
            _int_in(ref.get("weight", 1), 0, MAX_WEIGHT, f"{where}.backendRefs[{j}].weight", causes)
        if refs and all(ref.get("weight", 1) == 0 for ref in refs):
            causes.append(
                (
                    f"{where}.backendRefs",
                    "Invalid value: all weights are 0: no backend would get traffic",
                )
            )
        for j, flt in enumerate(rule.get("filters", [])):
            _filter(flt, f"{where}.filters[{j}]", causes)
    return causes


def _filter(flt: Any, field: str, causes: Causes) -> None:
    kind = flt.get("type") if isinstance(flt, dict) else None
    if kind not in FILTER_TYPES:
        causes.append((f"{field}.type", f"Unsupported value: {kind!r}"))
        return
    for other_type, key in FILTER_TYPES.items():
        if other_type != kind and key in flt:
            causes.append(
                (
                    field,
                    f'Invalid value: "object": filter.{key} must be nil if the filter.type '
                    f"is not {other_type}",
                )
            )
    if kind != "RequestMirror":
        return
    mirror = flt.get("requestMirror")
    if not isinstance(mirror, dict):
        causes.append(
            (
                field,
                'Invalid value: "object": filter.requestMirror must be specified for '
                "RequestMirror filter.type",
            )
        )
        return
    _backend(mirror.get("backendRef"), f"{field}.requestMirror.backendRef", causes)
    if "weight" in (mirror.get("backendRef") or {}):
        causes.append(
            (
                f"{field}.requestMirror.backendRef.weight",
                "Forbidden: a mirror backend has no weight",
            )
        )
    if "percent" in mirror and "fraction" in mirror:
        causes.append(
            (
                f"{field}.requestMirror",
                'Invalid value: "object": Only one of percent or fraction may be specified in '
                "HTTPRequestMirrorFilter",
            )
        )
    if "percent" in mirror:
        _int_in(mirror["percent"], 0, 100, f"{field}.requestMirror.percent", causes)


def _virtualservice(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    causes: Causes = []
    http = new.get("spec", {}).get("http", [])
    old_http = (old or {}).get("spec", {}).get("http")
    if isinstance(old_http, list) and len(old_http) != len(http):
        causes.append(
            (
                "spec.http",
                f"Invalid value: {len(http)} routes: the service had {len(old_http)}; "
                "a write must carry the full http list",
            )
        )
    for i, route in enumerate(http):
        dests = route.get("route", [])
        for j, dest in enumerate(dests):
            where = f"spec.http[{i}].route[{j}]"
            if not (dest.get("destination") or {}).get("host"):
                causes.append((f"{where}.destination.host", "Required value"))
            weight = dest.get("weight", 0)
            if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                causes.append((f"{where}.weight", f"Invalid value: weight {weight} < 0"))
        if len(dests) > 1 and all(d.get("weight", 0) == 0 for d in dests):
            causes.append(
                (
                    f"spec.http[{i}].route",
                    "Invalid value: all weights are 0: no destination would get traffic",
                )
            )
        pct = route.get("mirrorPercentage")
        if pct is not None:
            value = pct.get("value") if isinstance(pct, dict) else None
            if not isinstance(value, int | float) or not (value == 0 or 0.0001 <= value <= 100):
                causes.append(
                    (
                        f"spec.http[{i}].mirrorPercentage.value",
                        f"Invalid value: {value!r}: mirror percentage must have a value in "
                        "range [0, 100]",
                    )
                )
            if "mirror" not in route:
                causes.append(
                    (
                        f"spec.http[{i}].mirrorPercentage",
                        "Invalid value: mirrorPercentage needs a mirror",
                    )
                )
    return causes


def _inferenceservice(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    predictor = new.get("spec", {}).get("predictor")
    if not isinstance(predictor, dict):
        return [("spec.predictor", "Required value")]
    if "canaryTrafficPercent" in predictor:
        causes: Causes = []
        _int_in(
            predictor["canaryTrafficPercent"], 0, 100, "spec.predictor.canaryTrafficPercent", causes
        )
        return causes
    return []


def _hpa(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    spec = new.get("spec", {})
    causes: Causes = []
    _int_in(spec.get("minReplicas", 1), 1, 2**31 - 1, "spec.minReplicas", causes)
    _int_in(spec.get("maxReplicas"), 1, 2**31 - 1, "spec.maxReplicas", causes)
    if not causes and spec.get("minReplicas", 1) > spec["maxReplicas"]:
        causes.append(
            (
                "spec.maxReplicas",
                f"Invalid value: {spec['maxReplicas']}: must be greater than or equal to "
                "`minReplicas`",
            )
        )
    return causes


def _deployment(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    causes: Causes = []
    _int_in(new.get("spec", {}).get("replicas", 1), 0, 2**31 - 1, "spec.replicas", causes)
    return causes


def _event(old: dict[str, Any] | None, new: dict[str, Any]) -> Causes:
    if new.get("apiVersion") == "events.k8s.io/v1":
        causes: Causes = []
        for key in ("eventTime", "reportingController", "reportingInstance", "action", "reason"):
            if not new.get(key):
                causes.append((key, "Required value"))
        for key in ("firstTimestamp", "lastTimestamp", "count", "source"):
            if new.get(key) or new.get("deprecated" + key[0].upper() + key[1:]):
                causes.append((key, "Invalid value: must not be set"))
        if new.get("type") not in ("Normal", "Warning"):
            causes.append(("type", f"Unsupported value: {new.get('type')!r}"))
        if len(new.get("note", "")) > 1024:
            causes.append(("note", "Too long: may not be more than 1024 bytes"))
        return causes
    involved = new.get("involvedObject")
    if not isinstance(involved, dict):
        return [("involvedObject", "Required value")]
    namespace = new.get("metadata", {}).get("namespace")
    if involved.get("namespace", namespace) != namespace:
        return [
            (
                "involvedObject.namespace",
                f"Invalid value: {involved.get('namespace')!r}: does not match event.namespace",
            )
        ]
    return []


CHECKS = {
    "HTTPRoute": _httproute,
    "VirtualService": _virtualservice,
    "InferenceService": _inferenceservice,
    "HorizontalPodAutoscaler": _hpa,
    "Deployment": _deployment,
    "Event": _event,
}
