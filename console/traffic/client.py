"""One streamed OpenAI-compatible request (chat or completions) over aiohttp, timed from the
client's side: TTFT to the first content, the gaps between content chunks, E2E to ``[DONE]``.

aiohttp rather than httpx: on two cores httpx's streaming path tops out well below the load
tester's 500 streamed requests/s (``bench/loadgen.py`` measures both)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from console.traffic.endpoints import Endpoint
from console.traffic.measure import RequestResult, error_class_of
from console.traffic.sse import MalformedStream, SSEParser

DONE = b"[DONE]"
DETAIL_MAX = 300
DRAIN_S = 1.0


@dataclass(frozen=True)
class Timeouts:
    """Connect, idle (no bytes for this long) and whole-request time-outs, in seconds."""

    connect_s: float = 5.0
    idle_s: float = 30.0
    request_s: float = 300.0

    def aiohttp(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=self.request_s, sock_connect=self.connect_s, sock_read=self.idle_s
        )


@dataclass(frozen=True)
class Prompt:
    """What one request asks: a prompt (or chat messages) and how many tokens to generate."""

    text: str = ""
    max_tokens: int = 64
    messages: tuple[dict[str, Any], ...] | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    index: int | None = None
    #: The answer should be JSON (asked with ``response_format`` or marked ``expect_json``).
    json: bool = False


def request_body(
    endpoint: Endpoint, prompt: Prompt, include_usage: bool = True, ignore_eos: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {"stream": True, "max_tokens": prompt.max_tokens}
    if endpoint.model:
        body["model"] = endpoint.model
    if endpoint.api == "chat":
        body["messages"] = list(prompt.messages or ({"role": "user", "content": prompt.text},))
    else:
        body["prompt"] = prompt.text
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    if ignore_eos:
        body["ignore_eos"] = True
    body.update(prompt.extra)
    return body


def new_session(limit: int = 100, timeouts: Timeouts | None = None) -> aiohttp.ClientSession:
    """A session with a pool of ``limit`` kept-alive connections (call inside the loop)."""
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, ttl_dns_cache=300)
    return aiohttp.ClientSession(
        connector=connector, timeout=(timeouts or Timeouts()).aiohttp(), trust_env=False
    )


async def send(
    session: aiohttp.ClientSession,
    endpoint: Endpoint,
    body: dict[str, Any],
    result: RequestResult,
    *,
    keep_text: bool = False,
    on_text: Callable[[str], None] | None = None,
) -> RequestResult:
    """Send one request and fill ``result`` in; never raises except on cancellation (then
    ``result`` holds what arrived so far)."""
    clock = time.perf_counter
    started = clock()
    try:
        async with session.post(
            endpoint.url(), json=body, headers=endpoint.headers(), allow_redirects=False
        ) as response:
            result.status = response.status
            result.pod = response.headers.get(endpoint.pod_header)
            if response.status != 200:
                result.error = error_class_of(response.status)
                result.detail = _error_text(await _read_some(response), response.status)
                result.e2e_s = clock() - started
            else:
                await _read_stream(response, result, started, keep_text, on_text)
    except asyncio.CancelledError:
        result.error = result.error or "aborted"
        raise
    except TimeoutError:
        result.error = "timeout"
        result.detail = "no answer within the time-out"
    except aiohttp.ClientConnectorError as err:
        result.error = "connect"
        result.detail = f"cannot connect: {err.os_error.strerror or err.os_error}"
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as err:
        result.error = "incomplete"
        result.detail = f"the connection closed mid-stream: {type(err).__name__}"
    except aiohttp.ClientError as err:
        result.error = "connect" if result.status is None else "incomplete"
        result.detail = f"{type(err).__name__}: {err}"
    except MalformedStream as err:
        result.error = "malformed"
        result.detail = str(err)
    if result.error is not None:
        result.detail = endpoint.redact(result.detail)[:DETAIL_MAX]
    if result.e2e_s is None and result.error is None:
        result.e2e_s = clock() - started
    return result


async def _read_stream(
    response: aiohttp.ClientResponse,
    result: RequestResult,
    started: float,
    keep_text: bool,
    on_text: Callable[[str], None] | None,
) -> None:
    clock = time.perf_counter
    parser = SSEParser()
    loads = json.loads
    last: float | None = None
    gaps = result.itl_s
    pieces: list[str] = []
    counted = 0
    usage: dict[str, Any] | None = None
    async for chunk in response.content.iter_any():
        now = clock()
        for data in parser.feed(chunk):
            if data == DONE:
                result.e2e_s = now - started
                result.tokens_out = _tokens_out(usage, counted)
                result.text = "".join(pieces) if keep_text else ""
                await _drain(response)
                return
            try:
                event = loads(data)
            except ValueError:
                raise MalformedStream(f"an event that is not JSON: {data[:60]!r}") from None
            if not isinstance(event, dict):
                raise MalformedStream("an event that is not a JSON object")
            if "error" in event or event.get("object") == "error":
                _stream_error(result, event)
                result.e2e_s = now - started
                return
            if event.get("usage"):
                usage = event["usage"]
                if isinstance(usage.get("prompt_tokens"), int):
                    result.tokens_in = usage["prompt_tokens"]
            piece, finish = _content(event)
            if finish:
                result.finish_reason = str(finish)
            if piece:
                counted += 1
                if last is None:
                    result.ttft_s = now - started
                else:
                    gaps.append(now - last)
                last = now
                if keep_text or on_text is not None:
                    pieces.append(piece)
                    if on_text is not None:
                        on_text(piece)
        result.chunks += 1
    parser.finish()
    result.tokens_out = _tokens_out(usage, counted)
    result.text = "".join(pieces) if keep_text else ""
    result.error = "incomplete"
    result.detail = "the stream ended without [DONE]"


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read to the end of the body (the chunked terminator follows ``[DONE]``), so that the
    connection goes back to the pool: a response released unread closes its connection, and
    every request would pay for a new one inside its TTFT. A server that holds the stream
    open after ``[DONE]`` gets ``DRAIN_S``; then the connection is dropped."""

    async def rest() -> None:
        async for _ in response.content.iter_any():
            pass

    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        await asyncio.wait_for(rest(), DRAIN_S)


