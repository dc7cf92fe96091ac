"""Request handling: paths to resources, the verbs, preconditions, subresources, watches, logs."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fake_kube import drift, kserve
from tests.fake_kube import patch as patches
from tests.fake_kube.resources import BY_PATH, Resource
from tests.fake_kube.status import (
    UNSUPPORTED_PATCH,
    ApiError,
    already_exists,
    conflict,
    forbidden,
    invalid,
    not_found,
)
from tests.fake_kube.streams import Reply, Selector, flag, log_reply, watch_stream
from tests.fake_kube.validate import validate

if TYPE_CHECKING:
    from tests.fake_kube.server import FakeKube

PATCH_TYPES = {
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
}


@dataclass
class Target:
    res: Resource
    namespace: str
    name: str | None
    sub: str | None


def parse_path(path: str) -> Target:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise ApiError(404, "the server could not find the requested resource")
    if len(rest) < 3 or rest[0] != "namespaces" or len(rest) > 5:
        raise ApiError(404, "the server could not find the requested resource")
    res = BY_PATH.get((group, version, rest[2]))
    if res is None:
        raise ApiError(404, "the server could not find the requested resource")
    name = rest[3] if len(rest) > 3 else None
    sub = rest[4] if len(rest) > 4 else None
    if sub is not None and sub not in res.subresources:
        raise ApiError(404, "the server could not find the requested resource")
    return Target(res, rest[1], name, sub)


def verb_of(method: str, target: Target, query: dict[str, str]) -> str:
    if method == "GET":
        if target.name is None:
            return "watch" if flag(query, "watch") else "list"
        return "get"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]


class Api:
    def __init__(self, fake: FakeKube) -> None:
        self.fake = fake
        self.store = fake.store

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        content_type: str,
        body: Any,
        user_agent: str,
    ) -> Reply:
        parts = [p for p in path.split("/") if p]
        if method == "GET" and len(parts) == 3 and parts[0] == "apis":
            return Reply(200, drift.api_resource_list(self.fake, parts[1], parts[2]))
        target = parse_path(path)
        if target.res.version not in self.fake.served_versions(target.res.group):
            raise ApiError(404, "the server could not find the requested resource")
        verb = verb_of(method, target, query)
        res = target.res
        rule = f"{res.plural}/{target.sub}" if target.sub else res.plural
        if (verb, rule) in self.fake.forbidden or ("*", rule) in self.fake.forbidden:
            raise forbidden(
                res, target.name or "", self.fake.user, verb, target.namespace, target.sub
            )
        self.fake.take_fault(verb, rule)
        manager = query.get("fieldManager") or user_agent.split("/")[0] or "unknown"
        if verb in ("list", "watch"):
            return self._list(target, query, watch=verb == "watch")
        if verb == "create":
            return self._late(verb, rule, self._create(target, body, manager, query))
        assert target.name is not None
        if verb == "delete":
            gone = self.store.delete(res, target.namespace, target.name)
            if gone is None:
                raise not_found(res, target.name)
            self._after_write(res, gone)
            return Reply(200, gone)
        if verb == "get":
            if target.sub == "log":
                return log_reply(self.fake, target, query, self._current(target))
            return Reply(200, self._view(target, self._current(target)))
        return self._late(
            verb, rule, self._write(target, method, query, content_type, body, manager)
        )

    def _late(self, verb: str, rule: str, reply: Reply) -> Reply:
        """A fault set for after the write: it is done, but the client hears something else."""
        self.fake.take_fault(verb, rule, late=True)
        return reply

    def _current(self, target: Target) -> dict[str, Any]:
        assert target.name is not None
        obj = self.store.get((target.res.group, target.res.plural, target.namespace, target.name))
        if obj is None:
            raise not_found(target.res, target.name)
        return obj

    def _view(self, target: Target, obj: dict[str, Any]) -> dict[str, Any]:
        if target.sub != "scale":
            if not target.res.builtin:  # served in the version asked for
                obj = {**obj, "apiVersion": target.res.api_version}
            return obj
        meta = obj["metadata"]
        labels = obj["spec"]["selector"]["matchLabels"]
        status: dict[str, Any] = {
            "replicas": obj.get("status", {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        }
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: meta[k]
                for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            },
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": status,
        }

    def _write(
        self,
        target: Target,
        method: str,
        query: dict[str, str],
        content_type: str,
        body: Any,
        manager: str,
    ) -> Reply:
        res, name = target.res, target.name
        assert name is not None
        with self.store.lock:
            old = self._current(target)
            view = self._view(target, old)
            operation = "Update"
            if method == "PUT":
                if not isinstance(body, dict):
                    raise ApiError(400, "the body of the request was not a JSON object")
                new_view = copy.deepcopy(body)
                sent = body.get("metadata", {}).get("resourceVersion")
                if not sent and not res.builtin:
                    raise invalid(
                        res,
                        name,
                        [
                            (
                                "metadata.resourceVersion",
                                "Invalid value: 0x0: must be specified for an update",
                            )
                        ],
                    )
                new_view.setdefault("metadata", {})["resourceVersion"] = (
                    sent or view["metadata"]["resourceVersion"]
                )
            else:
                kind = content_type.split(";")[0].strip()
                if kind not in PATCH_TYPES:
                    raise ApiError(415, UNSUPPORTED_PATCH)
                if kind == "application/strategic-merge-patch+json" and not res.builtin:
                    raise ApiError(415, UNSUPPORTED_PATCH)
                if kind == "application/json-patch+json":
                    new_view = patches.json_patch(view, body)
                elif kind == "application/strategic-merge-patch+json":
                    new_view = patches.strategic_merge_patch(view, body)
                else:
                    if kind == "application/apply-patch+yaml":
                        if not query.get("fieldManager"):
                            raise ApiError(
                                400,
                                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                "Required value: "
                                "is required for apply patch",
                            )
                        operation = "Apply"
                    if not isinstance(body, dict):
                        raise ApiError(400, "the body of the request was not a JSON object")
                    new_view = patches.merge_patch(view, body)
            if (
                new_view.get("metadata", {}).get("resourceVersion")
                != old["metadata"]["resourceVersion"]
            ):
                raise conflict(res, name)
            new = self._merge_back(target, old, new_view)
            drift.admit(self.fake, res, new, query)
            if self.fake.mutating is not None:  # a mutating admission webhook
                self.fake.mutating(res.kind, new)
            causes = validate(res, old, new)
            if causes:
                raise invalid(res, name, causes)
            if query.get("dryRun") == "All":  # validated and admitted, never stored
                return Reply(200, self._view(target, new))
            touched = body if isinstance(body, dict) else new_view
            if target.sub == "scale":
                touched = {"spec": {"replicas": new["spec"]["replicas"]}}
            stored = self.store.put(res, new, manager, operation, touched, subresource=target.sub)
        self._after_write(res, stored)
        return Reply(200, self._view(target, stored))

    def _merge_back(
        self, target: Target, old: dict[str, Any], new_view: dict[str, Any]
    ) -> dict[str, Any]:
        res = target.res
        if target.sub == "scale":
            replicas = new_view.get("spec", {}).get("replicas")
            if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
                raise invalid(
                    res,
                    target.name or "",
                    [
                        (
                            "spec.replicas",
                            f"Invalid value: {replicas!r}: must be greater than or equal to 0",
                        )
                    ],
                )
            new = copy.deepcopy(old)
            new["spec"]["replicas"] = replicas
            return new
        for key in ("name", "namespace"):
            if new_view.get("metadata", {}).get(key, old["metadata"][key]) != old["metadata"][key]:
                raise invalid(
                    res,
                    target.name or "",
                    [(f"metadata.{key}", "Invalid value: field is immutable")],
                )
        new = copy.deepcopy(new_view)
        new["apiVersion"], new["kind"] = res.api_version, res.kind
        new["metadata"] = dict(
            old["metadata"],
            **{
                k: v
                for k, v in new_view.get("metadata", {}).items()
                if k in ("labels", "annotations", "resourceVersion")
            },
        )
        if target.sub == "status":
            new = dict(copy.deepcopy(old), status=new_view.get("status", {}))
        elif "status" in res.subresources:
            new["status"] = copy.deepcopy(old.get("status", {}))
            if "status" not in old:
                new.pop("status")
        return new

    def _after_write(self, res: Resource, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        if res.plural == "deployments":
            self.fake.controller.kick(meta["namespace"], meta["name"])
        elif res.plural == "horizontalpodautoscalers":
            self.fake.controller.kick_hpa(meta["namespace"], obj)
        elif res.plural == "inferenceservices" and self.fake.kserve_reconcile:
            status = kserve.reconciled(obj)
            if status is not None:
                self.store.put(
                    res, {**obj, "status": status}, "kserve-controller", "Update",
                    {"status": status}, subresource="status",
                )  # fmt: skip
        elif (
            res.plural == "pods"
            and self.store.get(("", "pods", meta["namespace"], meta["name"])) is None
        ):
            self.fake.logs.pod_gone(meta["namespace"], meta["name"])

    def _create(self, target: Target, body: Any, manager: str, query: dict[str, str]) -> Reply:
        res = target.res
        if not isinstance(body, dict):
            raise ApiError(400, "the body of the request was not a JSON object")
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise invalid(
                    res, "", [("metadata.name", "Required value: name or generateName is required")]
                )
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        if meta.setdefault("namespace", target.namespace) != target.namespace:
            raise ApiError(
                400,
                "the namespace of the provided object does not match the namespace sent on "
                "the request",
            )
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        with self.store.lock:
            if self.store.get((res.group, res.plural, target.namespace, meta["name"])) is not None:
                raise already_exists(res, meta["name"])
            drift.admit(self.fake, res, obj, query)
            causes = validate(res, None, obj)
            if causes:
                raise invalid(res, meta["name"], causes)
            stored = self.store.put(res, obj, manager)
        self._after_write(res, stored)
        return Reply(201, stored)

    def _list(self, target: Target, query: dict[str, str], watch: bool) -> Reply:
        res = target.res
        match = Selector(query.get("labelSelector", ""), query.get("fieldSelector", ""))
        if watch:
            return Reply(200, stream=watch_stream(self.fake, target, query, match))
        with self.store.lock:
            items = [
                o for o in self.store.list(res.group, res.plural, target.namespace) if match(o)
            ]
            version = str(self.store.version)
        if res.builtin:
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return Reply(
            200,
            {
                "apiVersion": res.api_version,
                "kind": f"{res.kind}List",
                "metadata": {"resourceVersion": version},
                "items": items,
            },
        )
