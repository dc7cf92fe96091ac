"""Older schemas and versions a real cluster may serve: Gateway API CRDs before v1.3 (no
``requestMirror.percent``/``fraction``), Istio before 1.22 (no ``networking.istio.io/v1``), and
how the API server treats fields its schema lacks (``fieldValidation``).

``fieldValidation=Strict`` refuses a write that carries an unknown field with 400 BadRequest
naming every such field; ``Warn`` (the server's default) and ``Ignore`` prune them and store the
rest. An API server before 1.25 knows no ``fieldValidation`` at all and always prunes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_kube.resources import Resource
from tests.fake_kube.status import ApiError

if TYPE_CHECKING:
    from tests.fake_kube.server import FakeKube

#: The first Gateway API release whose standard HTTPRoute CRD has mirror percentages.
MIRROR_PERCENT_SINCE = (1, 3)


def unknown_fields(fake: FakeKube, res: Resource, obj: dict[str, Any]) -> list[str]:
    """Paths in ``obj`` that the served schema of ``res`` does not declare."""
    if res.kind != "HTTPRoute" or fake.gateway_api >= MIRROR_PERCENT_SINCE:
        return []
    paths = []
    for i, rule in enumerate(obj.get("spec", {}).get("rules") or []):
        for j, flt in enumerate(rule.get("filters") or []):
            mirror = flt.get("requestMirror") if isinstance(flt, dict) else None
            for key in ("percent", "fraction"):
                if isinstance(mirror, dict) and key in mirror:
                    paths.append(f"spec.rules[{i}].filters[{j}].requestMirror.{key}")
    return paths


def admit(fake: FakeKube, res: Resource, obj: dict[str, Any], query: dict[str, str]) -> None:
    """Refuse (Strict) or prune (otherwise) the fields ``obj`` carries that the schema lacks."""
    paths = unknown_fields(fake, res, obj)
    if not paths:
        return
    if fake.field_validation and query.get("fieldValidation") == "Strict":
        fields = ", ".join(f'unknown field "{p}"' for p in paths)
        raise ApiError(
            400,
            f'{res.kind} in version "{res.version}" cannot be handled as a {res.kind}: '
            f"strict decoding error: {fields}",
        )
    for path in paths:
        _prune(obj, path)


def _prune(obj: dict[str, Any], path: str) -> None:
    node: Any = obj
    *parents, last = path.replace("]", "").replace("[", ".").split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node.pop(last, None)


def api_resource_list(fake: FakeKube, group: str, version: str) -> dict[str, Any]:
    """``GET /apis/<group>/<version>``: the discovery document, 404 when not served."""
    from tests.fake_kube.resources import RESOURCES

    served = [r for r in RESOURCES if r.group == group and r.version == version]
    if not served or version not in fake.served_versions(group):
        raise ApiError(404, "the server could not find the requested resource")
    resources = []
    for r in served:
        resources.append(
            {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": True,
                "kind": r.kind,
                "verbs": ["delete", "get", "list", "patch", "update", "watch", "create"],
            }
        )
        resources.extend(
            {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": True,
             "kind": r.kind, "verbs": ["get", "patch", "update"]}
            for sub in r.subresources
        )  # fmt: skip
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}",
        "resources": resources,
    }
