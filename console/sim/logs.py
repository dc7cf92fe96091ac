"""The simulated fleet's server logs: vLLM-style lines written from what the fleet is doing."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from console.clock import next_beat
from console.model import LogLine, Track
from console.sim import layout as L
from console.sim.fleet import SimFleet
from console.sim.track import MAX_SEQS, Pod, kv_fraction

STATS_EVERY_S = 10
#: Checkpoint shards of the simulated model (an 8B model ships as four safetensors files).
SHARDS = 4
#: At most this many request lines per pod per poll: a long jump of the clock stays readable.
MAX_REQUEST_LINES = 40
#: How long before the poll beat the lines are written (they must be there when it paints).
BEAT_LEAD_S = 0.1

_FAULTS = (
    "Error in chat completion stream generator: RuntimeError: CUDA error: an illegal memory "
    "access was encountered",
    "AsyncEngineDeadError: Background loop has errored already.",
    "Error in preprocessing prompt inputs: RuntimeError: NCCL error: unhandled system error",
)


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%m-%d %H:%M:%S")


class SimLogGenerator:
    """Turns the change in each pod's counters since the last call into log lines: request
    lines (200/400/500/503), engine statistics every ``STATS_EVERY_S``, start-up and shutdown,
    and errors when the track is failing or overloaded. Deterministic for a seed and tick."""

    def __init__(self, fleet: SimFleet) -> None:
        self.fleet = fleet
        self._seen: dict[str, list[float]] = {}  # pod -> [2xx, 4xx, 5xx] at the last call
        self._ready: set[str] = set()
        self._tick = -1
        self._tracks: dict[str, Track] = {}
        self._stats_at: dict[str, tuple[int, float, float]] = {}
        self._refused: dict[Track, float] = {}  # track -> its 5xx count with no pod to blame

    def start(self) -> list[LogLine]:
        """The lines of pods' start-ups (as a tail on start), then everything up to now."""
        fleet = self.fleet
        with fleet.lock:
            fleet.sync()
            self._tick = fleet.last
            out: list[LogLine] = []
            for track, sim in fleet.tracks.items():
                self._unserved(track, self._tick, self._tick)  # the count to start from
                for pod in sim.pods:
                    self._tracks[pod.name] = track
                    self._seen[pod.name] = _codes(pod)
                    c = pod.counters
                    self._stats_at[pod.name] = (fleet.last, c[L.PROMPT_SUM], c[L.GEN_SUM])
                    out.extend(self._startup(track, pod, fleet.last, first=True))
            out.sort(key=lambda line: line.time or 0.0)
            return out

    def poll(self) -> list[LogLine]:
        """Lines for what happened since the last call (nothing if the clock has not moved)."""
        fleet = self.fleet
        with fleet.lock:
            fleet.sync()
            now = fleet.last
            if now <= self._tick:
                return []
            prev, self._tick = self._tick, now
            out: list[LogLine] = []
            alive: set[str] = set()
            for track, sim in fleet.tracks.items():
                failing = sim.profile.error_5xx_share > 0
                for pod in sim.pods:
                    alive.add(pod.name)
                    if pod.name not in self._seen:
                        self._tracks[pod.name] = track
                        self._seen[pod.name] = _codes(pod)
                        out.extend(self._startup(track, pod, now, first=True))
                    else:
                        out.extend(self._startup(track, pod, now, first=False))
                    out.extend(self._requests(track, pod, prev, now, failing, len(sim.queue)))
                    out.extend(self._stats(track, pod, prev, now, len(sim.queue), len(sim.pods)))
                    out.extend(self._loading(track, pod, prev, now))
                out.extend(self._unserved(track, prev, now))
            for name in sorted(set(self._seen) - alive):
                track = self._tracks.pop(name)
                del self._seen[name]
                self._stats_at.pop(name, None)
                self._ready.discard(name)
                out.append(self._line(track, name, now, "INFO", "launcher.py:80", "Shutting down"))
            out.sort(key=lambda line: line.time or 0.0)
            return out

    def _line(self, track: Track, pod: str, t: float, level: str, where: str, msg: str) -> LogLine:
        return LogLine(f"{level} {_stamp(t)} [{where}] {msg}", pod, track.value, t)

    def _startup(self, track: Track, pod: Pod, now: int, first: bool) -> list[LogLine]:
        name, model = pod.name, self.fleet.deployment.name
        lines = []
        if first:
            t0 = float(pod.created)
            lines += [
                self._line(track, name, t0, "INFO", "api_server.py:1090", "vLLM API server"),
                self._line(track, name, t0 + 0.4, "INFO", "config.py:717", f"model={model!r}"),
                self._line(track, name, t0 + 0.9, "INFO", "model_runner.py:1072", "Loading model"),
            ]
        if name not in self._ready and pod.ready(now):
            self._ready.add(name)
            t1 = float(pod.ready_at)
            load_s = pod.ready_at - pod.created
            took = f"Loading model weights took 14.99 GiB and {load_s:.1f} seconds"
            routes = "Available routes are: /v1/chat/completions, /v1/completions, /metrics"
            lines += [
                self._line(track, name, t1 - 0.5, "INFO", "model_runner.py:1084", took),
                self._line(track, name, t1, "INFO", "launcher.py:28", routes),
                LogLine("INFO:     Application startup complete.", name, track.value, t1),
            ]
        return lines

    def _loading(self, track: Track, pod: Pod, prev: int, now: int) -> list[LogLine]:
        """While a pod loads its weights: vLLM's shard progress bar, every ``STATS_EVERY_S``."""
        if pod.ready(now):
            return []
        out = []
        span = max(pod.ready_at - pod.created, 1)
        for t in range(prev + 1, now + 1):
            if (t - pod.created) % STATS_EVERY_S or t >= pod.ready_at or t <= pod.created:
                continue
            done = min(SHARDS * (t - pod.created) // span, SHARDS - 1)
            elapsed, left = t - pod.created, pod.ready_at - t
            text = (
                f"Loading safetensors checkpoint shards: {100 * done // SHARDS:3d}% Completed | "
                f"{done}/{SHARDS} [{_mmss(elapsed)}<{_mmss(left)}]"
            )
            out.append(LogLine(text, pod.name, track.value, float(t)))
        return out

    def _unserved(self, track: Track, prev: int, now: int) -> list[LogLine]:
        """Requests routed to a track with no ready pod never reach vLLM: the gateway answers
        503 ``no healthy upstream`` (Envoy's ``UH``), and says so in its access log."""
        sim = self.fleet.tracks[track]
        blamed = sum(p.counters[L.REQ_5XX] for p in sim.pods)
        unserved = sim.counters[L.REQ_5XX] - blamed
        before = self._refused.get(track, unserved)
        self._refused[track] = unserved
        count = min(max(int(unserved - before), 0), MAX_REQUEST_LINES)
        if not count:
            return []
        ready = sum(p.ready(now) for p in sim.pods)
        backend = self.fleet.name_of(track)
        span = float(now - prev)
        out = []
        for i in range(count):
            t = prev + span * (i + 1) / (count + 1)
            stamp = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            text = (
                f'[{stamp}Z] "POST /v1/chat/completions HTTP/1.1" 503 UH no_healthy_upstream '
                f'- "{backend}" ({ready} of {len(sim.pods)} pods ready)'
            )
            out.append(LogLine(text, "gateway", track.value, t))
        return out

    def _requests(
        self, track: Track, pod: Pod, prev: int, now: int, failing: bool, queued: int
    ) -> list[LogLine]:
        before = self._seen[pod.name]
        after = _codes(pod)
        self._seen[pod.name] = after
        counts = [max(int(a - b), 0) for a, b in zip(after, before, strict=True)]
        if not any(counts):
            return []
        rng = random.Random(f"{self.fleet.seed}:{pod.name}:{now}")
        kinds = [200] * counts[0] + [400] * counts[1] + [500 if failing else 503] * counts[2]
        rng.shuffle(kinds)
        kinds = kinds[:MAX_REQUEST_LINES]
        span = float(now - prev)
        out: list[LogLine] = []
        for i, code in enumerate(kinds):
            t = prev + span * (i + 1) / (len(kinds) + 1)
            peer = (
                f"10.42.{rng.randrange(256)}.{rng.randrange(1, 255)}:{rng.randrange(32768, 60999)}"
            )
            if code == 500:
                out.append(
                    self._line(
                        track, pod.name, t, "ERROR", "serving_chat.py:949", rng.choice(_FAULTS)
                    )
                )
            elif code == 503:
                out.append(
                    self._line(
                        track,
                        pod.name,
                        t,
                        "WARNING",
                        "api_server.py:412",
                        f"Rejecting request: the waiting queue is full ({queued} waiting)",
                    )
                )
            status = {200: "200 OK", 400: "400 Bad Request", 500: "500 Internal Server Error"}
            reason = status.get(code, "503 Service Unavailable")
            text = f'INFO:     {peer} - "POST /v1/chat/completions HTTP/1.1" {reason}'
            out.append(LogLine(text, pod.name, track.value, t + 0.0005))
        return out

    def _stats(
        self, track: Track, pod: Pod, prev: int, now: int, queued: int, pods: int
    ) -> list[LogLine]:
        if not pod.ready(now):
            return []
        due = [t for t in range(prev + 1, now + 1) if t % STATS_EVERY_S == 0]
        if not due:
            return []
        t = due[-1]
        rng = random.Random(f"{self.fleet.seed}:{pod.name}:stats:{t}")
        c = pod.counters
        since, prompt0, gen0 = self._stats_at.get(pod.name, (pod.ready_at, 0.0, 0.0))
        self._stats_at[pod.name] = (t, c[L.PROMPT_SUM], c[L.GEN_SUM])
        prompt_tps = (c[L.PROMPT_SUM] - prompt0) / max(t - since, 1)
        gen_tps = (c[L.GEN_SUM] - gen0) / max(t - since, 1)
        waiting = queued // max(pods, 1)
        running = pod.running
        kv = 100.0 * kv_fraction(pod)
        level = "WARNING" if waiting > 0 and running >= MAX_SEQS else "INFO"
        msg = (
            f"Engine 000: Avg prompt throughput: {prompt_tps:.1f} tokens/s, "
            f"Avg generation throughput: {gen_tps:.1f} tokens/s, Running: {running} reqs, "
            f"Waiting: {waiting} reqs, GPU KV cache usage: {kv:.1f}%, "
            f"Prefix cache hit rate: {rng.uniform(30, 60):.1f}%"
        )
        return [self._line(track, pod.name, float(t), level, "loggers.py:116", msg)]


def _mmss(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def _codes(pod: Pod) -> list[float]:
    c = pod.counters
    return [c[L.REQ_2XX], c[L.REQ_4XX], c[L.REQ_5XX]]


class SimLogSource:
    """``LogSource`` over a simulated fleet, polled every ``poll_s`` of wall time."""

    def __init__(self, fleet: SimFleet, poll_s: float = 1.0) -> None:
        self.fleet = fleet
        self.poll_s = poll_s

    @property
    def name(self) -> str:
        return f"sim:{self.fleet.deployment.name}"

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]:
        generator = SimLogGenerator(self.fleet)
        yield generator.start()
        # Just before the dashboard's poll beat: the pane holds the lines for that refresh, and
        # one frame a second paints both.
        while not stop.wait(next_beat(time.monotonic(), self.poll_s, lead=BEAT_LEAD_S)):
            yield generator.poll()
