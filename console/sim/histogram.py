"""vLLM histogram bucket boundaries and Prometheus ``histogram_quantile`` as pure functions."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: ``vllm:time_to_first_token_seconds`` (22 finite bounds; note: no 2.0).
TTFT_BUCKETS: tuple[float, ...] = (
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
    1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
)  # fmt: skip
#: ``vllm:inter_token_latency_seconds`` (19 finite bounds).
ITL_BUCKETS: tuple[float, ...] = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
    0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
)  # fmt: skip
#: ``vllm:e2e_request_latency_seconds`` (21 finite bounds).
E2E_BUCKETS: tuple[float, ...] = (
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
    30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
)  # fmt: skip


def token_buckets(max_model_len: int) -> tuple[float, ...]:
    """vLLM's 1-2-5 series of token-count bounds up to ``max_model_len`` (8192 → 1 … 5000)."""
    out: list[float] = []
    exponent = 0
    while True:
        for mantissa in (1, 2, 5):
            bound = mantissa * 10**exponent
            if bound > max_model_len:
                return tuple(out)
            out.append(float(bound))
        exponent += 1


MAX_MODEL_LEN = 8192
#: ``vllm:request_prompt_tokens`` / ``vllm:request_generation_tokens`` at max_model_len 8192.
TOKEN_BUCKETS: tuple[float, ...] = token_buckets(MAX_MODEL_LEN)


def cumulate(counts: Sequence[float]) -> list[float]:
    """Per-bucket counts → cumulative counts (Prometheus ``le`` semantics)."""
    out: list[float] = []
    running = 0.0
    for c in counts:
        running += c
        out.append(running)
    return out


def histogram_quantile(
    q: float, bounds: Sequence[float], cumulative: Sequence[float]
) -> float | None:
    """The ``q``-quantile of a classic histogram, exactly as PromQL ``histogram_quantile`` does it.

    ``bounds`` are the finite upper bounds in increasing order; ``cumulative`` holds one cumulative
    count per bound plus a last one for ``+Inf`` (the total). Linear interpolation inside the bucket
    (the lowest bucket starts at 0 when its bound is positive); a rank that falls into ``+Inf``
    returns the highest finite bound. Returns None where PromQL would return NaN (no observations).
    """
    if len(cumulative) != len(bounds) + 1:
        raise ValueError("cumulative needs one count per bound plus +Inf")
    if math.isnan(q):
        return None
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    total = cumulative[-1]
    if not bounds or total <= 0 or math.isnan(total):
        return None
    rank = q * total
    b = 0
    last = len(bounds)
    while b < last and cumulative[b] < rank:
        b += 1
    if b == last:
        return float(bounds[-1])
    upper = float(bounds[b])
    if b == 0 and upper <= 0:
        return upper
    lower = 0.0 if b == 0 else float(bounds[b - 1])
    below = 0.0 if b == 0 else cumulative[b - 1]
    count = cumulative[b] - below
    if count <= 0:
        return upper
    return lower + (upper - lower) * ((rank - below) / count)


def bucket_width_at(bounds: Sequence[float], value: float) -> float:
    """Width of the bucket that ``value`` falls into (the interpolation error bound there)."""
    lower = 0.0
    for upper in bounds:
        if value <= upper:
            return upper - lower
        lower = upper
    return math.inf
