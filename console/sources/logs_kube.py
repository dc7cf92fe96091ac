"""Pod logs of both tracks from Kubernetes as one ``LogSource``: the pods of each track's
Deployment (found through its selector, joined and left as a pod watch reports them), each
followed with ``timestamps=true`` and resumed after a broken stream without a repeat or a gap."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from console.errors import SourceError
from console.model import DeploymentSpec, LogLine, Track
from console.sources.k8s_calls import Calls
from console.sources.logs_kube_pods import Follower, Watcher
from console.sources.logs_kube_stream import OpenStreams, container_of, streaming_calls

if TYPE_CHECKING:
    from console.sources.kubernetes import KubernetesCluster

MAX_BATCH = 5_000


class KubePodLogSource:
    """``LogSource`` over the pods of ``spec``'s stable and canary Deployments. Each line is
    labelled with its pod and track and stamped with the kubelet's time; trouble is one
    ``[console]`` line (403, 404, a dropped stream), never the end of the stream."""

    def __init__(
        self,
        cluster: KubernetesCluster,
        spec: DeploymentSpec,
        tail_lines: int = 100,
        retry_s: float = 0.5,
        max_retry_s: float = 30.0,
        queue_lines: int = 50_000,
        max_pods: int = 20,
    ) -> None:
        self.cluster = cluster
        self.spec = spec
        self.tail_lines = tail_lines
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.queue_lines = queue_lines
        #: Pods followed at once per track: each is a thread and a connection to the API server.
        self.max_pods = max_pods

    @property
    def name(self) -> str:
        return f"pod logs {self.spec.namespace}/{self.spec.stable},{self.spec.canary}"

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]:
        try:
            calls = streaming_calls(self.cluster.calls())
        except SourceError as err:
            yield [LogLine(f"[console] pod logs: {err}", "kubernetes", "", time.time(), "error")]
            return
        session = Session(self, calls, stop)
        try:
            session.start()
            yield []
            while not stop.is_set():
                batch = session.take(0.1)
                if batch:
                    yield batch
        finally:
            session.close()


class Session:
    """One run of the source: a watcher thread per track, a follower thread per pod, and the
    queue their lines go through."""

    def __init__(self, source: KubePodLogSource, calls: Calls, stop: threading.Event) -> None:
        self.source = source
        self.calls = calls
        self.spec = source.spec
        self.tail_lines = source.tail_lines
        self.outer = stop
        self.done = threading.Event()
        self.streams = OpenStreams()
        self.lines: queue.Queue[LogLine] = queue.Queue(source.queue_lines)
        self.lock = threading.Lock()
        self.followers: dict[str, Follower] = {}
        #: Started pods beyond ``max_pods``, by name: followed when a followed pod goes.
        self.waiting: dict[str, tuple[Track, dict[str, Any]]] = {}
        self.capped: set[Track] = set()
        self.threads: list[threading.Thread] = []

    def stopped(self) -> bool:
        return self.done.is_set() or self.outer.is_set()

    def start(self) -> None:
        for track, name in self.spec.tracks():
            self.spawn(f"pods {name}", Watcher(self, track, name).run)

    def spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=f"k8s-logs {name}", daemon=True)
        thread.start()
        with self.lock:
            self.threads = [t for t in self.threads if t.is_alive()] + [thread]

    def emit(self, line: LogLine) -> None:
        while not self.stopped():
            try:
                self.lines.put(line, timeout=0.2)  # a full queue holds the readers back
                return
            except queue.Full:
                continue

    def say(self, text: str, pod: str, track: Track | str, level: str = "info") -> None:
        self.emit(LogLine(f"[console] {text}", pod, str(track), time.time(), level))

    def take(self, wait_s: float) -> list[LogLine]:
        try:
            batch = [self.lines.get(timeout=wait_s)]
        except queue.Empty:
            return []
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self.lines.get_nowait())
            except queue.Empty:
                break
        return batch

    def pause(self, seconds: float) -> bool:
        """Wait; True when the source stopped meanwhile."""
        return self.done.wait(seconds) or self.outer.is_set()

    def backoff(self, failures: int) -> float:
        return float(min(self.source.retry_s * 2 ** max(failures - 1, 0), self.source.max_retry_s))

    # -- pods ------------------------------------------------------------------------------

    def follow(self, track: Track, pod: dict[str, Any], joined: bool) -> None:
        name = pod["metadata"]["name"]
        limit = self.source.max_pods
        with self.lock:
            if name in self.followers or self.stopped():
                return
            if sum(1 for f in self.followers.values() if f.track is track) >= limit:
                self.waiting[name] = (track, pod)
                first_time = track not in self.capped
                self.capped.add(track)
            else:
                first_time = None
                self.waiting.pop(name, None)
                follower = Follower(self, track, name, container_of(pod))
                self.followers[name] = follower
        if first_time is not None:
            if first_time:
                self.say(
                    f"following {limit} {track} pods; more are followed as these go "
                    "([logs] max_pods_per_track)",
                    name,
                    track,
                )
            return
        if joined:
            self.say(f"pod {name} joined ({track})", name, track)
        self.spawn(name, follower.run)

    def leave(self, name: str, said: bool = True) -> None:
        with self.lock:
            follower = self.followers.pop(name, None)
            self.waiting.pop(name, None)
            nxt = None
            if follower is not None:
                nxt = next((p for t, p in self.waiting.values() if t is follower.track), None)
        if follower is not None:
            follower.stop()
            if said:
                self.say(f"pod {name} left ({follower.track})", name, follower.track)
            if nxt is not None:
                self.follow(follower.track, nxt, joined=True)

    def keep_waiting(self, track: Track, listed: set[str]) -> None:
        """Forget waiting pods of ``track`` that a new listing no longer has."""
        with self.lock:
            for name in [n for n, (t, _) in self.waiting.items() if t is track and n not in listed]:
                del self.waiting[name]

    def followed(self, track: Track) -> set[str]:
        with self.lock:
            return {n for n, f in self.followers.items() if f.track is track}

    def close(self) -> None:
        self.done.set()
        self.streams.close_all()
        with self.lock:
            followers, self.followers = list(self.followers.values()), {}
            threads = list(self.threads)
        for follower in followers:
            follower.stop()
        deadline = time.monotonic() + 2.0
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))
        self.calls.api_client.close()
