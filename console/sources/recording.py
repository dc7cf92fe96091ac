"""Prometheus recording rules for the console's per-track queries, and the queries that read them.

Each track (the pods of one Deployment) gets one rule group. A rule's expression is exactly the
query the console would run for that track (the profile's input with the track's placeholders
from ``selectors.track_placeholders``, and the window), and its labels say which track it is:
``namespace`` and ``track`` (the Deployment's name). So a recorded value equals the raw query's
value evaluated at the same moment, and a refresh then reads a handful of series per track
whatever the number of pods. Names follow ``level:metric:operations``
(``namespace_track:vllm_time_to_first_token_seconds_bucket:rate1m``).

Every group also records a marker, ``namespace_track:inference_console_rules:info`` = 1, whose
``digest`` label fingerprints the group's rules. The console reads the marker with the panels:
absent means the rules are not loaded; another digest means they were generated from another
configuration (selectors, overrides, profile, windows, console version) and would show other
numbers than the raw queries. Both are errors rather than silent nulls or silent differences.

A recorded series carries the rule's evaluation time, fresh even while the pods' own samples age
(an instant query returns a series' last sample for 5 minutes), so each group also records the
newest raw sample time of the engine's queue gauge
(``namespace_track:vllm_num_requests_waiting:last_sample_time``) for the staleness check.

Kube-state-metrics replica gauges are already one series per Deployment and stay raw, as do
value-level overrides (``ttft_s.p99 = ...``), which may point at the operator's own rules.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from console.profiles import LAST_SAMPLE, Input
from console.sources.prometheus_values import expand

MARKER = "namespace_track:inference_console_rules:info"
#: The marker's input name in the panel results (its ``by`` label is ``digest``).
MARKER_INPUT = "recording_rules"
MARKER_PANEL = "queue"

#: Recorded name per input (``level:metric:operation``); inputs whose template uses ``$window``
#: get the window appended to the operation (``rate`` -> ``rate1m``).
_SHARED = {
    "gpu_memory_used_fraction": "namespace_track:DCGM_FI_DEV_FB_USED:ratio",
    "gpu_utilization_fraction": "namespace_track:DCGM_FI_DEV_GPU_UTIL:avg_ratio",
    "cpu_cores": "namespace_track:container_cpu_usage_seconds:rate",
    "host_memory_bytes": "namespace_track:container_memory_working_set_bytes:sum",
    "targets_down": "namespace_track:up:count_down",
}


def _engine(prefix: str, codes: str, sizes: tuple[str, str], buckets: dict[str, str],
            queue: str, kv_cache: str = "", more: dict[str, str] | None = None,
            ) -> dict[str, str]:  # fmt: skip
    names = {
        "codes": f"namespace_track_class:{codes}:rate",
        "input_tokens.mean": f"namespace_track:{prefix}{sizes[0]}:mean",
        "output_tokens.mean": f"namespace_track:{prefix}{sizes[1]}:mean",
        "queue_depth": f"namespace_track:{prefix}{queue}:sum",
        LAST_SAMPLE: f"namespace_track:{prefix}{queue}:last_sample_time",
    }
    if kv_cache:
        names["kv_cache_used_fraction"] = f"namespace_track:{prefix}{kv_cache}:avg"
    for name, metric in buckets.items():
        names[name] = f"namespace_track:{prefix}{metric}_bucket:rate"
    return names | _SHARED | (more or {})


NAMES: dict[str, dict[str, str]] = {
    "vllm": _engine(
        "vllm_",
        "http_requests",
        ("request_prompt_tokens", "request_generation_tokens"),
        {
            "input_tokens_buckets": "request_prompt_tokens",
            "output_tokens_buckets": "request_generation_tokens",
            "ttft_buckets": "time_to_first_token_seconds",
            "itl_buckets": "inter_token_latency_seconds",
            "e2e_buckets": "e2e_request_latency_seconds",
            "queue_time_buckets": "request_queue_time_seconds",
            "tpot_buckets": "request_time_per_output_token_seconds",
        },
        "num_requests_waiting",
        "kv_cache_usage_perc",
        {
            "finish_reasons": "namespace_track_reason:vllm_request_success:rate",
            "running": "namespace_track:vllm_num_requests_running:sum",
            "prefix_cache_hit_fraction": "namespace_track:vllm_prefix_cache_hits:ratio_rate",
        },
    ),
    "tgi": _engine(
        "tgi_",
        "tgi_requests",
        ("request_input_length", "request_generated_tokens"),
        {
            "input_tokens_buckets": "request_input_length",
            "output_tokens_buckets": "request_generated_tokens",
            "ttft_buckets": "request_queue_duration",
            "itl_buckets": "request_mean_time_per_token_duration",
            "e2e_buckets": "request_duration",
            # The same series as TTFT's queue part and ITL: the same rule, recorded once.
            "queue_time_buckets": "request_queue_duration",
            "tpot_buckets": "request_mean_time_per_token_duration",
        },
        "queue_size",
        "",
        {
            # The prefill half of tgi_batch_inference_duration (method="prefill").
            "ttft_prefill_buckets": (
                "namespace_track:tgi_batch_inference_duration_bucket:prefill_rate"
            ),
            "finish_reasons": "namespace_track_reason:tgi_request_failure:rate",
            "running": "namespace_track:tgi_batch_current_size:sum",
        },
    ),
    "sglang": _engine(
        "sglang_",
        "sglang_http_responses",
        ("prompt_tokens", "generation_tokens"),
        {
            "input_tokens_buckets": "prompt_tokens_histogram",
            "output_tokens_buckets": "generation_tokens_histogram",
            "ttft_buckets": "time_to_first_token_seconds",
            "itl_buckets": "inter_token_latency_seconds",
            "e2e_buckets": "e2e_request_latency_seconds",
            "queue_time_buckets": "queue_time_seconds",
        },
        "num_queue_reqs",
        "token_usage",
        {
            "finish_reasons": "namespace_track_reason:sglang_num_aborted_requests:rate",
            "running": "namespace_track:sglang_num_running_reqs:sum",
            "prefix_cache_hit_fraction": "namespace_track:sglang_cached_tokens:ratio_rate",
        },
    ),
}


@dataclass(frozen=True)
class Rule:
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...]


def window_name(seconds: float) -> str:
    """A Prometheus duration for whole seconds: 60 -> ``1m``, 90 -> ``1m30s``, 3600 -> ``1h``."""
    left = max(1, round(seconds))
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size:
            out += f"{left // size}{unit}"
            left %= size
    return out


def range_of(seconds: float) -> str:
    """The ``$window`` the console's queries use for a window of ``seconds``."""
    return f"{max(1, round(seconds))}s"


