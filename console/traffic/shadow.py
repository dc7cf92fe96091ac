"""Shadow comparison: the same sample of requests replayed to both tracks, and their answers
compared — lengths, token counts, JSON validity where JSON was asked for, refusals, finish
reasons and latency. (A mirrored request's answer is dropped by the gateway, so replaying a
sample is how the two answers are seen side by side.)"""

from __future__ import annotations

import asyncio
import difflib
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from console.traffic.client import Prompt, Timeouts, new_session, request_body, send
from console.traffic.endpoints import Endpoint
from console.traffic.measure import RequestResult
from console.traffic.stats import distribution

#: How an answer that declines starts (a heuristic; see docs/traffic.md).
REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry, (but )?i|i can(no|')t|i won'?t|i am unable|i'm unable|"
    r"as an ai\b|i must decline)",
    re.IGNORECASE,
)


def is_refusal(text: str) -> bool:
    return bool(REFUSAL.match(text))


def wants_json(prompt: Prompt) -> bool:
    fmt = dict(prompt.extra).get("response_format")
    return bool(
        prompt.json or (isinstance(fmt, dict) and str(fmt.get("type", "")).startswith("json"))
    )


def json_valid(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def answer(result: RequestResult, asked_json: bool) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "error": result.error,
        "status": result.status,
        "chars": len(result.text),
        "tokens_out": result.tokens_out,
        "finish_reason": result.finish_reason,
        "refusal": is_refusal(result.text) if result.ok else None,
        "json_valid": json_valid(result.text) if asked_json and result.ok else None,
        "ttft_s": result.ttft_s,
        "e2e_s": result.e2e_s,
    }


async def replay(
    stable: Endpoint,
    canary: Endpoint,
    prompts: list[Prompt],
    *,
    concurrency: int = 4,
    timeouts: Timeouts | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[Prompt, RequestResult, RequestResult]]:
    """Send each prompt to both tracks at the same time, ``concurrency`` prompts at once."""
    out: list[tuple[Prompt, RequestResult, RequestResult] | None] = [None] * len(prompts)
    gate = asyncio.Semaphore(concurrency)
    done = 0
    async with new_session(concurrency * 2, timeouts) as session:

        async def one(i: int, prompt: Prompt) -> None:
            nonlocal done
            async with gate:
                if cancel is not None and cancel.is_set():
                    return
                pair = []
                for endpoint in (stable, canary):
                    body = request_body(endpoint, prompt)
                    pair.append(
                        send(session, endpoint, body, RequestResult(i, sample=i), keep_text=True)
                    )
                s, c = await asyncio.gather(*pair)
                out[i] = (prompt, s, c)
                done += 1
                if progress is not None:
                    progress(done, len(prompts))

        await asyncio.gather(*(one(i, p) for i, p in enumerate(prompts)))
    return [x for x in out if x is not None]


def compare(pairs: list[tuple[Prompt, RequestResult, RequestResult]]) -> dict[str, Any]:
    """The comparison document: a summary per track, the differences, and each sample."""
    samples: list[dict[str, Any]] = []
    for prompt, s, c in pairs:
        asked = wants_json(prompt)
        a, b = answer(s, asked), answer(c, asked)
        ratio = b["chars"] / a["chars"] if a["chars"] else None
        samples.append(
            {
                "index": s.index,
                "asked_json": asked,
                "same_text": s.ok and c.ok and s.text == c.text,
                "length_ratio": round(ratio, 4) if ratio is not None else None,
                "stable": a,
                "canary": b,
            }
        )
    tracks = {name: _track_summary([x[name] for x in samples]) for name in ("stable", "canary")}
    both = [x for x in samples if x["stable"]["ok"] and x["canary"]["ok"]]
    differences = {
        "samples": len(samples),
        "both_ok": len(both),
        "same_text": sum(1 for x in both if x["same_text"]),
        "finish_reason_differs": sum(
            1 for x in both if x["stable"]["finish_reason"] != x["canary"]["finish_reason"]
        ),
        "refusal_differs": sum(1 for x in both if x["stable"]["refusal"] != x["canary"]["refusal"]),
        "json_validity_differs": sum(
            1
            for x in both
            if x["asked_json"] and x["stable"]["json_valid"] != x["canary"]["json_valid"]
        ),
        "length_ratio": distribution(x["length_ratio"] for x in both),
    }
    return {
        "kind": "shadow",
        "version": 1,
        "tracks": tracks,
        "differences": differences,
        "samples": samples,
    }


def _track_summary(answers: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [a for a in answers if a["ok"]]
    asked = [a for a in ok if a["json_valid"] is not None]
    return {
        "ok": len(ok),
        "failed": len(answers) - len(ok),
        "errors": dict(Counter(a["error"] for a in answers if a["error"])),
        "chars": distribution(float(a["chars"]) for a in ok),
        "tokens_out": distribution(float(a["tokens_out"]) for a in ok),
        "refusals": sum(1 for a in ok if a["refusal"]),
        "json_asked": len(asked),
        "json_valid": sum(1 for a in asked if a["json_valid"]),
        "finish_reasons": dict(Counter(str(a["finish_reason"]) for a in ok)),
        "ttft_s": distribution(a["ttft_s"] for a in ok),
        "e2e_s": distribution(a["e2e_s"] for a in ok),
    }


def text_diff(stable_text: str, canary_text: str, width: int = 100) -> list[str]:
    """A unified diff of the two answers, word-wrapped so that lines stay readable."""

    def lines(text: str) -> list[str]:
        out: list[str] = []
        for paragraph in text.splitlines() or [""]:
            while len(paragraph) > width:
                cut = paragraph.rfind(" ", 0, width)
                cut = cut if cut > 0 else width
                out.append(paragraph[:cut])
                paragraph = paragraph[cut:].lstrip()
            out.append(paragraph)
        return out

    return list(
        difflib.unified_diff(
            lines(stable_text), lines(canary_text), "stable", "canary", lineterm=""
        )
    )
