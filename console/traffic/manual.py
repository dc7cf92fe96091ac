"""One manual request: sent, streamed to a callback as it arrives, and described."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from console.traffic.client import Prompt, Timeouts, new_session, request_body, send
from console.traffic.endpoints import Endpoint
from console.traffic.format import ms
from console.traffic.measure import RequestResult


async def manual_request(
    endpoint: Endpoint,
    prompt: str,
    max_tokens: int = 128,
    *,
    on_text: Callable[[str], None] | None = None,
    timeouts: Timeouts | None = None,
    cancel: threading.Event | None = None,
) -> RequestResult:
    """Send ``prompt`` to ``endpoint``; the reply's pieces go to ``on_text`` as they arrive.
    Setting ``cancel`` (from any thread) stops it within 50 ms: ``aborted``."""
    body = request_body(endpoint, Prompt(text=prompt, max_tokens=max_tokens))
    result = RequestResult(0)
    async with new_session(1, timeouts) as session:
        task = asyncio.ensure_future(
            send(session, endpoint, body, result, keep_text=True, on_text=on_text)
        )
        while not task.done():
            await asyncio.wait({task}, timeout=0.05)
            if cancel is not None and cancel.is_set() and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                result.detail = "stopped by the operator"
    return result


def manual_lines(result: RequestResult) -> list[str]:
    """The request's figures, one per line (outside text: sanitise before display)."""
    status = str(result.status) if result.status is not None else "no answer"
    outcome = "ok" if result.ok else f"{result.error}: {result.detail}"
    itl = sum(result.itl_s) / len(result.itl_s) if result.itl_s else None
    tps = result.tokens_per_s
    lines = [
        f"status        {status} ({outcome})",
        f"TTFT          {ms(result.ttft_s)}",
        f"ITL (mean)    {ms(itl)}",
        f"tokens/s      {tps:.1f}" if tps is not None else "tokens/s      –",
        f"E2E           {ms(result.e2e_s)}",
        f"tokens        {result.tokens_in if result.tokens_in is not None else '–'} in, "
        f"{result.tokens_out} out",
        f"finish        {result.finish_reason or '–'}",
    ]
    if result.pod:
        lines.append(f"answered by   {result.pod}")
    return lines


def manual_json(endpoint: Endpoint, result: RequestResult) -> dict[str, Any]:
    record = result.record()
    itl = sum(result.itl_s) / len(result.itl_s) if result.itl_s else None
    record.update(
        {
            "deployment": endpoint.deployment,
            "track": endpoint.track,
            "endpoint": endpoint.base_url,
            "text": result.text,
            "tokens_per_s": result.tokens_per_s,
            "itl_s_mean": itl,
        }
    )
    return record