def _windowed(template: str) -> bool:
    return "$window" in template or "${window}" in template


def track_rules(
    profile: str,
    inputs: Iterable[Input],
    placeholders: dict[str, str],
    namespace: str,
    deployment: str,
    windows: Iterable[float],
) -> list[Rule]:
    """One track's rules, the marker (with the digest of the others) first."""
    labels = (("namespace", namespace), ("track", deployment))
    names = NAMES[profile]
    rules: list[Rule] = []
    for item in inputs:
        base = names.get(item.name)
        if base is None:
            continue
        if not _windowed(item.template):
            _add(rules, Rule(base, expand(item.template, placeholders, "1s"), labels))
            continue
        for window in sorted({round(w) for w in windows}):
            expr = expand(item.template, placeholders, range_of(window))
            _add(rules, Rule(base + window_name(window), expr, labels))
    text = "\n".join(sorted(f"{r.record} {r.expr}" for r in rules))
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return [Rule(MARKER, "vector(1)", (*labels, ("digest", digest))), *rules]


def _add(rules: list[Rule], rule: Rule) -> None:
    """Append ``rule`` unless an equal one is there (two inputs may read the same series)."""
    if rule not in rules:
        rules.append(rule)


def recorded_inputs(
    profile: str, inputs: Iterable[Input], windows: Iterable[float], window: str
) -> tuple[Input, ...]:
    """``inputs`` reading the recorded series where the rules cover them at ``window`` (the
    ``$window`` string), plus the marker; the rest unchanged (raw)."""
    recorded = {range_of(w): window_name(w) for w in windows}
    names = NAMES[profile]
    out: list[Input] = []
    for item in inputs:
        base = names.get(item.name)
        if base is not None and _windowed(item.template):
            base = base + recorded[window] if window in recorded else None
        if base is None:
            out.append(item)
        else:
            out.append(Input(item.name, item.panel, f"{base}{{$rec_sel}}", item.by))
    marker = Input(MARKER_INPUT, MARKER_PANEL, f"{MARKER}{{$rec_sel}}", "digest")
    return (*out, marker)


def _q(text: str) -> str:
    """A YAML scalar for ``text``: single-quoted (only ``'`` is escaped, as ``''``: PromQL stays
    readable), or, with a control character, JSON's double quotes (valid YAML too)."""
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text)


def rules_yaml(
    groups: Iterable[tuple[str, list[Rule]]], header: Iterable[str] = (), interval: str = ""
) -> str:
    """A Prometheus rules file: one group per (name, rules)."""
    lines = [f"# {line}".rstrip() for line in header]
    lines.append("groups:")
    for name, rules in groups:
        lines.append(f"  - name: {_q(name)}")
        if interval:
            lines.append(f"    interval: {interval}")
        lines.append("    rules:")
        for rule in rules:
            lines.append(f"      - record: {rule.record}")
            lines.append(f"        expr: {_q(rule.expr)}")
            lines.append("        labels:")
            lines.extend(f"          {key}: {_q(value)}" for key, value in rule.labels)
    return "\n".join(lines) + "\n"
