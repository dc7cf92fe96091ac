"""The patch formats: JSON merge patch (RFC 7386), a strategic merge for built-ins, JSON patch."""

from __future__ import annotations

import copy
from typing import Any

from tests.fake_kube.status import ApiError

#: List fields merged by key under strategic merge patch (the ones the fake's objects carry).
MERGE_KEYS = {
    "containers": "name",
    "ports": "containerPort",
    "env": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "volumes": "name",
}


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(out.get(key), list):
            out[key] = _merge_list(out[key], value, MERGE_KEYS[key])
        else:
            out[key] = strategic_merge_patch(out.get(key), value)
    return out


def _merge_list(current: list[Any], patch: list[Any], key: str) -> list[Any]:
    merged = [copy.deepcopy(item) for item in current]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise ApiError(400, f"map: {item!r} does not contain declared merge key: {key}")
        for i, existing in enumerate(merged):
            if isinstance(existing, dict) and existing.get(key) == item[key]:
                merged[i] = strategic_merge_patch(existing, item)
                break
        else:
            merged.append(copy.deepcopy(item))
    return merged


def json_patch(target: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise ApiError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(target)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise ApiError(400, f"invalid JSON patch operation: {op!r}")
        kind, path = op["op"], _pointer(op["path"])
        if kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError(
                    422,
                    f"the server rejected our request due to an error in our request: "
                    f"testing value {op['path']} failed",
                )
        elif kind in ("add", "replace"):
            doc = _set(doc, path, copy.deepcopy(op.get("value")), add=kind == "add")
        elif kind == "remove":
            parent, last = _parent(doc, path)
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                parent.pop(last)
        else:
            raise ApiError(400, f"unsupported JSON patch operation {kind!r}")
    return doc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def _get(doc: Any, path: list[str]) -> Any:
    for part in path:
        try:
            doc = doc[int(part)] if isinstance(doc, list) else doc[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(422, f"doc is missing path: /{'/'.join(path)}") from None
    return doc


def _parent(doc: Any, path: list[str]) -> tuple[Any, str]:
    if not path:
        raise ApiError(422, "cannot address the whole document")
    return _get(doc, path[:-1]), path[-1]


def _set(doc: Any, path: list[str], value: Any, add: bool) -> Any:
    if not path:
        return value
    parent, last = _parent(doc, path)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif add:
            parent.insert(int(last), value)
        else:
            parent[int(last)] = value
    elif isinstance(parent, dict):
        if not add and last not in parent:
            raise ApiError(422, f"replace operation does not apply: doc is missing key: {last}")
        parent[last] = value
    else:
        raise ApiError(422, f"cannot set /{'/'.join(path)}")
    return doc
