"""OpenAI-compatible completions served by the simulated model: its prefill and decode pace (or
an injected one, per track), streamed as server-sent events or answered whole, with usage counts.
``/v1/…`` follows the route's weights; ``/stable/v1/…`` and ``/canary/v1/…`` reach one track."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from typing import Any

from aiohttp import web

from console.model import Track
from console.sim.fleet import SimFleet
from console.sim.serve_pace import Pacing
from console.sim.track import ITL_BASE_S, PREFILL_S_PER_TOKEN, TTFT_BASE_S

DEFAULT_MAX_TOKENS = 64
TIMER_SLACK_S = 0.0005
#: The response header naming the pod that answered (what a gateway or sidecar would add).
POD_HEADER = "x-served-by"
MAX_TOKENS_LIMIT = 4096
WORDS = [
    "the",
    "fleet",
    "serves",
    "tokens",
    "steadily",
    "while",
    "the",
    "canary",
    "warms",
    "and",
    "the",
    "stable",
    "track",
    "carries",
    "most",
    "of",
    "the",
    "traffic",
    "until",
    "the",
    "gates",
    "agree",
]


class BadRequest(ValueError):
    """A request the API refuses with 400 and this message."""


def error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return web.json_response(body, status=status)


def count_tokens(text: str) -> int:
    """A rough tokenizer: about four characters a token, at least one for non-empty text."""
    return max(1, round(len(text) / 4)) if text else 0


class Completions:
    """Handlers for ``/v1/completions`` and ``/v1/chat/completions`` over one fleet."""

    def __init__(
        self, fleet: SimFleet, model: str, seed: int, pacing: Pacing | None = None
    ) -> None:
        self.fleet = fleet
        self.model = model
        self.pacing = pacing or Pacing()
        self._rng = random.Random(f"{seed}:api")

    async def models(self, _: web.Request) -> web.Response:
        created = int(self.fleet.start)
        data = [{"id": self.model, "object": "model", "created": created, "owned_by": "sim"}]
        return web.json_response({"object": "list", "data": data})

    async def completions(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, chat=False)

    async def chat(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, chat=True)

    def _parse(self, body: Any, chat: bool) -> tuple[int, int, bool, bool]:
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object")
        if body.get("model") not in (self.model, None):
            raise BadRequest(f"model {body.get('model')!r} does not exist; try {self.model!r}")
        if chat:
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                raise BadRequest("'messages' must be a non-empty list")
            text = " ".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
        else:
            prompt = body.get("prompt")
            if not isinstance(prompt, str | list):
                raise BadRequest("'prompt' must be a string or a list of strings")
            text = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
        limit = body.get("max_completion_tokens", body.get("max_tokens", DEFAULT_MAX_TOKENS))
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= MAX_TOKENS_LIMIT
        ):
            raise BadRequest(f"'max_tokens' must be an integer in 1..{MAX_TOKENS_LIMIT}")
        stream = bool(body.get("stream", False))
        options = body.get("stream_options") or {}
        if options and not stream:
            raise BadRequest("Stream options can only be defined when `stream=True`.")
        usage = bool(isinstance(options, dict) and options.get("include_usage"))
        return count_tokens(text), limit, stream, usage

    def _pace(self, prompt_tokens: int, wanted: str | None) -> tuple[float, float, str]:
        """TTFT (with any queue wait) and ITL of one request, and the pod that serves it: on
        ``wanted``'s track, else the one the route's weights send it to."""
        fleet = self.fleet
        with fleet.lock:
            if wanted is None:
                total = fleet.stable_weight + fleet.canary_weight
                canary = self._rng.random() * total < fleet.canary_weight
            else:
                canary = wanted == "canary"
            track = Track.CANARY if canary else Track.STABLE
            profile = fleet.tracks[track].profile
            pods = [p.name for p in fleet.tracks[track].pods]
        ttft = (TTFT_BASE_S + prompt_tokens * PREFILL_S_PER_TOKEN) * profile.ttft_factor
        itl = ITL_BASE_S * profile.itl_factor
        pod = self._rng.choice(pods) if pods else fleet.name_of(track)
        pace = self.pacing.get(track.value)
        if pace is None:
            return ttft, itl, pod
        wait, replica = self.pacing.admit(track.value)
        ttft = pace.ttft_s if pace.ttft_s is not None else ttft
        itl = pace.itl_s if pace.itl_s is not None else itl
        return wait + ttft, itl, f"{fleet.name_of(track)}-sim-{replica}"

    async def _serve(self, request: web.Request, chat: bool) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        begin = loop.time()  # TTFT counts from the request's arrival, as a server measures it
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error(400, "the request body is not valid JSON")
        try:
            prompt_tokens, max_tokens, stream, include_usage = self._parse(body, chat)
        except BadRequest as err:
            return error(400, str(err))
        ttft, itl, pod = self._pace(prompt_tokens, request.match_info.get("track"))
        words = [WORDS[i % len(WORDS)] for i in range(max_tokens)]
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": max_tokens,
            "total_tokens": prompt_tokens + max_tokens,
        }
        ident = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        created = int(time.time())
        kind = "chat.completion" if chat else "text_completion"
        if not stream:
            await asyncio.sleep(ttft + itl * (max_tokens - 1))
            headers = {POD_HEADER: pod}
            text = " ".join(words)
            choice: dict[str, Any] = {"index": 0, "finish_reason": "length", "logprobs": None}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            return web.json_response(
                {
                    "id": ident,
                    "object": kind,
                    "created": created,
                    "model": self.model,
                    "choices": [choice],
                    "usage": usage,
                },
                headers=headers,
            )
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                POD_HEADER: pod,
            }
        )
        await response.prepare(request)
        chunk_kind = "chat.completion.chunk" if chat else "text_completion"

        async def send(choices: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> None:
            payload = {"id": ident, "object": chunk_kind, "created": created,
                       "model": self.model, "choices": choices, **(extra or {})}  # fmt: skip
            if include_usage and "usage" not in payload:
                payload["usage"] = None  # as OpenAI and vLLM: every chunk but the last
            await response.write(f"data: {json.dumps(payload)}\n\n".encode())

        # Each token is due at a fixed offset from the start, so sleep overshoot never adds up.
        # The loop's timers wake up to 1 ms late (epoll's granularity): aim half of it early, so
        # that tokens land on their due time on average rather than ~0.5 ms after it.
        for i, word in enumerate(words):
            delay = begin + ttft + itl * i - loop.time() - TIMER_SLACK_S
            if delay > 0:
                await asyncio.sleep(delay)
            piece = word if i == 0 else " " + word
            last = i == len(words) - 1
            choice = {"index": 0, "finish_reason": "length" if last else None, "logprobs": None}
            if chat:
                delta: dict[str, str] = {"content": piece}
                if i == 0:
                    delta["role"] = "assistant"
                choice["delta"] = delta
            else:
                choice["text"] = piece
            await send([choice])
        if include_usage:
            await send([], {"usage": usage})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
