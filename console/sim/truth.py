"""Exact values from raw per-request samples: the yardstick the histogram estimates are held to."""

from __future__ import annotations

import math
from collections.abc import Sequence

from console.model import TrackValues
from console.sim.evaluate import QS, Flat, track_values, window_flat
from console.sim.track import TrackSim


def exact_quantile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank quantile: the smallest value with at least ``q`` of the data at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def weighted_quantile(pairs: Sequence[tuple[float, float]], q: float) -> float | None:
    """Nearest-rank quantile of ``(value, weight)`` pairs (each value counted ``weight`` times)."""
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    rank = q * total
    seen = 0.0
    for value, weight in sorted(pairs):
        seen += weight
        if seen >= rank and weight > 0:
            return value
    return max(v for v, w in pairs if w > 0)


def exact_values(
    sim: TrackSim, last: int, window: int, first: int, vec: Sequence[float]
) -> TrackValues:
    """Track values over ticks ``(last − window, last]`` computed from every request seen."""
    since = last - window
    span = float(min(window, last - first))
    ok = c4 = c5 = 0
    for tick, n_ok, n4, n5 in sim.codes:
        if tick > since:
            ok, c4, c5 = ok + n_ok, c4 + n4, c5 + n5
    samples = [s for s in sim.samples if s[0] > since]
    flat: Flat = window_flat(vec, None, span)
    total = ok + c4 + c5
    flat["requests_per_s"] = total / span if span > 0 else None
    flat["codes_per_s.2xx"] = ok / span if span > 0 else None
    flat["codes_per_s.4xx"] = c4 / span if span > 0 else None
    flat["codes_per_s.5xx"] = c5 / span if span > 0 else None
    flat["error_share"] = c5 / total if total else None
    prompts = [float(s[1]) for s in samples]
    outputs = [float(s[2]) for s in samples]
    flat["input_tokens.mean"] = sum(prompts) / len(prompts) if prompts else None
    flat["input_tokens.p90"] = exact_quantile(prompts, 0.9)
    flat["output_tokens.mean"] = sum(outputs) / len(outputs) if outputs else None
    flat["output_tokens.p90"] = exact_quantile(outputs, 0.9)
    ttft = [s[3] for s in samples]
    e2e = [s[5] for s in samples]
    itl = [(value, float(steps)) for s in samples for value, steps in s[4]]
    for label, q in QS:
        flat[f"ttft_s.{label}"] = exact_quantile(ttft, q)
        flat[f"e2e_s.{label}"] = exact_quantile(e2e, q)
        v = weighted_quantile(itl, q)
        flat[f"itl_s.{label}"] = v
        flat[f"tps.{label}"] = 1.0 / v if v else None
    return track_values(flat)
