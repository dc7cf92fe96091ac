"""The two kinds of thread behind the pod-log source: a watcher per track (the pods of its
Deployment, found through the selector, followed when started and left when deleted) and a
follower per pod (its log, resumed after a break without a repeat or a gap)."""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from console.errors import SourceError
from console.model import LogLine, Track
from console.sources.logs_file import decode
from console.sources.logs_kube_stream import (
    Resume,
    lines_of,
    open_log,
    read_json,
    selector_of,
    split_line,
    started,
)

if TYPE_CHECKING:
    from console.model import DeploymentSpec
    from console.sources.k8s_calls import Calls
    from console.sources.logs_kube_stream import OpenStreams


class Session(Protocol):
    """What a watcher and a follower need from the source's run they belong to (implemented by
    ``console.sources.logs_kube.Session``)."""

    calls: Calls
    spec: DeploymentSpec
    streams: OpenStreams
    tail_lines: int  # lines of each pod's log shown when it is first followed

    def stopped(self) -> bool: ...

    def pause(self, seconds: float) -> bool: ...

    def backoff(self, failures: int) -> float: ...

    def emit(self, line: LogLine) -> None: ...

    def say(self, text: str, pod: str, track: Track | str, level: str = "info") -> None: ...

    def follow(self, track: Track, pod: dict[str, Any], joined: bool) -> None: ...

    def leave(self, name: str, said: bool = True) -> None: ...

    def keep_waiting(self, track: Track, listed: set[str]) -> None: ...

    def followed(self, track: Track) -> set[str]: ...


#: Longest server-side pod watch before it is reopened from the last version.
WATCH_S = 60


class Watcher:
    """The pods of one track's Deployment: listed, then watched from the list's version;
    a started pod is followed, a deleted one left. Reopened when the watch ends or breaks."""

    def __init__(self, session: Session, track: Track, deployment: str) -> None:
        self.s = session
        self.track = track
        self.deployment = deployment
        self.first = True

    def run(self) -> None:
        s = self.s
        selector: str | None = None
        failures, said = 0, ""
        while not s.stopped():
            try:
                selector = selector if selector is not None else self.selector()
                listing = self.listing(selector)
                self.sync(listing.get("items") or [])
                if said:
                    s.say(f"{self.track} pods listed again", self.deployment, self.track)
                failures, said = 0, ""
                rv = (listing.get("metadata") or {}).get("resourceVersion") or ""
                while not s.stopped() and rv:
                    rv = self.watch(selector, rv)
            except SourceError as err:
                failures += 1
                if s.pause(s.backoff(failures)):
                    return
                text = f"{self.track} pods of {self.deployment}: {err}; retrying"
                if text != said:
                    s.say(text, self.deployment, self.track, "error")
                    said = text

    def selector(self) -> str:
        calls, namespace, name = self.s.calls, self.s.spec.namespace, self.deployment
        deployment = read_json(
            calls,
            "get",
            "deployments.apps",
            namespace,
            name,
            lambda: calls.apps.read_namespaced_deployment(
                name, namespace, _preload_content=False, _request_timeout=calls.timeout_s
            ),
        )
        selector = selector_of(deployment)
        if not selector:  # an empty selector would be every pod of the namespace
            raise SourceError(f"deployment {name} has no pod selector")
        return selector

    def listing(self, selector: str) -> dict[str, Any]:
        calls, namespace = self.s.calls, self.s.spec.namespace
        listing: dict[str, Any] = read_json(
            calls,
            "list",
            "pods",
            namespace,
            selector,
            lambda: calls.core.list_namespaced_pod(
                namespace,
                label_selector=selector,
                _preload_content=False,
                _request_timeout=calls.timeout_s,
            ),
        )
        return listing

    def sync(self, pods: list[dict[str, Any]]) -> None:
        listed = {p["metadata"]["name"] for p in pods}
        self.s.keep_waiting(self.track, listed)
        for name in self.s.followed(self.track) - listed:
            self.s.leave(name)
        for pod in pods:
            if started(pod):
                self.s.follow(self.track, pod, joined=not self.first)
        self.first = False

    def watch(self, selector: str, rv: str) -> str:
        """One watch from ``rv``; the last version seen when it ends ("" after a 410)."""
        s, spec, calls = self.s, self.s.spec, self.s.calls
        resp = calls.call(
            "watch",
            "pods",
            spec.namespace,
            selector,
            lambda: calls.core.list_namespaced_pod(
                spec.namespace,
                label_selector=selector,
                watch=True,
                resource_version=rv,
                allow_watch_bookmarks=True,
                timeout_seconds=WATCH_S,
                _preload_content=False,
                _request_timeout=(calls.timeout_s, WATCH_S + calls.timeout_s),
            ),
        )
        if not s.streams.add(resp):
            return rv
        began, events = time.monotonic(), 0
        try:
            for raw in lines_of(resp):
                if not raw.strip():
                    continue
                event = json.loads(raw)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        return ""  # too old: list again
                    raise SourceError(f"watch pods {spec.namespace}: {obj.get('message', obj)}")
                events += 1
                rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                name = (obj.get("metadata") or {}).get("name")
                if kind == "DELETED" and name:
                    s.leave(name)
                elif kind in ("ADDED", "MODIFIED") and name and started(obj):
                    s.follow(self.track, obj, joined=True)
        except SourceError:
            raise
        except (OSError, ValueError) as err:
            raise SourceError(f"watch pods {spec.namespace}: {type(err).__name__}") from None
        except Exception as err:  # urllib3's protocol errors: the watch broke
            if s.stopped():
                return rv
            raise SourceError(f"watch pods {spec.namespace}: {type(err).__name__}") from None
        finally:
            s.streams.discard(resp)
        if not events and time.monotonic() - began < 1:
            s.pause(0.2)  # an API server ending watches at once must not make a busy loop
        return rv


