"""Load generator: streamed short completions per second at a fixed concurrency, the console's
generator against minimal aiohttp and httpx clients in the same run (same server, same
concurrency, interleaved rounds, medians); and its overhead on measured TTFT at one stream,
against a raw-socket client that only notes when the first event's bytes arrive.

The server is a canned SSE answer (four content chunks, a usage chunk, ``[DONE]``) in its own
process, so the clients are what is measured, not the simulator. Target: >= 500 req/s.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

CONCURRENCY = 64
ROUND_S = 4.0
ROUNDS = 3
TTFT_S = 0.020
TTFT_REQUESTS = 40
TARGET_RPS = 500.0
BODY = {
    "model": "m",
    "messages": [{"role": "user", "content": "hello"}],
    "max_tokens": 4,
    "stream": True,
    "stream_options": {"include_usage": True},
}


def canned() -> bytes:
    def event(payload: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(payload)}\n\n".encode()

    out = b""
    for i, word in enumerate(("one", " two", " three", " four")):
        choice = {
            "index": 0,
            "delta": {"content": word},
            "finish_reason": None if i < 3 else "length",
        }
        out += event({"object": "chat.completion.chunk", "choices": [choice], "usage": None})
    usage = {"prompt_tokens": 1, "completion_tokens": 4, "total_tokens": 5}
    out += event({"object": "chat.completion.chunk", "choices": [], "usage": usage})
    return out + b"data: [DONE]\n\n"


def serve(port: int) -> None:
    """The bench server: ``/fast`` answers at once, ``/slow`` after TTFT_S."""
    from aiohttp import web

    answer = canned()
    first, rest = answer.split(b"\n\n", 1)

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if request.match_info["kind"] == "slow":
            await asyncio.sleep(TTFT_S)
            await response.write(first + b"\n\n")
            await response.write(rest)
        else:
            await response.write(answer)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post("/{kind}/v1/chat/completions", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_listening(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the bench server did not start")


# Clients --------------------------------------------------------------------------------------


async def minimal_aiohttp(url: str, seconds: float) -> float:
    import aiohttp

    done = 0
    end = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < end:
                async with session.post(url, json=BODY) as response:
                    async for line in response.content:
                        if line.startswith(b"data: [DONE]"):
                            break
                    await response.read()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.perf_counter() - started)


async def minimal_httpx(url: str, seconds: float) -> float:
    import httpx

    done = 0
    end = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < end:
                async with client.stream("POST", url, json=BODY) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data: [DONE]"):
                            break
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.perf_counter() - started)


def endpoint(base: str, kind: str) -> Any:
    from console.traffic.endpoints import Endpoint

    return Endpoint(deployment="bench", track="canary", base_url=f"{base}/{kind}/v1", model="m")


async def generator(base: str, seconds: float) -> float:
    from console.traffic.generator import LoadPlan, run_load
    from console.traffic.prompts import PromptSource, Sizes

    plan = LoadPlan(
        mode="concurrency",
        concurrency=CONCURRENCY,
        duration_s=seconds,
        max_requests=1_000_000,
        ramp_s=0.0,
    )
    prompts = iter(PromptSource(Sizes("fixed", 1), Sizes("fixed", 4)))
    run = await run_load(endpoint(base, "fast"), plan, prompts)
    ok = [r for r in run.results if r.ok]
    assert len(ok) == len(run.results), {r.error for r in run.results}
    assert all(r.tokens_out == 4 for r in ok)
    return len(ok) / run.elapsed_s


async def ttft_raw(base: str, count: int) -> list[float]:
    """Seconds from writing the request to the first ``data:`` bytes: no HTTP library at all."""
    host, port = base.split("//")[1].split(":")
    body = json.dumps(BODY).encode()
    request = (
        f"POST /slow/v1/chat/completions HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    times = []
    reader, writer = await asyncio.open_connection(host, int(port))  # kept alive, as the others
    for _ in range(count):
        started = time.perf_counter()
        writer.write(request)
        buffer = b""
        while b"data: " not in buffer:
            buffer += await reader.read(65536)
        times.append(time.perf_counter() - started)
        while not buffer.endswith(b"0\r\n\r\n"):
            buffer += await reader.read(65536)
    writer.close()
    await writer.wait_closed()
    return times


async def ttft_generator(base: str, count: int) -> list[float]:
    from console.traffic.generator import LoadPlan, run_load
    from console.traffic.prompts import PromptSource, Sizes

    plan = LoadPlan(mode="concurrency", concurrency=1, duration_s=60.0, max_requests=count)
    prompts = iter(PromptSource(Sizes("fixed", 1), Sizes("fixed", 4)))
    run = await run_load(endpoint(base, "slow"), plan, prompts)
    return [r.ttft_s for r in run.results if r.ttft_s is not None]


def main(rounds: int = ROUNDS, seconds: float = ROUND_S) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.loadgen", "--serve", str(port)])
    try:
        wait_listening(port)
        base = f"http://127.0.0.1:{port}"
        rates: dict[str, list[float]] = {"generator": [], "aiohttp": [], "httpx": []}
        for _ in range(rounds):  # interleaved, so a busy moment of the machine hits all three
            rates["generator"].append(asyncio.run(generator(base, seconds)))
            rates["aiohttp"].append(
                asyncio.run(minimal_aiohttp(f"{base}/fast/v1/chat/completions", seconds))
            )
            rates["httpx"].append(
                asyncio.run(minimal_httpx(f"{base}/fast/v1/chat/completions", seconds))
            )
        raw_times: list[float] = []
        our_times: list[float] = []
        block = TTFT_REQUESTS // 4
        for _ in range(4):  # alternating blocks: a busy moment of the machine hits both
            raw_times += asyncio.run(ttft_raw(base, block))
            our_times += asyncio.run(ttft_generator(base, block))
        raw = statistics.median(raw_times)
        ours = statistics.median(our_times)
    finally:
        server.terminate()
        server.wait(10)
    median = {k: statistics.median(v) for k, v in rates.items()}
    print(
        f"load generator: streamed chat completions (4 tokens + usage), {CONCURRENCY} streams, "
        f"{rounds} interleaved rounds of {seconds:g} s, canned server in its own process"
    )
    for name, label in (
        ("generator", "console generator"),
        ("aiohttp", "minimal aiohttp"),
        ("httpx", "minimal httpx"),
    ):
        runs = ", ".join(f"{r:.0f}" for r in rates[name])
        print(f"  {label:<20} {median[name]:8.0f} req/s median  ({runs})")
    ratio = median["generator"] / median["aiohttp"]
    verdict = "meets" if median["generator"] >= TARGET_RPS else "MISSES"
    print(
        f"  generator / minimal aiohttp: {ratio:.2f}; generator / minimal httpx: "
        f"{median['generator'] / median['httpx']:.2f}; {verdict} the {TARGET_RPS:.0f} req/s target"
    )
    print(
        f"TTFT overhead at one stream, server TTFT {TTFT_S * 1000:g} ms, {TTFT_REQUESTS} requests:"
        f" raw socket {raw * 1000:.2f} ms, generator {ours * 1000:.2f} ms median, overhead "
        f"{(ours - raw) * 1000:+.2f} ms"
    )
    return {
        "generator_rps": median["generator"],
        "aiohttp_rps": median["aiohttp"],
        "httpx_rps": median["httpx"],
        "ttft_raw_s": raw,
        "ttft_generator_s": ours,
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
