"""The load tester against ``sim serve`` (its own process) with an injected pace: measured p50
TTFT and ITL within 2 ms of the injected values at 1, 10 and 100 concurrent streams; the official
``openai`` client agrees on median TTFT within 5 ms; the capacity probe finds the known
per-replica capacity within 10 %."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator

import openai
import pytest

from console.traffic.endpoints import Endpoint, simulated
from console.traffic.generator import LoadPlan, run_load
from console.traffic.prompts import PromptSource, Sizes
from console.traffic.stats import Slos, summarize
from console.traffic.sweep import probe
from tests.traffic_support import sim_serve

TTFT_S = 0.200
ITL_S = 0.050
TOKENS = 6
MODEL = "llama-3-8b"


@pytest.fixture(scope="module")
def paced() -> Iterator[str]:
    with sim_serve(
        "--ttft",
        f"canary={TTFT_S * 1000:g}ms",
        "--itl",
        f"canary={ITL_S * 1000:g}ms",
        "--ttft",
        "stable=20ms",
        "--itl",
        "stable=5ms",
    ) as url:
        yield url


def canary(url: str) -> Endpoint:
    return simulated("llama", url, "canary", MODEL)


def prompts() -> Iterator:  # type: ignore[type-arg]
    return iter(PromptSource(Sizes("fixed", 16), Sizes("fixed", TOKENS)))


@pytest.mark.slow
@pytest.mark.parametrize("streams", [1, 10, 100])
def test_measured_ttft_and_itl_are_within_2ms_of_the_injected_pace(
    paced: str, streams: int
) -> None:
    # Each stream sends one request after another: enough for ~60 ITL samples per stream count.
    duration = 3.0 if streams > 1 else 4.0
    plan = LoadPlan(
        mode="concurrency", concurrency=streams, duration_s=duration, max_requests=100_000
    )
    run = asyncio.run(run_load(canary(paced), plan, prompts()))
    summary = summarize(run.results, run.elapsed_s, Slos())
    assert summary["failed"] == 0, summary["errors"]
    assert summary["ok"] >= streams
    assert abs(summary["ttft_s"]["p50"] - TTFT_S) <= 0.002, summary["ttft_s"]
    assert abs(summary["itl_s"]["p50"] - ITL_S) <= 0.002, summary["itl_s"]
    assert summary["output_tokens_per_request"]["p50"] == TOKENS


@pytest.mark.slow
def test_the_tracks_answer_at_their_own_pace(paced: str) -> None:
    plan = LoadPlan(mode="concurrency", concurrency=2, duration_s=1.0, max_requests=100)
    run = asyncio.run(run_load(simulated("llama", paced, "stable", MODEL), plan, prompts()))
    summary = summarize(run.results, run.elapsed_s, Slos())
    assert abs(summary["ttft_s"]["p50"] - 0.020) <= 0.002
    assert abs(summary["itl_s"]["p50"] - 0.005) <= 0.002
    assert {r.pod for r in run.results} == {"llama-v1-sim-0"}


@pytest.mark.slow
def test_the_openai_client_and_the_load_tester_agree_on_median_ttft(paced: str) -> None:
    requests = 15
    endpoint = canary(paced)

    async def with_openai() -> list[float]:
        client = openai.AsyncOpenAI(base_url=endpoint.base_url, api_key="unused", max_retries=0)
        times: list[float] = []
        try:
            for _ in range(requests):
                started = time.perf_counter()
                stream = await client.chat.completions.create(
                    model=MODEL,
                    messages=[{"role": "user", "content": "hello " * 16}],
                    max_tokens=TOKENS,
                    stream=True,
                )
                first: float | None = None
                async for event in stream:
                    if first is None and event.choices and event.choices[0].delta.content:
                        first = time.perf_counter() - started
                assert first is not None
                times.append(first)
        finally:
            await client.close()
        return times

    theirs = statistics.median(asyncio.run(with_openai()))
    plan = LoadPlan(mode="concurrency", concurrency=1, duration_s=30.0, max_requests=requests)
    run = asyncio.run(run_load(endpoint, plan, prompts()))
    ours = summarize(run.results, run.elapsed_s, Slos())["ttft_s"]["p50"]
    assert abs(ours - theirs) <= 0.005, (ours, theirs)


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
