"""The simulated cluster's readiness wait: progress, readiness after model load, timeout, cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from console.clock import ManualClock
from console.errors import Cancelled, WarmTimeout
from console.model import DeploymentSpec, DeploymentStatus, Track
from console.sim import build_sim
from tests.support import T0

SPEC = DeploymentSpec(name="llama", namespace="inference", stable="llama-v1", canary="llama-v2")


def run_in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    out: dict[str, object] = {}

    def target() -> None:
        try:
            out["result"] = fn()
        except Exception as err:
            out["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, out


def drive(clock: ManualClock, thread: threading.Thread, step: float, limit_s: float) -> None:
    """Move simulated time forward until the waiting thread is done (bounded in wall time)."""
    deadline = time.monotonic() + 20
    moved = 0.0
    while thread.is_alive():
        assert time.monotonic() < deadline, "wait_ready did not return"
        if moved < limit_s:
            clock.advance(step)
            moved += step
        thread.join(0.01)


def test_scale_up_reports_progress_until_ready() -> None:
    clock = ManualClock(T0)
    _, _, cluster = build_sim("healthy", 7, SPEC, clock)
    cluster.scale(SPEC, Track.CANARY, 3)
    seen: list[DeploymentStatus] = []
    thread, out = run_in_thread(
        lambda: cluster.wait_ready(SPEC, Track.CANARY, 3, 600, threading.Event(), seen.append)
    )
    drive(clock, thread, 5.0, 600)
    assert "error" not in out, out
    final = out["result"]
    assert isinstance(final, DeploymentStatus) and final.ready == 3
    readies = [s.ready for s in seen]
    assert readies[0] == 1 and readies[-1] == 3
    assert readies == sorted(readies)  # readiness only grows while waiting
    assert clock.now() - T0 >= 30  # the new pods had to load their model first


def test_timeout_raises_and_says_how_many_were_ready() -> None:
    clock = ManualClock(T0)
    _, _, cluster = build_sim("healthy", 7, SPEC, clock)
    # Never scaled: the canary can't reach 4 ready.
    thread, out = run_in_thread(
        lambda: cluster.wait_ready(SPEC, Track.CANARY, 4, 60, threading.Event(), lambda s: None)
    )
    drive(clock, thread, 10.0, 120)
    err = out.get("error")
    assert isinstance(err, WarmTimeout)
    assert str(err) == "llama-v2: 1/4 replicas ready after 60s; traffic was not shifted"


def test_cancel_wakes_the_wait_promptly() -> None:
    clock = ManualClock(T0)
    _, _, cluster = build_sim("healthy", 7, SPEC, clock)
    cluster.scale(SPEC, Track.CANARY, 3)
    cancel = threading.Event()
    thread, out = run_in_thread(
        lambda: cluster.wait_ready(SPEC, Track.CANARY, 3, 600, cancel, lambda s: None)
    )
    cancel.set()  # the clock never moves: only the cancel can end the wait
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(out.get("error"), Cancelled)


def test_events_and_identity() -> None:
    clock = ManualClock(T0)
    _, _, cluster = build_sim("healthy", 7, SPEC, clock)
    cluster.record_event(SPEC, "CanaryStep", "weights 95/5 → 90/10")
    assert [(e.reason, e.message, e.time) for e in cluster.events] == [
        ("CanaryStep", "weights 95/5 → 90/10", T0)
    ]
    assert cluster.identity() == "sim"


@pytest.mark.parametrize("replicas", [0, 1])
def test_already_ready_returns_at_once(replicas: int) -> None:
    clock = ManualClock(T0)
    _, _, cluster = build_sim("healthy", 7, SPEC, clock)
    status = cluster.wait_ready(SPEC, Track.CANARY, replicas, 1, threading.Event(), lambda s: None)
    assert status.ready >= replicas