def _content(event: dict[str, Any]) -> tuple[str, Any]:
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices:
        return "", None
    choice = choices[0]
    if not isinstance(choice, dict):
        raise MalformedStream("a choice that is not a JSON object")
    delta = choice.get("delta")
    if isinstance(delta, dict):
        piece = delta.get("content") or delta.get("reasoning_content") or ""
    else:
        piece = choice.get("text") or ""
    if not isinstance(piece, str):
        raise MalformedStream("content that is not a string")
    return piece, choice.get("finish_reason")


def _tokens_out(usage: dict[str, Any] | None, counted: int) -> int:
    if usage is not None:
        tokens = usage.get("completion_tokens")
        if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
            return tokens
    return counted


def _stream_error(result: RequestResult, event: dict[str, Any]) -> None:
    error = event.get("error") if isinstance(event.get("error"), dict) else event
    code = error.get("code") if isinstance(error, dict) else None
    try:
        status = int(code) if code is not None else 500
    except (TypeError, ValueError):
        status = 500
    result.error = error_class_of(status) if 400 <= status < 600 else "server_error"
    message = error.get("message") if isinstance(error, dict) else None
    result.detail = f"error in the stream: {str(message or 'no message')[:DETAIL_MAX]}"


async def _read_some(response: aiohttp.ClientResponse, limit: int = 4096) -> bytes:
    try:
        return await response.content.read(limit)
    except (aiohttp.ClientError, TimeoutError):
        return b""


def _error_text(body: bytes, status: int) -> str:
    """The server's own error message when it sent one, else the start of its body."""
    text = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed)
        if isinstance(error, dict) and error.get("message"):
            text = str(error["message"])
        elif isinstance(error, str):
            text = error
    text = " ".join(text.split())
    return f"HTTP {status}: {text[:DETAIL_MAX]}" if text else f"HTTP {status}"
