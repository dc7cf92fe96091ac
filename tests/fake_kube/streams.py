"""The streaming answers: watches over the store's change log, pod logs, and the selectors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.fake_kube.logs import parse_time
from tests.fake_kube.status import ApiError

if TYPE_CHECKING:
    from tests.fake_kube.handlers import Target
    from tests.fake_kube.server import FakeKube


@dataclass
class Reply:
    code: int
    body: Any = None  # JSON-able, or None for a stream
    stream: Iterator[bytes] | None = None
    content_type: str = "application/json"


def flag(query: dict[str, str], name: str) -> bool:
    """The API server's bool parsing: absent, "0" or "false" (any case) are false."""
    value = query.get(name)
    return value is not None and value.lower() not in ("0", "false")


def watch_stream(
    fake: FakeKube, target: Target, query: dict[str, str], match: Selector
) -> Iterator[bytes]:
    """Newline-delimited watch events after ``resourceVersion`` (all objects first without one).
    Counted in ``fake.open_watches`` from the moment ``end_watches`` would end it."""
    epoch = fake.watch_epoch
    with fake.lock_watches():
        fake.open_watches += 1
    try:
        yield from _watch_events(fake, target, query, match, epoch)
    finally:
        with fake.lock_watches():
            fake.open_watches -= 1


def _watch_events(
    fake: FakeKube, target: Target, query: dict[str, str], match: Selector, epoch: int
) -> Iterator[bytes]:
    res, store = target.res, fake.store
    since = query.get("resourceVersion", "")
    timeout = float(query.get("timeoutSeconds") or 1800)
    deadline = time.monotonic() + timeout

    def line(kind: str, obj: dict[str, Any]) -> bytes:
        return (json.dumps({"type": kind, "object": obj}) + "\n").encode()

    def ours(key: tuple[str, str, str, str], obj: dict[str, Any]) -> bool:
        return key[:3] == (res.group, res.plural, target.namespace) and match(obj)

    with store.lock:
        if since in ("", "0"):
            first = [
                line("ADDED", o)
                for o in store.list(res.group, res.plural, target.namespace)
                if match(o)
            ]
            last = store.version
        elif int(since) < fake.compacted_below:
            first = [
                line(
                    "ERROR",
                    ApiError(410, f"too old resource version: {since} ({store.version})").body(),
                )
            ]
            last = -1
        else:
            first, last = [], int(since)
    yield from first
    if last < 0:
        return
    index = 0
    while True:
        with store.changed:
            while True:
                while index < len(store.log) and store.log[index].rv <= last:
                    index += 1
                if index < len(store.log) or fake.closed or fake.watch_epoch != epoch:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                store.changed.wait(left)
            if fake.closed or fake.watch_epoch != epoch:
                if fake.drop_watches:
                    raise ConnectionAbortedError("watch dropped")
                return
            batch = store.log[index:]
        for change in batch:
            last = change.rv
            if ours(change.key, change.obj):
                yield line(change.type, change.obj)


def log_reply(fake: FakeKube, target: Target, query: dict[str, str], pod: dict[str, Any]) -> Reply:
    """Pod logs as text/plain, followed when asked; a starting container is a 400."""
    containers = [c["name"] for c in pod["spec"]["containers"]]
    container = query.get("container")
    if container and container not in containers:
        raise ApiError(400, f"container {container} is not valid for pod {target.name}")
    ready = any(
        c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", [])
    )
    if not ready and not fake.logs_before_ready:
        raise ApiError(
            400,
            f'container "{containers[0]}" in pod "{target.name}" is waiting to start: '
            "ContainerCreating",
        )
    tail = query.get("tailLines")
    since_time = query.get("sinceTime")
    # The API server passes sinceTime on to the kubelet as RFC 3339 in whole seconds
    # (LogLocation: opts.SinceTime.Format(time.RFC3339)), so up to a second comes again.
    since = parse_time(since_time).replace(microsecond=0) if since_time else None
    if query.get("sinceSeconds"):
        since = datetime.now(UTC) - timedelta(seconds=int(query["sinceSeconds"]))
    stream = fake.logs.stream(
        target.namespace,
        target.name or "",
        flag(query, "follow"),
        flag(query, "timestamps"),
        int(tail) if tail is not None else None,
        since,
    )
    return Reply(200, stream=stream, content_type="text/plain")


class Selector:
    """Label selectors (``k=v``, ``k!=v``, ``k``) and field selectors on name and involvedObject."""

    def __init__(self, labels: str, fields: str) -> None:
        self.labels = [p.strip() for p in labels.split(",") if p.strip()]
        self.fields = [p.strip() for p in fields.split(",") if p.strip()]

    def __call__(self, obj: dict[str, Any]) -> bool:
        have = obj.get("metadata", {}).get("labels") or {}
        for term in self.labels:
            if "!=" in term:
                k, v = term.split("!=", 1)
                if have.get(k.strip()) == v.strip():
                    return False
            elif "=" in term:
                k, v = term.split("=", 1)
                if have.get(k.strip().rstrip("=")) != v.strip().lstrip("="):
                    return False
            elif term not in have:
                return False
        for term in self.fields:
            k, _, v = term.partition("=")
            node: Any = obj
            for part in k.strip().rstrip("=").split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if str(node) != v.strip().lstrip("="):
                return False
        return True
