"""Waiting for ready replicas on a watch: readiness that arrives after the scale, time-outs,
cancel, a watch that ends or drops, a version too old, a generation not yet observed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from console.errors import Cancelled, WarmTimeout
from console.model import DeploymentStatus, Track
from tests.fake_kube import FakeKube
from tests.kube_support import NS, SPEC, cluster, seed
from tests.waiting import eventually


@pytest.fixture
def fake(fake_kube: FakeKube) -> FakeKube:
    seed(fake_kube)
    return fake_kube


@dataclass
class Waiter:
    """``wait_ready`` in a thread, as a worker runs it; its progress and outcome recorded."""

    seen: list[DeploymentStatus] = field(default_factory=list)
    result: DeploymentStatus | Exception | None = None
    ended_at: float = 0.0
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def done(self) -> bool:
        return self.thread is not None and not self.thread.is_alive()


@pytest.fixture
def start(fake: FakeKube) -> Iterator[object]:
    waiters: list[Waiter] = []

    def run(replicas: int, timeout_s: float = 10.0) -> Waiter:
        waiter = Waiter()
        k8s = cluster(fake)

        def body() -> None:
            try:
                waiter.result = k8s.wait_ready(
                    SPEC, Track.CANARY, replicas, timeout_s, waiter.cancel, waiter.seen.append
                )
            except Exception as err:
                waiter.result = err
            waiter.ended_at = time.monotonic()

        waiter.thread = threading.Thread(target=body, daemon=True)
        waiter.thread.start()
        waiters.append(waiter)
        return waiter

    yield run
    for waiter in waiters:
        waiter.cancel.set()
        assert waiter.thread is not None
        waiter.thread.join(timeout=5)


def watches(fake: FakeKube) -> list[dict[str, str]]:
    return [r.query for r in fake.requests_to("GET", "/deployments") if "watch" in r.query]


def test_readiness_arriving_after_the_scale_is_waited_for_on_a_watch(fake: FakeKube) -> None:
    fake.set_ready_delay("llama-v2", 0.4)
    k8s = cluster(fake)
    seen: list[DeploymentStatus] = []
    began = time.monotonic()
    k8s.scale(SPEC, Track.CANARY, 2)
    status = k8s.wait_ready(SPEC, Track.CANARY, 2, 10, threading.Event(), seen.append)
    assert time.monotonic() - began >= 0.4
    assert (status.ready, status.desired) == (2, 2) and status.caught_up
    assert seen[0].ready == 0 and seen[-1] == status
    assert [s.ready for s in seen] == sorted(s.ready for s in seen)
    read = fake.requests_to("GET", "/deployments/llama-v2")
    watch = [r for r in fake.requests if r.query.get("watch") == "true"]
    scale = fake.requests_to("PATCH", "/llama-v2/scale")[0]
    assert len(read) == 1 and len(watch) == 1, "one read, then a watch: no polling"
    assert scale.time < read[0].time < watch[0].time
    assert watch[0].query["fieldSelector"] == "metadata.name=llama-v2"
    assert watch[0].query["resourceVersion"] not in ("", "0"), "from the read, not a fresh list"


def test_each_pod_that_turns_ready_is_reported(fake: FakeKube, start: object) -> None:
    fake.set_ready_delay("llama-v2", None)
    cluster(fake).scale(SPEC, Track.CANARY, 3)
    fake.settle()  # the three pods exist (starting) before any is made ready
    waiter = start(3)  # type: ignore[operator]
    eventually(lambda: bool(watches(fake)), "the watch to open")
    for ready in (1, 2, 3):
        fake.make_ready("llama-v2", 1)
        eventually(lambda r=ready: any(s.ready == r for s in waiter.seen), f"{ready} ready")
    eventually(waiter.done, "the wait to end")
    assert isinstance(waiter.result, DeploymentStatus) and waiter.result.ready == 3
    assert [s.ready for s in waiter.seen if s.desired == 3][-3:] == [1, 2, 3]


def test_a_time_out_refuses_with_how_many_were_ready(fake: FakeKube) -> None:
    fake.set_ready_delay("llama-v2", None)
    k8s = cluster(fake)
    k8s.scale(SPEC, Track.CANARY, 2)
    fake.settle()
    fake.make_ready("llama-v2", 1)
    began = time.monotonic()
    with pytest.raises(WarmTimeout) as err:
        k8s.wait_ready(SPEC, Track.CANARY, 2, 1.0, threading.Event(), lambda s: None)
    took = time.monotonic() - began
    assert 1.0 <= took < 2.5
    assert str(err.value) == "llama-v2: 1/2 replicas ready after 1s; traffic was not shifted"


def test_cancel_ends_the_wait_promptly(fake: FakeKube, start: object) -> None:
    fake.set_ready_delay("llama-v2", None)
    cluster(fake).scale(SPEC, Track.CANARY, 2)
    waiter = start(2, 60.0)  # type: ignore[operator]
    eventually(lambda: bool(watches(fake)), "the watch to open")
    cancelled_at = time.monotonic()
    waiter.cancel.set()
    eventually(waiter.done, "the wait to end", timeout=2.0)
    assert isinstance(waiter.result, Cancelled)
    assert waiter.ended_at - cancelled_at < 0.5
    assert "llama-v2" in str(waiter.result) and "/2" in str(waiter.result)


@pytest.mark.parametrize("drop", [False, True], ids=["ended", "dropped"])
def test_a_watch_that_ends_is_reopened(fake: FakeKube, start: object, drop: bool) -> None:
    fake.set_ready_delay("llama-v2", None)
    cluster(fake).scale(SPEC, Track.CANARY, 2)
    fake.settle()
    waiter = start(2)  # type: ignore[operator]
    eventually(lambda: len(watches(fake)) == 1, "the first watch")
    eventually(lambda: fake.open_watches == 1, "the first watch served")
    fake.end_watches(drop=drop)
    eventually(lambda: len(watches(fake)) == 2, "the watch to be reopened")
    fake.make_ready("llama-v2")
    eventually(waiter.done, "the wait to end")
    assert isinstance(waiter.result, DeploymentStatus) and waiter.result.ready == 2
    first, second = watches(fake)
    assert int(second["resourceVersion"]) >= int(first["resourceVersion"])


def test_a_version_too_old_is_read_again(fake: FakeKube, start: object) -> None:
    fake.set_ready_delay("llama-v2", None)
    cluster(fake).scale(SPEC, Track.CANARY, 1)
    fake.settle()
    fake.compacted_below = fake.store.version + 1_000
    waiter = start(1)  # type: ignore[operator]
    eventually(lambda: len(watches(fake)) >= 1, "a watch answered with 410")
    fake.compacted_below = 0
    fake.make_ready("llama-v2")
    eventually(waiter.done, "the wait to end")
    assert isinstance(waiter.result, DeploymentStatus) and waiter.result.ready == 1
    assert len(fake.requests_to("GET", "/deployments/llama-v2")) >= 2


def test_ready_pods_of_an_unobserved_generation_do_not_count(fake: FakeKube) -> None:
    k8s = cluster(fake)
    k8s.scale(SPEC, Track.CANARY, 2)
    k8s.wait_ready(SPEC, Track.CANARY, 2, 10, threading.Event(), lambda s: None)
    fake.controller.observe_delay = 0.5
    seen: list[DeploymentStatus] = []
    dep = fake.get("deployments", NS, "llama-v2")
    assert dep is not None
    dep["spec"]["template"]["metadata"]["annotations"] = {"restartedAt": "now"}
    generation = fake.put(dep, manager="kubectl-rollout")["metadata"]["generation"]
    status = k8s.wait_ready(SPEC, Track.CANARY, 2, 10, threading.Event(), seen.append)
    assert seen[0].ready == 2 and not seen[0].caught_up
    assert status.observed_generation == generation and status.ready == 2


def test_a_closed_watch_never_hands_its_connection_back_while_it_is_being_read() -> None:
    # The reader thread may still be inside the watch's connection when the wait closes it.
    # Handed back to the pool, the next request could take it and then have it closed under it
    # by that thread ("sock is None" mid-call). So close shuts the stream, closes it (and its
    # connection) and waits for the reader; the pool makes a new connection.
    from console.sources.k8s_wait import _Stream

    done: list[str] = []
    closed = threading.Event()

    class Response:
        def shutdown(self) -> None:
            done.append("shutdown")

        def release_conn(self) -> None:
            done.append("release_conn")

        def close(self) -> None:
            done.append("close")
            closed.set()

    def reader() -> None:  # inside a read until the stream is closed under it
        closed.wait(5)
        done.append("reader ended")

    stream = object.__new__(_Stream)
    stream._resp = Response()
    stream._thread = threading.Thread(target=reader, daemon=True)
    stream._thread.start()
    stream.close()
    assert done == ["shutdown", "close", "reader ended"]  # and never release_conn
    assert not stream._thread.is_alive()
