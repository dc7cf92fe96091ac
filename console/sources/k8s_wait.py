"""Waiting for ready replicas with a watch: from the resourceVersion of a read, reconnecting
when the stream ends or drops, until enough are ready, the time-out passes or ``cancel`` is set."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from console.errors import Cancelled, ConflictError, NotFoundError, SourceError, WarmTimeout
from console.model import DeploymentSpec, DeploymentStatus
from console.sources.k8s_calls import Calls, status_of

#: How often the waiting thread looks at ``cancel`` while the watch is quiet.
CANCEL_CHECK_S = 0.05
#: Longest server-side watch before it is re-opened (the API server ends watches itself too).
WATCH_S = 60


class _Stream:
    """One watch request; a reader thread turns its lines into a queue of events."""

    _END = object()

    def __init__(self, calls: Calls, spec: DeploymentSpec, name: str, rv: str, seconds: int):
        self.events: queue.Queue[Any] = queue.Queue()
        self._resp = calls.call(
            "watch",
            "deployments.apps",
            spec.namespace,
            name,
            lambda: calls.apps.list_namespaced_deployment(
                spec.namespace,
                field_selector=f"metadata.name={name}",
                watch=True,
                resource_version=rv,
                timeout_seconds=seconds,
                allow_watch_bookmarks=True,
                _preload_content=False,
                _request_timeout=(calls.timeout_s, seconds + calls.timeout_s),
            ),
        )
        self._thread = threading.Thread(target=self._read, name="k8s-watch", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        from kubernetes.watch.watch import iter_resp_lines

        try:
            for line in iter_resp_lines(self._resp):
                if line.strip():
                    self.events.put(json.loads(line))
            self.events.put(self._END)
        except Exception as err:  # handed to the waiting thread, which decides
            self.events.put(err)

    def next(self, timeout: float) -> Any:
        """An event dict, ``None`` when nothing came within ``timeout``, ``_END`` or an error."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Shut the stream and close its connection. The connection is never handed back to
        the pool: the reader thread may still be inside it, and a connection that thread closes
        after another request took it from the pool fails that request mid-call."""
        for step in ("shutdown", "close"):
            with contextlib.suppress(Exception):  # the stream may already be gone
                getattr(self._resp, step)()
        self._thread.join(timeout=1.0)  # the shut stream ends its read at once


def wait_ready(
    calls: Calls,
    spec: DeploymentSpec,
    name: str,
    replicas: int,
    timeout_s: float,
    cancel: threading.Event,
    progress: Callable[[DeploymentStatus], None],
) -> DeploymentStatus:
    deadline = time.monotonic() + timeout_s
    shown: list[DeploymentStatus] = []
    last_error = ""

    def seen(status: DeploymentStatus) -> bool:
        if not shown or shown[-1] != status:
            shown.append(status)
            progress(status)
        return status.ready >= replicas and status.caught_up

    def stop_if_due() -> None:
        current = shown[-1] if shown else None
        got = f"{current.ready}/{replicas}" if current else f"?/{replicas}"
        if cancel.is_set():
            raise Cancelled(f"cancelled while {name} had {got} ready")
        if time.monotonic() >= deadline:
            extra = f" (last watch error: {last_error})" if last_error else ""
            raise WarmTimeout(
                f"{name}: {got} replicas ready after {timeout_s:.0f}s; traffic was not shifted"
                + extra
            )

    failures = 0
    while True:
        stop_if_due()
        try:
            obj = calls.deployment(spec, name)
        except (ConflictError, NotFoundError, SourceError) as err:
            if type(err) is not SourceError:
                raise
            last_error, failures = str(err), failures + 1
            cancel.wait(min(0.1 * 2**failures, 2.0, max(deadline - time.monotonic(), 0)))
            continue
        if seen(status_of(name, obj)):
            return shown[-1]
        rv = obj.metadata.resource_version or ""
        while True:  # one watch after another from the last resourceVersion seen
            stop_if_due()
            seconds = max(1, min(WATCH_S, int(deadline - time.monotonic()) + 1))
            try:
                stream = _Stream(calls, spec, name, rv, seconds)
            except SourceError as err:
                if type(err) is not SourceError:
                    raise
                last_error, failures = str(err), failures + 1
                cancel.wait(min(0.1 * 2**failures, 2.0, max(deadline - time.monotonic(), 0)))
                break  # read again, then watch
            try:
                outcome = _follow(stream, name, seen, stop_if_due, deadline)
            finally:
                stream.close()
            if isinstance(outcome, DeploymentStatus):
                return outcome
            if isinstance(outcome, Exception):
                last_error, failures = f"{type(outcome).__name__}: {outcome}", failures + 1
                cancel.wait(min(0.1 * 2**failures, 2.0, max(deadline - time.monotonic(), 0)))
                break
            if outcome == "expired":
                break  # 410: the version is too old; read again
            rv = outcome or rv
            failures = 0


def _follow(
    stream: _Stream,
    name: str,
    seen: Callable[[DeploymentStatus], bool],
    stop_if_due: Callable[[], None],
    deadline: float,
) -> DeploymentStatus | Exception | str | None:
    """Consume one watch: a status when ready, an error when the stream broke, ``"expired"``
    on 410, else the last resourceVersion when the stream ended cleanly."""
    rv: str | None = None
    while True:
        stop_if_due()
        event = stream.next(max(min(CANCEL_CHECK_S, deadline - time.monotonic()), 0.001))
        if event is None:
            continue
        if event is _Stream._END:
            return rv
        if isinstance(event, Exception):
            return event
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                return "expired"
            raise SourceError(f"watch deployments.apps {name}: {obj.get('message', obj)}")
        rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
        if kind == "DELETED":
            raise NotFoundError(f"deployment {name} was deleted while waiting for it")
        if kind in ("ADDED", "MODIFIED") and seen(status_of(name, obj)):
            return status_of(name, obj)
