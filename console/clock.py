"""Clocks (the wall clock for the running console, a manual one for deterministic tests) and
the poll schedule: the steady beat and the back-off after failures."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep_until(self, t: float, cancel: threading.Event) -> None:
        """Return once the clock reads ``t`` or later, or as soon as ``cancel`` is set."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return time.time()

    def sleep_until(self, t: float, cancel: threading.Event) -> None:
        delay = t - time.time()
        if delay > 0:
            cancel.wait(delay)


class FastClock:
    """The wall clock run ``speed`` times faster from the moment it is made: the simulated
    fleet's time in demos and end-to-end tests (a 90 s model load in a few seconds)."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._t0 = time.time()
        self._m0 = time.monotonic()

    def now(self) -> float:
        return self._t0 + (time.monotonic() - self._m0) * self.speed

    def sleep_until(self, t: float, cancel: threading.Event) -> None:
        delay = (t - self.now()) / self.speed
        if delay > 0:
            cancel.wait(delay)


def speed_of(clock: Clock) -> float:
    """How many of ``clock``'s seconds pass in a wall second (1 but for a FastClock)."""
    return float(getattr(clock, "speed", 1.0))


class ManualClock:
    """A clock that moves only when told to (tests, snapshots, benchmarks); threads sleeping on
    it wake when it is moved."""

    #: How often a sleeper re-checks its cancel event (wall seconds).
    CANCEL_CHECK_S = 0.02

    def __init__(self, start: float) -> None:
        self._t = float(start)
        self._moved = threading.Condition()

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        self.set(self._t + seconds)

    def set(self, t: float) -> None:
        with self._moved:
            self._t = float(t)
            self._moved.notify_all()

    def sleep_until(self, t: float, cancel: threading.Event) -> None:
        with self._moved:
            while self._t < t and not cancel.is_set():
                self._moved.wait(self.CANCEL_CHECK_S)


def next_beat(now: float, period: float, lead: float = 0.0) -> float:
    """Seconds from ``now`` to the next beat: the instants ``k × period − lead`` of the same
    (monotonic) clock, at least half a period away. Periodic work on one beat lands in the same
    terminal frame instead of drifting apart, and a poll that ran long does not shift the ones
    after it."""
    delay = period - (now + lead) % period
    return delay if delay >= period / 2 else delay + period


#: The longest wait between polls of a failing source (unless the refresh interval is longer).
MAX_BACKOFF_S = 30.0
#: Doubling stops after this many failures in a row (at 64 × the refresh interval).
MAX_DOUBLINGS = 6


def backoff(interval: float, failures: int) -> float:
    """Seconds from a failed poll to the next one, after ``failures`` failures in a row: the
    refresh interval doubled once per failure (at most ``MAX_DOUBLINGS`` times), never more than
    ``MAX_BACKOFF_S`` — or the interval itself when that is longer. A dead backend is asked ever
    less often, and one that comes back is seen again within ``MAX_BACKOFF_S``."""
    doublings = min(max(failures, 0), MAX_DOUBLINGS)
    return min(interval * 2**doublings, max(MAX_BACKOFF_S, interval))