class Follower:
    """One pod's log: the last ``tail_lines`` first, then followed; reconnected from the resume
    point (``sinceTime`` = the newest line's timestamp) whenever the stream ends or breaks."""

    def __init__(self, session: Session, track: Track, pod: str, container: str | None) -> None:
        self.s = session
        self.track = track
        self.pod = pod
        self.container = container
        self.left = threading.Event()
        self.resp: Any = None

    def stop(self) -> None:
        self.left.set()
        resp = self.resp
        if resp is not None:
            self.s.streams.discard(resp)

    def stopped(self) -> bool:
        return self.left.is_set() or self.s.stopped()

    def pause(self, seconds: float) -> bool:
        return self.left.wait(seconds) or self.s.stopped()

    def run(self) -> None:
        s, resume = self.s, Resume()
        connected_at: str | None = None
        failures, said = 0, ""
        while not self.stopped():
            tail, since = None, resume.stamp
            if connected_at is None:
                tail = s.tail_lines
            elif since is None and s.tail_lines == 0:
                since = connected_at  # nothing seen and no tail asked: only what is new
            try:
                resp = open_log(s.calls, s.spec.namespace, self.pod, self.container, tail, since)
            except SourceError as err:
                failures += 1
                if self.pause(s.backoff(failures)):
                    return  # a pod that went away: its 404 is no news
                said = self.trouble(f"{err}; retrying", said)
                continue
            if connected_at is None:
                connected_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.resp = resp
            if not s.streams.add(resp) or self.left.is_set():  # stopped while it was opening
                s.streams.discard(resp)
                return
            if said:
                s.say(f"pod {self.pod}: logs flowing again", self.pod, self.track)
                said = ""
            shown, broke = self.read(resp, resume)
            if self.stopped():
                return
            if broke is not None:
                where = f" after {resume.stamp}" if resume.stamp else ""
                why = f"{type(broke).__name__}"
                self.trouble(f"log stream dropped ({why}); resuming{where}", "")
                failures = 1
            else:
                failures = 0 if shown else failures + 1
            if failures and self.pause(s.backoff(failures)):
                return

    def read(self, resp: Any, resume: Resume) -> tuple[int, Exception | None]:
        """Pass on the new lines of one stream; how many, and the error that broke it."""
        shown = 0
        resume.reconnected()
        try:
            for raw in lines_of(resp):
                nanos, stamp, text = split_line(raw)
                if resume.accept(nanos, stamp, text):
                    when = time.time() if nanos is None else nanos // 10**9 + nanos % 10**9 / 1e9
                    self.s.emit(LogLine(decode(text), self.pod, str(self.track), when))
                    shown += 1
        except Exception as err:  # the connection broke: resume from the mark
            return shown, err
        finally:
            self.s.streams.discard(resp)
            self.resp = None
        return shown, None

    def trouble(self, text: str, said: str) -> str:
        line = f"pod {self.pod} ({self.track}): {text}"
        if line != said:
            self.s.say(line, self.pod, self.track, "error")
        return line
