"""What the cluster says about a deployment's objects, for the audit tab: Kubernetes Events on
the route and both tracks' Deployments, and who else changed those objects and when (their
``metadata.managedFields``, the console's own field manager left out). Polled; each Event and
each change is shown once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.errors import SourceError
from console.model import DeploymentSpec, LogLine
from console.sources.k8s_calls import Calls
from console.sources.k8s_routers import ROUTERS
from console.sources.logs_kube_stream import read_json

if TYPE_CHECKING:
    from console.sources.kubernetes import KubernetesCluster

LABEL = "kubernetes"
#: Field paths named in a change line, at most.
MAX_FIELDS = 4


@dataclass(frozen=True)
class _Object:
    kind: str  # as in involvedObject.kind: Deployment, HTTPRoute, …
    name: str
    router: Any = None  # the custom-object router, None for a Deployment

    @property
    def label(self) -> str:
        return f"{self.kind.lower()}/{self.name}"


def _when(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def field_paths(fields: Any, prefix: str = "", depth: int = 2) -> list[str]:
    """``{"f:spec": {"f:rules": {}}}`` (FieldsV1) as ``["spec.rules"]``, two levels deep."""
    if not isinstance(fields, dict):
        return []
    paths: list[str] = []
    for key, sub in fields.items():
        if not key.startswith("f:"):
            continue  # "." and k:/v:/i: set members
        path = f"{prefix}.{key[2:]}" if prefix else key[2:]
        deeper = field_paths(sub, path, depth - 1) if depth > 1 else []
        paths.extend(deeper or [path])
    return paths


def event_line(obj: _Object, event: dict[str, Any]) -> LogLine:
    meta = event.get("metadata") or {}
    series = event.get("series") or {}
    count = event.get("count") or series.get("count") or 1
    source = event.get("source") or {}
    who = event.get("reportingComponent") or source.get("component") or ""
    text = (
        f"event {event.get('type') or 'Normal'} {event.get('reason') or '?'} {obj.label}: "
        f"{' '.join(str(event.get('message') or event.get('note') or '').split())}"
    )
    if count > 1:
        text += f" (×{count})"
    if who:
        text += f" [{who}]"
    when = (
        _when(event.get("lastTimestamp"))
        or _when(series.get("lastObservedTime"))
        or _when(event.get("eventTime"))
        or _when(event.get("firstTimestamp"))
        or _when(meta.get("creationTimestamp"))
    )
    level = "warn" if event.get("type") == "Warning" else "info"
    return LogLine(text, LABEL, "", when, level)


def change_line(obj: _Object, entry: dict[str, Any]) -> LogLine:
    sub = entry.get("subresource")
    how = f"{entry.get('operation') or 'Update'}{' /' + sub if sub else ''}"
    paths = field_paths(entry.get("fieldsV1"))
    owns = ", ".join(paths[:MAX_FIELDS]) + (", …" if len(paths) > MAX_FIELDS else "")
    text = f"changed {obj.label} by {entry.get('manager') or '?'} ({how}) at {entry.get('time')}"
    if owns:
        text += f"; owns {owns}"
    return LogLine(text, LABEL, "", _when(entry.get("time")), "info")


class KubeAuditSource:
    """``LogSource`` for the audit tab: Events and changes by other field managers on the route
    and both Deployments of ``spec``, polled every ``poll_s``; a line only for what is new."""

    def __init__(
        self, cluster: KubernetesCluster, spec: DeploymentSpec, poll_s: float = 5.0
    ) -> None:
        self.cluster = cluster
        self.spec = spec
        self.poll_s = poll_s
        self._events: dict[str, set[tuple[Any, ...]]] = {}
        self._changes: dict[tuple[str, Any, Any, Any], Any] = {}
        self._trouble: dict[str, str] = {}

    @property
    def name(self) -> str:
        return f"kubernetes events {self.spec.namespace}/{self.spec.name}"

    def objects(self) -> list[_Object]:
        route = self.cluster.route(self.spec)
        found = [_Object("Deployment", self.spec.stable), _Object("Deployment", self.spec.canary)]
        router = ROUTERS[route.kind]
        if route.kind != "replicas":
            found.insert(0, _Object(router.what, route.name, router))  # type: ignore[attr-defined]
        return found

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]:
        try:
            calls = self.cluster.calls()
        except SourceError as err:
            yield [LogLine(f"[console] kubernetes: {err}", LABEL, "", time.time(), "error")]
            return
        objects = self.objects()
        while not stop.is_set():
            yield self.poll(calls, objects)
            stop.wait(self.poll_s)

    def poll(self, calls: Calls, objects: list[_Object]) -> list[LogLine]:
        """The Events and changes not shown yet, oldest first, and a line per new trouble."""
        lines: list[LogLine] = []
        for obj in objects:
            lines.extend(
                self._guard(f"events {obj.label}", lambda o=obj: self._new_events(calls, o))
            )
            lines.extend(
                self._guard(f"changes {obj.label}", lambda o=obj: self._new_changes(calls, o))
            )
        return sorted(lines, key=lambda line: line.time or 0.0)

    def _guard(self, what: str, read: Any) -> list[LogLine]:
        try:
            found: list[LogLine] = read()
        except SourceError as err:
            text = f"[console] {what}: {err}"
            if self._trouble.get(what) == text:
                return []
            self._trouble[what] = text
            return [LogLine(text, LABEL, "", time.time(), "error")]
        self._trouble.pop(what, None)
        return found

    def _new_events(self, calls: Calls, obj: _Object) -> list[LogLine]:
        namespace = self.spec.namespace
        selector = f"involvedObject.kind={obj.kind},involvedObject.name={obj.name}"
        listing = read_json(
            calls,
            "list",
            "events",
            namespace,
            obj.name,
            lambda: calls.core.list_namespaced_event(
                namespace,
                field_selector=selector,
                _preload_content=False,
                _request_timeout=calls.timeout_s,
            ),
        )
        seen = self._events.get(obj.label, set())
        now: set[tuple[Any, ...]] = set()
        lines = []
        for event in listing.get("items") or []:
            meta = event.get("metadata") or {}
            series = event.get("series") or {}
            key = (
                meta.get("uid") or meta.get("name"),
                event.get("count") or series.get("count"),
                event.get("lastTimestamp") or series.get("lastObservedTime"),
            )
            now.add(key)
            if key not in seen:
                lines.append(event_line(obj, event))
        self._events[obj.label] = now  # Events that expired are forgotten
        return lines

    def _new_changes(self, calls: Calls, obj: _Object) -> list[LogLine]:
        current = self._read(calls, obj)
        ours = calls.field_manager
        lines = []
        for entry in (current.get("metadata") or {}).get("managedFields") or []:
            manager, sub = entry.get("manager"), entry.get("subresource")
            if manager == ours or sub == "status":  # ours, or a controller reporting status
                continue
            key = (obj.label, manager, entry.get("operation"), sub)
            if self._changes.get(key) != entry.get("time"):
                self._changes[key] = entry.get("time")
                lines.append(change_line(obj, entry))
        return lines

    def _read(self, calls: Calls, obj: _Object) -> dict[str, Any]:
        namespace = self.spec.namespace
        if obj.router is None:
            found: dict[str, Any] = read_json(
                calls,
                "get",
                "deployments.apps",
                namespace,
                obj.name,
                lambda: calls.apps.read_namespaced_deployment(
                    obj.name, namespace, _preload_content=False, _request_timeout=calls.timeout_s
                ),
            )
            return found
        router = obj.router
        found = calls.custom(
            "get",
            router,
            namespace,
            obj.name,
            lambda api: api.get_namespaced_custom_object(
                router.group,
                router.version,
                namespace,
                router.plural,
                obj.name,
                _request_timeout=calls.timeout_s,
            ),
        )
        return found
