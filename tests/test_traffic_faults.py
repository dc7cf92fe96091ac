"""Bad endpoints: each request lands in its error class and the run still reaches its bound,
without hanging — an unreachable port, 429/500 before or during the stream, a stall, a malformed
event, and streams that never send ``[DONE]`` (closed, or held open)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from console.traffic.client import Prompt, Timeouts, new_session, request_body, send
from console.traffic.endpoints import Endpoint
from console.traffic.generator import LoadPlan, run_load
from console.traffic.measure import RequestResult
from console.traffic.prompts import PromptSource
from console.traffic.stats import Slos, summarize
from tests.prom import free_port
from tests.traffic_support import FaultServer

COUNT = 8
PLAN = LoadPlan(
    mode="constant",
    rate=40.0,
    duration_s=5.0,
    max_requests=COUNT,
    drain_s=3.0,
    timeouts=Timeouts(connect_s=1.0, idle_s=0.4, request_s=3.0),
)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def endpoint(base: str, fault: str, token: str | None = None) -> Endpoint:
    from pydantic import SecretStr

    return Endpoint(
        deployment="llama",
        track="canary",
        base_url=f"{base}/{fault}/v1",
        model=None,
        token=SecretStr(token) if token else None,
    )


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("429", "rate_limited"),
        ("500", "server_error"),
        ("midstream-429", "rate_limited"),
        ("midstream-500", "server_error"),
        ("stall", "timeout"),
        ("malformed-json", "malformed"),
        ("malformed-line", "malformed"),
        ("no-done-close", "incomplete"),
        ("no-done-open", "timeout"),
    ],
)
def test_each_fault_lands_in_its_class_and_the_run_reaches_its_bound(
    server: FaultServer, fault: str, error: str
) -> None:
    started = time.monotonic()
    run = asyncio.run(run_load(endpoint(server.url, fault), PLAN, iter(PromptSource())))
    took = time.monotonic() - started
    assert run.stopped == "count"
    assert len(run.results) == COUNT
    assert server.hits[fault] == COUNT
    summary = summarize(run.results, run.elapsed_s, Slos())
    assert summary["errors"] == {error: COUNT}, [r.detail for r in run.results]
    assert summary["ok"] == 0
    # Sending takes COUNT / rate; a stalled request is cut by the idle time-out, never the drain.
    assert took < COUNT / PLAN.rate + PLAN.timeouts.idle_s + 1.5  # type: ignore[operator]


def test_the_healthy_route_of_the_same_server_is_ok(server: FaultServer) -> None:
    run = asyncio.run(run_load(endpoint(server.url, "ok"), PLAN, iter(PromptSource())))
    assert [r.error for r in run.results] == [None] * COUNT
    assert all(r.tokens_out == 2 and r.ttft_s is not None for r in run.results)


def test_an_unreachable_endpoint_is_a_connect_error_for_every_request() -> None:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = asyncio.run(run_load(endpoint(base, "ok"), PLAN, iter(PromptSource())))
    assert run.stopped == "count"
    assert {r.error for r in run.results} == {"connect"}
    assert all("cannot connect" in r.detail for r in run.results)


def test_an_error_budget_stops_the_run_early(server: FaultServer) -> None:
    plan = LoadPlan(
        mode="constant",
        rate=50.0,
        duration_s=10.0,
        max_requests=500,
        error_budget=0.1,
        budget_after=5,
    )
    run = asyncio.run(run_load(endpoint(server.url, "500"), plan, iter(PromptSource())))
    assert run.stopped == "error_budget"
    assert "over the budget of 10%" in run.reason
    assert len(run.results) < 50


def test_a_server_that_echoes_the_token_never_gets_it_into_the_result(
    server: FaultServer,
) -> None:
    token = "s3cr3t-token-value"

    async def one() -> RequestResult:
        target = endpoint(server.url, "echo-token", token)
        async with new_session(1) as session:
            body = request_body(target, Prompt("hi", 4))
            return await send(session, target, body, RequestResult(0))

    result = asyncio.run(one())
    assert result.error == "client_error"
    assert result.status == 401
    assert token not in result.detail
    assert "bad token: Bearer [token]" in result.detail


def test_an_open_loop_stops_on_saturation_when_answers_do_not_come(server: FaultServer) -> None:
    plan = LoadPlan(
        mode="constant",
        rate=100.0,
        duration_s=10.0,
        max_requests=1000,
        max_in_flight=5,
        drain_s=0.5,
        timeouts=Timeouts(idle_s=30.0),
    )
    started = time.monotonic()
    run = asyncio.run(run_load(endpoint(server.url, "stall"), plan, iter(PromptSource())))
    assert run.stopped == "saturation"
    assert "5 requests in flight at once" in run.reason
    assert len(run.results) == 5
    assert {r.error for r in run.results} == {"aborted"}  # cut at the end of the drain
    assert time.monotonic() - started < 3.0


def test_a_cancel_from_another_thread_stops_a_run_promptly(server: FaultServer) -> None:
    import threading

    cancel = threading.Event()
    plan = LoadPlan(
        mode="concurrency",
        concurrency=4,
        duration_s=60.0,
        max_requests=1000,
        ramp_s=0.0,
        timeouts=Timeouts(idle_s=30.0),
    )
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    started = time.monotonic()
    run = asyncio.run(
        run_load(endpoint(server.url, "stall"), plan, iter(PromptSource()), cancel=cancel)
    )
    timer.join()
    assert run.stopped == "cancelled"
    assert {r.error for r in run.results} == {"aborted"} and len(run.results) == 4
    assert time.monotonic() - started < 2.0


def test_a_slow_rate_still_stops_at_its_duration(server: FaultServer) -> None:
    plan = LoadPlan(mode="constant", rate=0.2, duration_s=0.5, max_requests=100)
    started = time.monotonic()
    run = asyncio.run(run_load(endpoint(server.url, "ok"), plan, iter(PromptSource())))
    assert run.stopped == "duration" and len(run.results) == 1
    assert time.monotonic() - started < 1.5  # not the 5 s until the next request was due
