"""Figures from a run's requests: percentiles, achieved rate, tokens/s, goodput against SLOs and
error classes — the ``summary`` object of the JSON result (keys documented in docs/traffic.md)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.traffic.measure import ERROR_CLASSES, RequestResult

QUANTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))


@dataclass(frozen=True)
class Slos:
    """What a good request is: each set bound must hold (seconds). ``tpot_s`` is the request's
    mean inter-token latency (time per output token after the first)."""

    ttft_s: float | None = None
    tpot_s: float | None = None
    e2e_s: float | None = None

    def met(self, r: RequestResult) -> bool:
        if not r.ok:
            return False
        if self.ttft_s is not None and not (r.ttft_s is not None and r.ttft_s <= self.ttft_s):
            return False
        tpot = r.tpot_s  # None for a one-token answer: nothing to judge
        if self.tpot_s is not None and tpot is not None and not tpot <= self.tpot_s:
            return False
        return self.e2e_s is None or (r.e2e_s is not None and r.e2e_s <= self.e2e_s)

    def as_json(self) -> dict[str, float | None]:
        return {"ttft_s": self.ttft_s, "tpot_s": self.tpot_s, "e2e_s": self.e2e_s}

    @property
    def empty(self) -> bool:
        return self.ttft_s is None and self.tpot_s is None and self.e2e_s is None


def quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) of sorted values."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def distribution(values: Iterable[float | None]) -> dict[str, float | None]:
    """p50/p90/p99/mean/max of the finite values (all None when there are none)."""
    ordered = sorted(v for v in values if v is not None and math.isfinite(v))
    if not ordered:
        return {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}
    out: dict[str, float | None] = {k: round(quantile(ordered, q), 6) for k, q in QUANTILES}
    out["mean"] = round(math.fsum(ordered) / len(ordered), 6)
    out["max"] = round(ordered[-1], 6)
    return out


def summarize(
    results: Sequence[RequestResult], elapsed_s: float, slos: Slos, send_s: float | None = None
) -> dict[str, Any]:
    """The ``summary`` object: counts, rates, latency distributions, goodput and errors.

    ``achieved_rps`` is over the sending window (``send_s``); the other rates over the whole
    run, until the last answer."""
    ok = [r for r in results if r.ok]
    elapsed = elapsed_s if elapsed_s > 0 and math.isfinite(elapsed_s) else float("nan")
    window = send_s if send_s is not None and send_s > 0 and math.isfinite(send_s) else elapsed
    good = [r for r in ok if slos.met(r)]
    errors = Counter(r.error for r in results if r.error is not None)
    statuses = Counter(str(r.status) if r.status is not None else "none" for r in results)
    tokens_out = sum(r.tokens_out for r in ok)
    tokens_in = sum(r.tokens_in or 0 for r in ok)
    itl = [gap for r in ok for gap in r.itl_s]
    return {
        "requests": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "elapsed_s": _finite(elapsed),
        "send_s": _finite(window),
        "achieved_rps": _finite(len(results) / window),
        "ok_rps": _finite(len(ok) / elapsed),
        "output_tokens_per_s": _finite(tokens_out / elapsed),
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "ttft_s": distribution(r.ttft_s for r in ok),
        "itl_s": distribution(itl),
        "tpot_s": distribution(r.tpot_s for r in ok),
        "e2e_s": distribution(r.e2e_s for r in ok),
        "output_tokens_per_request": distribution(float(r.tokens_out) for r in ok),
        "goodput": {
            "slos": slos.as_json(),
            "requests": len(good),
            "per_s": _finite(len(good) / elapsed),
            "fraction": round(len(good) / len(results), 6) if results else None,
        },
        "errors": {k: errors[k] for k in ERROR_CLASSES if errors[k]},
        "error_share": round(sum(errors.values()) / len(results), 6) if results else None,
        "status_codes": dict(sorted(statuses.items())),
    }


def headline(summary: dict[str, Any]) -> str:
    """One line: rate, TTFT and ITL p50/p99, tokens/s, goodput and errors."""
    parts = [f"{summary['ok']}/{summary['requests']} ok"]
    rate = summary.get("achieved_rps")
    if rate is not None:
        parts.append(f"{rate:.1f} req/s")
    for key, name in (("ttft_s", "TTFT"), ("itl_s", "ITL")):
        d = summary[key]
        if d["p50"] is not None:
            parts.append(f"{name} p50 {_ms(d['p50'])} p99 {_ms(d['p99'])}")
    tps = summary.get("output_tokens_per_s")
    if tps is not None:
        parts.append(f"{tps:.0f} tok/s")
    goodput = summary["goodput"]
    if goodput["fraction"] is not None and any(v is not None for v in goodput["slos"].values()):
        parts.append(f"goodput {goodput['fraction'] * 100:.0f}%")
    if summary["errors"]:
        parts.append("errors " + ", ".join(f"{k} {v}" for k, v in summary["errors"].items()))
    return " · ".join(parts)


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None
