"""Window values from two per-tick vectors, the way PromQL ``increase`` and
``histogram_quantile`` would compute them from scraped counters."""

from __future__ import annotations

from collections.abc import Sequence

from console.model import HISTORY_KEYS, TrackValues
from console.sim import layout as L
from console.sim.histogram import cumulate, histogram_quantile

Flat = dict[str, float | None]

EMPTY: Flat = dict.fromkeys(HISTORY_KEYS)
QS = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def _quantiles(delta: Sequence[float], name: str) -> list[float | None]:
    first, bounds = L.HISTOGRAMS[name]
    cum = cumulate(delta[first : first + len(bounds) + 1])
    return [histogram_quantile(q, bounds, cum) for _, q in QS]


def window_flat(end: Sequence[float], begin: Sequence[float] | None, span: float) -> Flat:
    """Flattened track values over ``span`` seconds: counters from ``end − begin`` (``begin``
    None means all counters started at zero), gauges from ``end``."""
    n = L.N_COUNTERS
    if begin is None:
        d: Sequence[float] = end
    else:
        d = [x - y for x, y in zip(end[:n], begin[:n], strict=True)]
    out: Flat = dict(EMPTY)  # values the simulated fleet does not model stay None
    ok, c4, c5 = d[L.REQ_2XX], d[L.REQ_4XX], d[L.REQ_5XX]
    total = ok + c4 + c5
    if span > 0:
        out["requests_per_s"] = total / span
        out["codes_per_s.2xx"] = ok / span
        out["codes_per_s.4xx"] = c4 / span
        out["codes_per_s.5xx"] = c5 / span
        out["failed_per_s"] = c5 / span
    else:
        out["requests_per_s"] = out["codes_per_s.2xx"] = None
        out["codes_per_s.4xx"] = out["codes_per_s.5xx"] = None
    out["error_share"] = c5 / total if total > 0 else None
    has_ok = ok > 0
    out["input_tokens.mean"] = d[L.PROMPT_SUM] / ok if has_ok else None
    out["input_tokens.p90"] = _quantiles(d, "prompt")[1] if has_ok else None
    out["output_tokens.mean"] = d[L.GEN_SUM] / ok if has_ok else None
    out["output_tokens.p90"] = _quantiles(d, "gen")[1] if has_ok else None
    for key, name in (("ttft_s", "ttft"), ("itl_s", "itl"), ("e2e_s", "e2e")):
        values = _quantiles(d, name) if has_ok else [None, None, None]
        for (label, _), v in zip(QS, values, strict=True):
            out[f"{key}.{label}"] = v
            if name == "itl":
                out[f"tps.{label}"] = 1.0 / v if v else None
    out["replicas.desired"] = end[L.DESIRED]
    out["replicas.serving"] = end[L.SERVING]
    out["replicas.starting"] = end[L.STARTING]
    has_pods = end[L.PODS] > 0
    out["gpu_memory_used_fraction"] = end[L.GPU_MEM] if has_pods else None
    out["gpu_utilization_fraction"] = end[L.GPU_UTIL] if has_pods else None
    out["kv_cache_used_fraction"] = end[L.KV_CACHE] if has_pods else None
    out["cpu_cores"] = end[L.CPU] if has_pods else None
    out["host_memory_bytes"] = end[L.HOST_MEM] if has_pods else None
    out["queue_depth"] = end[L.QUEUE]
    return out


def track_values(flat: Flat) -> TrackValues:
    """Rebuild the nested ``TrackValues`` from its dotted keys."""
    nested: dict[str, object] = {}
    for key, value in flat.items():
        head, _, sub = key.partition(".")
        if sub:
            group = nested.setdefault(head, {})
            assert isinstance(group, dict)
            group[sub] = int(value) if head == "replicas" and value is not None else value
        else:
            nested[head] = value
    return TrackValues.model_validate(nested)
