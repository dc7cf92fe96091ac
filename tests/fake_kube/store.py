"""The object store: one resourceVersion counter, generations, managed fields and a change log
that watches read from."""

from __future__ import annotations

import copy
import itertools
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.fake_kube.resources import Resource

Key = tuple[str, str, str, str]  # group, plural, namespace, name


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Change:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: Key
    obj: dict[str, Any]


def field_set(body: Any) -> dict[str, Any]:
    """The ``fieldsV1`` shape of the fields a write touched (lists count as one field)."""
    if not isinstance(body, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("apiVersion", "kind") or value is None:
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {
                k: v for k, v in value.items() if k not in ("resourceVersion", "managedFields")
            }
            if not value:
                continue
        out[f"f:{key}"] = field_set(value) if isinstance(value, dict) else {}
    return out


def _merge_fields(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge_fields(out.get(key, {}), value)
    return out


class Store:
    """Thread-safe; ``changed`` is notified on every write (watches wait on it)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects: dict[Key, dict[str, Any]] = {}
        self.log: list[Change] = []
        self._rv = itertools.count(1000)
        self.version = 1000

    def get(self, key: Key) -> dict[str, Any] | None:
        with self.lock:
            obj = self.objects.get(key)
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, group: str, plural: str, namespace: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                copy.deepcopy(o)
                for k, o in sorted(self.objects.items())
                if k[0] == group and k[1] == plural and k[2] == namespace
            ]

    def put(
        self,
        res: Resource,
        obj: dict[str, Any],
        manager: str,
        operation: str = "Update",
        touched: Any = None,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        """Store ``obj`` as the new state: bump resourceVersion, bump generation when the spec
        changed, record the manager. Returns a copy of what was stored."""
        meta = obj["metadata"]
        key: Key = (res.group, res.plural, meta["namespace"], meta["name"])
        with self.lock:
            old = self.objects.get(key)
            self.version = next(self._rv)
            meta["resourceVersion"] = str(self.version)
            if old is None:
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", now_rfc3339())
                if "spec" in obj:
                    meta["generation"] = 1
            else:
                meta["uid"] = old["metadata"]["uid"]
                meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
                if "generation" in old["metadata"]:
                    spec_changed = json.dumps(obj.get("spec"), sort_keys=True) != json.dumps(
                        old.get("spec"), sort_keys=True
                    )
                    meta["generation"] = old["metadata"]["generation"] + int(spec_changed)
            self._manage(
                meta,
                old,
                manager,
                operation,
                touched if touched is not None else obj,
                res,
                subresource,
            )
            self.objects[key] = obj
            stored = copy.deepcopy(obj)
            self.log.append(Change(self.version, "MODIFIED" if old else "ADDED", key, stored))
            self.changed.notify_all()
            return copy.deepcopy(stored)

    def delete(self, res: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        key: Key = (res.group, res.plural, namespace, name)
        with self.lock:
            obj = self.objects.pop(key, None)
            if obj is None:
                return None
            self.version = next(self._rv)
            obj["metadata"]["resourceVersion"] = str(self.version)
            self.log.append(Change(self.version, "DELETED", key, copy.deepcopy(obj)))
            self.changed.notify_all()
            return copy.deepcopy(obj)

    def _manage(
        self,
        meta: dict[str, Any],
        old: dict[str, Any] | None,
        manager: str,
        operation: str,
        touched: Any,
        res: Resource,
        subresource: str | None,
    ) -> None:
        entries = copy.deepcopy((old or {}).get("metadata", {}).get("managedFields", []))
        fields = field_set(touched)
        for entry in entries:
            if (entry["manager"], entry["operation"], entry.get("subresource")) == (
                manager,
                operation,
                subresource,
            ):
                entry["time"] = now_rfc3339()
                entry["fieldsV1"] = _merge_fields(entry.get("fieldsV1", {}), fields)
                break
        else:
            entry = {
                "manager": manager,
                "operation": operation,
                "apiVersion": res.api_version,
                "time": now_rfc3339(),
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }
            if subresource:
                entry["subresource"] = subresource
            entries.append(entry)
        meta["managedFields"] = entries
