"""Pod log streams over the Kubernetes API: ``/log`` opened with ``sinceTime`` (the 37.x client
has no such parameter, so the request is built through its ``ApiClient``), the answer split into
timestamped lines, and the resume point that lets a reconnect repeat and lose nothing."""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from console.sources.k8s_calls import Calls

#: Connections the streaming client keeps: one per followed pod, plus the pod watches.
POOL_SIZE = 128
#: A line longer than this is passed on in pieces rather than held in memory without end.
MAX_LINE_BYTES = 1 << 20
#: A followed pod that says nothing for this long is asked again (a silently dead connection
#: would otherwise hang forever); resuming costs nothing.
READ_TIMEOUT_S = 300.0

_STAMP = re.compile(rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) ")


def split_line(raw: bytes) -> tuple[int | None, str | None, bytes]:
    """``2026-…T…Z text`` (``timestamps=true``) as nanoseconds since the epoch, the stamp as
    sent, and the text; a line without a stamp keeps its text and has no time."""
    match = _STAMP.match(raw)
    if match is None:
        return None, None, raw
    whole, fraction, zone = match.groups()
    offset = "+00:00" if zone == b"Z" else zone.decode()
    try:
        seconds = int(datetime.fromisoformat(whole.decode() + offset).timestamp())
    except ValueError:
        return None, None, raw
    nanos = int((fraction or b"0").ljust(9, b"0"))
    return seconds * 1_000_000_000 + nanos, raw[: match.end() - 1].decode(), raw[match.end() :]


class Resume:
    """How far a pod's log has been read: the newest timestamp seen and the lines seen at it.

    A reconnect asks for ``sinceTime`` = that timestamp, so the server sends the lines at it
    again (and older ones if it rounds the time down to the second). ``accept`` drops every line
    older than the mark and, at the mark, the lines already seen, matched in order by text (an
    unseen older line at the mark, cut off by the first tail, is dropped too); the first line
    it lets through ends the replay. Distinct lines sharing a timestamp are all kept."""

    MAX_AT_MARK = 10_000

    def __init__(self) -> None:
        self.mark: int | None = None
        self.stamp: str | None = None
        self.at_mark: list[bytes] = []
        self._matched: int | None = None  # during a replay: how many of ``at_mark`` came again

    def reconnected(self) -> None:
        """A new stream from ``stamp`` begins: its first lines are a replay."""
        self._matched = 0 if self.mark is not None else None

    def accept(self, nanos: int | None, stamp: str | None, text: bytes) -> bool:
        if nanos is None:
            return True
        if self.mark is not None and nanos < self.mark:
            return False
        if nanos == self.mark and self._matched is not None and self._matched < len(self.at_mark):
            if text == self.at_mark[self._matched]:
                self._matched += 1
            else:  # an older line at the mark that was never shown
                self._matched = int(text == self.at_mark[0])
            return False
        self._matched = None
        if nanos == self.mark:
            if len(self.at_mark) < self.MAX_AT_MARK:
                self.at_mark.append(text)
        else:
            self.mark, self.stamp, self.at_mark = nanos, stamp, [text]
        return True


def lines_of(resp: Any) -> Iterator[bytes]:
    """Complete lines of a streamed answer as they arrive. A last line without its newline (the
    connection broke mid-line) is dropped: it comes again, whole, after the resume."""
    buffer = b""
    for chunk in resp.stream(amt=None, decode_content=False):
        buffer += chunk
        if b"\n" not in chunk and len(buffer) <= MAX_LINE_BYTES:
            continue
        *complete, buffer = buffer.split(b"\n")
        yield from complete
        while len(buffer) > MAX_LINE_BYTES:
            yield buffer[:MAX_LINE_BYTES]
            buffer = buffer[MAX_LINE_BYTES:]


