"""The load tester against ``sim serve`` with an injected pace: measured p50 TTFT and ITL within
2 ms of the injected values at 1, 10 and 100 concurrent streams; the official ``openai`` client
agrees on median TTFT within 5 ms; the capacity probe (against the ``sim serve`` command, its own
process) finds the known per-replica capacity within 10 %.

The timing tests serve ``sim serve``'s application on the test's own event loop, on loopback:
the client's and the server's work still share one CPU budget (a slow client delays the
server's tokens too, so it still shows), but a machine busy with other processes does not add
two process wake-ups to every token."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import aiohttp
import httpx2  # the HTTP client the openai package is built on
import openai
import pytest

from console.clock import SystemClock
from console.config import DEMO_DEPLOYMENT
from console.sim import SimFleet
from console.sim.serve import build_app, start
from console.sim.serve_pace import build_pacing
from console.traffic.client import Prompt, new_session, request_body, send
from console.traffic.endpoints import Endpoint, simulated
from console.traffic.generator import LoadPlan, LoadRun, run_load
from console.traffic.measure import RequestResult
from console.traffic.prompts import PromptSource, Sizes
from console.traffic.stats import Slos, summarize
from console.traffic.sweep import probe
from tests.traffic_support import sim_serve

TTFT_S = 0.300
ITL_S = 0.100
TOKENS = 5
MODEL = "llama-3-8b"


@asynccontextmanager
async def paced() -> AsyncIterator[str]:
    """``sim serve``'s application on this loop: canary at TTFT_S/ITL_S, stable at 20/5 ms."""
    fleet = SimFleet(
        scenario="healthy", seed=7, deployment=DEMO_DEPLOYMENT.spec(), clock=SystemClock()
    )
    pacing = build_pacing(
        [f"canary={TTFT_S}", "stable=0.02"], [f"canary={ITL_S}", "stable=0.005"], [], []
    )
    runner, port = await start(build_app(fleet, pacing=pacing), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def canary(url: str) -> Endpoint:
    return simulated("llama", url, "canary", MODEL)


def prompts() -> Iterator[Prompt]:
    return iter(PromptSource(Sizes("fixed", 16), Sizes("fixed", TOKENS)))


async def load(track: str, streams: int, duration: float, requests: int = 100_000) -> LoadRun:
    async with paced() as url:
        plan = LoadPlan(
            mode="concurrency", concurrency=streams, duration_s=duration, max_requests=requests
        )
        endpoint = simulated("llama", url, track, MODEL)  # type: ignore[arg-type]
        return await run_load(endpoint, plan, prompts())


@pytest.fixture
def quiet_heap() -> Iterator[None]:
    """A timing test runs after hundreds of others in one process: what they left on the heap is
    frozen out of the collector's passes while it measures, so a full collection over that heap
    (tens of milliseconds) does not land in the measured requests."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.mark.slow
@pytest.mark.parametrize("streams", [1, 10, 100])
@pytest.mark.usefixtures("quiet_heap")
def test_measured_ttft_and_itl_are_within_2ms_of_the_injected_pace(streams: int) -> None:
    # One request after another on each stream (0.7 s each): one stream runs longer, so that its
    # p50 is over a dozen requests too.
    run = asyncio.run(load("canary", streams, 8.0 if streams == 1 else 4.0))
    summary = summarize(run.results, run.elapsed_s, Slos())
    assert summary["failed"] == 0, summary["errors"]
    assert summary["ok"] >= streams
    assert abs(summary["ttft_s"]["p50"] - TTFT_S) <= 0.002, summary["ttft_s"]
    assert abs(summary["itl_s"]["p50"] - ITL_S) <= 0.002, summary["itl_s"]
    assert summary["output_tokens_per_request"]["p50"] == TOKENS


@pytest.mark.slow
def test_the_tracks_answer_at_their_own_pace() -> None:
    run = asyncio.run(load("stable", 2, 1.0))
    summary = summarize(run.results, run.elapsed_s, Slos())
    assert abs(summary["ttft_s"]["p50"] - 0.020) <= 0.002
    assert abs(summary["itl_s"]["p50"] - 0.005) <= 0.002
    assert {r.pod for r in run.results} == {"llama-v1-sim-0"}


@pytest.mark.slow
def test_the_openai_client_and_the_load_tester_agree_on_median_ttft() -> None:
    pairs = 8
    sent: list[float] = []

    async def note_sent(request: httpx2.Request) -> None:
        sent.append(time.perf_counter())

    async def openai_ttft(client: openai.AsyncOpenAI) -> float:
        sent.clear()
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "hello " * 16}],
            max_tokens=TOKENS,
            stream=True,
        )
        first: float | None = None
        async for event in stream:
            if first is None and event.choices and event.choices[0].delta.content:
                first = time.perf_counter() - sent[0]
        assert first is not None
        return first

    async def ours_ttft(session: aiohttp.ClientSession, endpoint: Endpoint) -> float:
        body = request_body(endpoint, Prompt("hello " * 16, TOKENS))
        result = await send(session, endpoint, body, RequestResult(0))
        assert result.ok and result.ttft_s is not None, result.detail
        return result.ttft_s

    async def both() -> tuple[list[float], list[float]]:
        async with paced() as url:
            endpoint = canary(url)
            # The openai client's clock starts when its HTTP client sends the request, not before:
            # its own request building (options, pydantic) is not the server's time to first token.
            http = httpx2.AsyncClient(event_hooks={"request": [note_sent]})
            client = openai.AsyncOpenAI(
                base_url=endpoint.base_url, api_key="unused", max_retries=0, http_client=http
            )
            theirs: list[float] = []
            ours: list[float] = []
            try:
                async with new_session(1) as session:
                    await openai_ttft(client)  # each client's first request opens its connection
                    await ours_ttft(session, endpoint)
                    for _ in range(pairs):  # interleaved: both see the same machine
                        theirs.append(await openai_ttft(client))
                        ours.append(await ours_ttft(session, endpoint))
            finally:
                await client.close()
        return theirs, ours

    theirs, ours = asyncio.run(both())
    assert abs(statistics.median(ours) - statistics.median(theirs)) <= 0.005, (ours, theirs)
    assert abs(statistics.median(ours) - TTFT_S) <= 0.005


@pytest.mark.slow
def test_the_probe_finds_the_known_per_replica_capacity_within_10_percent() -> None:
    capacity = 40.0
    with sim_serve(
        "--capacity",
        f"canary={capacity:g}",
        "--replicas",
        "canary=2",
        "--ttft",
        "canary=20ms",
        "--itl",
        "canary=5ms",
    ) as url:
        base = LoadPlan(mode="constant", rate=1.0, drain_s=10.0)
        result = asyncio.run(
            probe(
                canary(url),
                base,
                iter(PromptSource(Sizes("fixed", 8), Sizes("fixed", 4))),
                Slos(ttft_s=0.25),
                start_rps=20.0,
                step_s=1.5,
                precision=0.04,
                replicas=2,
            )
        )
    assert result.per_replica_rps is not None, result.reason
    assert abs(result.per_replica_rps - capacity) <= 0.10 * capacity, result.verdicts
    assert any(not v.holds for v in result.verdicts)  # it went past the capacity to find it
    assert "2 replica(s)" in result.how
