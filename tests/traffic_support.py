"""Servers for the traffic tests: ``sim serve`` as its own process with an injected pace, and a
small misbehaving OpenAI-style server (429/500 before or during the stream, stalls, malformed
lines, streams without ``[DONE]``) in a thread of the test process."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def sim_serve(*options: str) -> Iterator[str]:
    """``inference-console sim serve --port 0 OPTIONS`` in its own process; yields its base URL
    (``http://127.0.0.1:PORT``) once it listens, and stops it by PID afterwards."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "sim", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once it listens
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if match is None:
            _, err = process.communicate(timeout=10)
            raise RuntimeError(f"sim serve did not start: {line!r} {err!r}")
        yield match.group(0)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def chunk(text: str) -> bytes:
    payload = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


class FaultServer:
    """Routes ``/<fault>/v1/chat/completions``; ``hits`` counts requests per fault."""

    FAULTS = (
        "ok",
        "429",
        "500",
        "midstream-429",
        "midstream-500",
        "stall",
        "malformed-json",
        "malformed-line",
        "no-done-close",
        "no-done-open",
        "echo-token",
    )

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        assert self._ready.wait(10), "the fault server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            assert self._stop is not None and self._runner is not None
            self._stop.set()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post("/{fault}/v1/chat/completions", self._serve)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        self.loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self._runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        self.loop.run_forever()

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        fault = request.match_info["fault"]
        self.hits[fault] = self.hits.get(fault, 0) + 1
        await request.read()
        if fault in ("429", "500"):
            body = {"error": {"message": f"refused with {fault}", "code": int(fault)}}
            return web.json_response(body, status=int(fault))
        if fault == "echo-token":
            text = f"bad token: {request.headers.get('Authorization', '')}"
            return web.json_response({"error": {"message": text}}, status=401)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(chunk("one"))
        await response.write(chunk(" two"))
        if fault.startswith("midstream-"):
            code = int(fault.rsplit("-", 1)[1])
            error = {"error": {"message": "engine failed", "code": code}}
            await response.write(f"data: {json.dumps(error)}\n\n".encode())
        elif fault == "malformed-json":
            await response.write(b"data: {not json\n\n")
        elif fault == "malformed-line":
            await response.write(b"garbage: this is not an event stream\n\n")
        elif fault in ("stall", "no-done-open"):
            assert self._stop is not None
            await self._stop.wait()  # holds the connection open until the server stops
            return response
        elif fault == "no-done-close":
            await response.write_eof()
            return response
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