def streaming_calls(base: Calls) -> Calls:
    """A second client on the same configuration (kubeconfig, token, TLS) with a pool large
    enough for one long-lived connection per pod, so streams never crowd out the other calls,
    and without urllib3's silent retries."""
    from kubernetes import client

    config = copy.copy(base.api_client.configuration)
    config.connection_pool_maxsize = POOL_SIZE
    config.retries = False  # the followers retry (and resume) themselves, and say so
    return Calls(client.ApiClient(config), base.timeout_s, base.field_manager)


def open_log(
    calls: Calls,
    namespace: str,
    pod: str,
    container: str | None,
    tail: int | None = None,
    since: str | None = None,
) -> Any:
    """``GET …/pods/{pod}/log?follow=true&timestamps=true`` with ``tailLines`` or ``sinceTime``;
    the raw streaming response. Failures are ``SourceError``s worded by ``Calls``."""
    query = [("follow", "true"), ("timestamps", "true")]
    if container:
        query.append(("container", container))
    if tail is not None:
        query.append(("tailLines", str(tail)))
    if since is not None:
        query.append(("sinceTime", since))
    api = calls.api_client

    def request() -> Any:
        method, url, headers, body, post = api.param_serialize(
            "GET",
            "/api/v1/namespaces/{namespace}/pods/{name}/log",
            path_params={"namespace": namespace, "name": pod},
            query_params=query,
            header_params={"Accept": "text/plain"},
            auth_settings=["BearerToken"],
        )
        answer = api.call_api(
            method, url, headers, body, post, _request_timeout=(calls.timeout_s, READ_TIMEOUT_S)
        )
        if not 200 <= answer.status <= 299:
            answer.read()
            raise calls.client.ApiException(http_resp=answer)
        return answer.response

    return calls.call("get", "pods/log", namespace, pod, request)


def read_json(calls: Calls, verb: str, what: str, namespace: str, name: str, fn: Any) -> Any:
    """Call ``fn`` (a client call with ``_preload_content=False``) and parse its JSON: plain
    dicts in the API's own field names, never the client's strict models."""
    return calls.call(verb, what, namespace, name, lambda: json.loads(fn().data))


def selector_of(deployment: dict[str, Any]) -> str:
    """A Deployment's ``spec.selector`` as a label selector string."""
    selector = (deployment.get("spec") or {}).get("selector") or {}
    terms = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            terms.append(str(key))
        elif op == "DoesNotExist":
            terms.append(f"!{key}")
    return ",".join(terms)


def container_of(pod: dict[str, Any]) -> str | None:
    """The container whose log is followed: the one named by the
    ``kubectl.kubernetes.io/default-container`` annotation, else the first (as kubectl does)."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    chosen = annotations.get("kubectl.kubernetes.io/default-container")
    containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
    if chosen in containers:
        return str(chosen)
    return str(containers[0]) if containers else None


def started(pod: dict[str, Any]) -> bool:
    """Whether the pod has a log to read yet (a container running or finished)."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Running", "Succeeded", "Failed"):
        return True
    return any(
        "running" in (c.get("state") or {}) or "terminated" in (c.get("state") or {})
        for c in status.get("containerStatuses") or []
    )


def shut(resp: Any) -> None:
    """End a streaming response now, from any thread: a read blocked on it returns at once."""
    for step in ("shutdown", "close", "release_conn"):
        with contextlib.suppress(Exception):  # it may be gone already
            getattr(resp, step)()


class OpenStreams:
    """The responses open now, all shut at once when the source stops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[Any] = set()
        self.closed = False

    def add(self, resp: Any) -> bool:
        """Keep ``resp``; False (and it is shut) when the source has already stopped."""
        with self._lock:
            if not self.closed:
                self._open.add(resp)
                return True
        shut(resp)
        return False

    def discard(self, resp: Any) -> None:
        with self._lock:
            self._open.discard(resp)
        shut(resp)

    def close_all(self) -> None:
        with self._lock:
            self.closed = True
            items, self._open = list(self._open), set()
        for resp in items:
            shut(resp)
