"""Injected pacing for ``sim serve``: a fixed TTFT and inter-token latency per track, and a
per-replica capacity, so that load tests and the capacity probe have known answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from console.units import parse_duration

TRACKS = ("stable", "canary")


@dataclass(frozen=True)
class TrackPace:
    """What was injected for one track; ``None`` leaves that part to the simulated fleet.

    ``capacity_rps``: each replica starts at most this many requests per second (its prefill is
    serial); a request that finds every replica busy waits in the queue, and the wait is part of
    its TTFT. A track then holds ``replicas × capacity_rps`` and no more.
    """

    ttft_s: float | None = None
    itl_s: float | None = None
    capacity_rps: float | None = None
    replicas: int = 1

    @property
    def injected(self) -> bool:
        return self.ttft_s is not None or self.itl_s is not None or self.capacity_rps is not None


@dataclass
class Admission:
    """The replicas of one track: when each can start its next request."""

    pace: TrackPace
    next_start: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.next_start = [0.0] * max(1, self.pace.replicas)

    def admit(self, now: float) -> tuple[float, int]:
        """Seconds this request waits before it starts, and the replica that takes it (the one
        free soonest, as a least-request balancer would pick)."""
        index = min(range(len(self.next_start)), key=self.next_start.__getitem__)
        capacity = self.pace.capacity_rps
        if capacity is None:
            return 0.0, index
        start = max(now, self.next_start[index])
        self.next_start[index] = start + 1.0 / capacity
        return start - now, index


class Pacing:
    """Injected pace per track (all optional) and the admission queues they imply."""

    def __init__(self, paces: dict[str, TrackPace] | None = None) -> None:
        self.paces = dict(paces or {})
        self._admission = {t: Admission(p) for t, p in self.paces.items()}

    def get(self, track: str) -> TrackPace | None:
        pace = self.paces.get(track)
        return pace if pace is not None and pace.injected else None

    def admit(self, track: str) -> tuple[float, int]:
        admission = self._admission.get(track)
        if admission is None:
            return 0.0, 0
        return admission.admit(time.monotonic())


def parse_per_track(values: list[str], what: str, seconds: bool = True) -> dict[str, float]:
    """``["50ms"]`` → both tracks; ``["canary=80ms", "stable=50ms"]`` → per track.

    Durations (``seconds``) accept ``ms``/``s`` suffixes; otherwise plain numbers. Raises
    ValueError with a precise message."""
    out: dict[str, float] = {}
    for raw in values:
        track, sep, value = raw.partition("=")
        targets = [track] if sep else list(TRACKS)
        if not sep:
            value = raw
        if sep and track not in TRACKS:
            raise ValueError(f"{what}: {raw!r}: the track is 'stable' or 'canary'")
        try:
            number = parse_seconds(value) if seconds else float(value)
        except ValueError:
            raise ValueError(f"{what}: {raw!r}: not a number") from None
        if not number >= 0 or number == float("inf"):
            raise ValueError(f"{what}: {raw!r}: must be a finite, non-negative number")
        for t in targets:
            out[t] = number
    return out


def parse_seconds(text: str) -> float:
    """``"50ms"``, ``"0.05"``, ``"1.5s"`` → seconds."""
    text = text.strip()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000.0
    try:
        return float(text)
    except ValueError:
        return float(parse_duration(text))


def build_pacing(
    ttft: list[str], itl: list[str], capacity: list[str], replicas: list[str]
) -> Pacing:
    """The ``sim serve`` options as a Pacing (ValueError on a bad value)."""
    t = parse_per_track(ttft, "--ttft")
    i = parse_per_track(itl, "--itl")
    c = parse_per_track(capacity, "--capacity", seconds=False)
    r = parse_per_track(replicas, "--replicas", seconds=False)
    for track, count in r.items():
        if count != int(count) or not 1 <= count <= 1000:
            raise ValueError(f"--replicas: {track}: {count:g}: a whole number in 1..1000")
    for track, rps in c.items():
        if rps <= 0:
            raise ValueError(f"--capacity: {track}: must be more than 0 requests/s")
    paces = {
        track: TrackPace(t.get(track), i.get(track), c.get(track), int(r.get(track, 1)))
        for track in TRACKS
    }
    return Pacing(paces)
