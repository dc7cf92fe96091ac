"""PromQL per panel for vLLM, TGI and SGLang servers, plus kube-state-metrics, DCGM and cAdvisor.

Every query is a per-track template (``string.Template``) over these placeholders:
``$sel`` the track's pod matchers (namespace + exact pod regex, or the configured override),
``$gpu_sel`` the same on DCGM's ``exported_namespace``/``exported_pod``, ``$gpu_pod_sel`` on
``namespace``/``pod`` (DCGM scraped with honorLabels), ``$deployment_sel`` kube-state-metrics
matchers, ``$window`` the range of ``rate``. An input either yields one value per track or, with
``by``, one value per value of that label (``class`` for response codes, ``le`` for histogram
buckets: quantiles are computed from the track's summed buckets with PromQL's own rules).

Pure data, below both its users: the Prometheus sources query with it, and the configuration
refuses an override of a query it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COMPLETIONS = "/v1/completions|/v1/chat/completions"
#: The input whose value is the newest sample time of the track's own engine gauge (freshness).
LAST_SAMPLE = "last_sample_time"


@dataclass(frozen=True)
class Input:
    """One query template: ``name`` is a flat value key (``queue_depth``) or an input that values
    are derived from (``codes``, ``ttft_buckets``); ``panel`` groups inputs into one request."""

    name: str
    panel: str
    template: str
    by: str = ""


def _rate(metric: str) -> str:
    return f"sum by (le) (rate({metric}{{$sel}}[$window]))"


def _last(gauge: str) -> str:
    """When the track's newest sample of the server's own gauge was taken (unix seconds)."""
    return f"max(timestamp({gauge}{{$sel}}))"


def _mean(total: str, count: str) -> str:
    return f"sum(rate({total}{{$sel}}[$window])) / (sum(rate({count}{{$sel}}[$window])) > 0)"


def _fb_used(sel: str) -> str:
    used = f"sum(DCGM_FI_DEV_FB_USED{{{sel}}})"
    free = f"sum(DCGM_FI_DEV_FB_FREE{{{sel}}})"
    reserved = f"(sum(DCGM_FI_DEV_FB_RESERVED{{{sel}}}) or vector(0))"
    return f"({used} / ({used} + {free} + {reserved}))"


def _reasons(metric: str, label: str) -> str:
    """Finished (or failed) requests per second by ``label``, renamed to ``reason``."""
    return (
        f'sum by (reason) (label_replace(rate({metric}{{$sel}}[$window]), "reason", "$$1", '
        f'"{label}", "(.*)"))'
    )


SHARED: tuple[Input, ...] = (
    Input("replicas.desired", "replicas", "max(kube_deployment_spec_replicas{$deployment_sel})"),
    Input(
        "replicas.serving",
        "replicas",
        "max(kube_deployment_status_replicas_available{$deployment_sel})",
    ),
    Input(
        "replicas.starting",
        "replicas",
        "clamp_min(max(kube_deployment_status_replicas{$deployment_sel})"
        " - max(kube_deployment_status_replicas_available{$deployment_sel}), 0)",
    ),
    # Total framebuffer = used + free + reserved (the driver's share; absent on older exporters).
    Input(
        "gpu_memory_used_fraction",
        "utilisation",
        _fb_used("$gpu_sel") + " or " + _fb_used("$gpu_pod_sel"),
    ),
    Input(
        "gpu_utilization_fraction",
        "utilisation",
        "avg(DCGM_FI_DEV_GPU_UTIL{$gpu_sel}) / 100"
        " or avg(DCGM_FI_DEV_GPU_UTIL{$gpu_pod_sel}) / 100",
    ),
    Input(
        "cpu_cores",
        "utilisation",
        'sum(rate(container_cpu_usage_seconds_total{$sel,container!="",container!="POD"}[$window]))',
    ),
    Input(
        "host_memory_bytes",
        "utilisation",
        'sum(container_memory_working_set_bytes{$sel,container!="",container!="POD"})',
    ),
    # Targets of the track that Prometheus cannot scrape; 0 when all answer, null with none.
    Input("targets_down", "queue", "count(up{$sel} == 0) or (count(up{$sel}) * 0)"),
)

VLLM: tuple[Input, ...] = (
    Input(
        "codes",
        "codes",
        'sum by (class) (label_replace(rate(http_requests_total{$sel,handler=~"'
        + COMPLETIONS
        + '"}[$window]), "class", "$$1", "status", "(.*)"))',
        by="class",
    ),
    Input(
        "input_tokens.mean",
        "sizes",
        _mean("vllm:request_prompt_tokens_sum", "vllm:request_prompt_tokens_count"),
    ),
    Input(
        "output_tokens.mean",
        "sizes",
        _mean("vllm:request_generation_tokens_sum", "vllm:request_generation_tokens_count"),
    ),
    Input("input_tokens_buckets", "sizes", _rate("vllm:request_prompt_tokens_bucket"), "le"),
    Input("output_tokens_buckets", "sizes", _rate("vllm:request_generation_tokens_bucket"), "le"),
    Input("ttft_buckets", "latency", _rate("vllm:time_to_first_token_seconds_bucket"), "le"),
    # Before 0.11 the same histogram was vllm:time_per_output_token_seconds; 0.11 shows both.
    Input(
        "itl_buckets",
        "latency",
        _rate("vllm:inter_token_latency_seconds_bucket")
        + " or "
        + _rate("vllm:time_per_output_token_seconds_bucket"),
        "le",
    ),
    Input("e2e_buckets", "latency", _rate("vllm:e2e_request_latency_seconds_bucket"), "le"),
    Input("queue_depth", "queue", "sum(vllm:num_requests_waiting{$sel})"),
    Input(LAST_SAMPLE, "queue", _last("vllm:num_requests_waiting")),
    # A fraction 0-1 despite "perc". Older servers export the older name (some both): ``or``
    # matches series without their names, so each pod counts once, by its newer name.
    Input(
        "kv_cache_used_fraction",
        "queue",
        "avg(vllm:kv_cache_usage_perc{$sel} or vllm:gpu_cache_usage_perc{$sel})",
    ),
    # Why requests finished: a failure after the stream began still answered 200, so only
    # finished_reason="error" shows it.
    Input(
        "finish_reasons",
        "codes",
        _reasons("vllm:request_success_total", "finished_reason"),
        "reason",
    ),
    Input("running", "queue", "sum(vllm:num_requests_running{$sel})"),
    Input("queue_time_buckets", "latency", _rate("vllm:request_queue_time_seconds_bucket"), "le"),
    # Per-request mean time per output token (0.11+).
    Input(
        "tpot_buckets",
        "latency",
        _rate("vllm:request_time_per_output_token_seconds_bucket"),
        "le",
    ),
    # Token-weighted hit rate (0.9+; vllm:gpu_prefix_cache_* before).
    Input(
        "prefix_cache_hit_fraction",
        "queue",
        "(sum(rate(vllm:prefix_cache_hits_total{$sel}[$window]))"
        " / (sum(rate(vllm:prefix_cache_queries_total{$sel}[$window])) > 0))"
        " or (sum(rate(vllm:gpu_prefix_cache_hits_total{$sel}[$window]))"
        " / (sum(rate(vllm:gpu_prefix_cache_queries_total{$sel}[$window])) > 0))",
    ),
)

TGI: tuple[Input, ...] = (
    Input(
        "codes",
        "codes",
        'label_replace(sum(rate(tgi_request_success{$sel}[$window])), "class", "2xx", "", "")'
        ' or label_replace(sum(rate(tgi_request_failure{$sel,err=~"validation|template|'
        'overloaded|generation"}[$window])), "class", "4xx", "", "")'
        ' or label_replace(sum(rate(tgi_request_failure{$sel,err="incomplete"}[$window])),'
        ' "class", "5xx", "", "")',
        by="class",
    ),
    Input(
        "input_tokens.mean",
        "sizes",
        _mean("tgi_request_input_length_sum", "tgi_request_input_length_count"),
    ),
    Input(
        "output_tokens.mean",
        "sizes",
        _mean("tgi_request_generated_tokens_sum", "tgi_request_generated_tokens_count"),
    ),
    Input("input_tokens_buckets", "sizes", _rate("tgi_request_input_length_bucket"), "le"),
    Input("output_tokens_buckets", "sizes", _rate("tgi_request_generated_tokens_bucket"), "le"),
    # No TTFT histogram: the estimate adds the queue and prefill quantiles (TGI's own dashboard).
    Input("ttft_buckets", "latency", _rate("tgi_request_queue_duration_bucket"), "le"),
    Input(
        "ttft_prefill_buckets",
        "latency",
        'sum by (le) (rate(tgi_batch_inference_duration_bucket{$sel,method="prefill"}[$window]))',
        "le",
    ),
    Input("itl_buckets", "latency", _rate("tgi_request_mean_time_per_token_duration_bucket"), "le"),
    Input("e2e_buckets", "latency", _rate("tgi_request_duration_bucket"), "le"),
    Input("queue_depth", "queue", "sum(tgi_queue_size{$sel})"),
    Input(LAST_SAMPLE, "queue", _last("tgi_queue_size")),
    # err="generation" (a shard or batch failed: HTTP 424) and "incomplete" (500) are the
    # server's failures; "dropped" is a request given up; the rest are the client's (4xx).
    Input("finish_reasons", "codes", _reasons("tgi_request_failure", "err"), "reason"),
    Input("running", "queue", "sum(tgi_batch_current_size{$sel})"),
    Input("queue_time_buckets", "latency", _rate("tgi_request_queue_duration_bucket"), "le"),
    Input(
        "tpot_buckets", "latency", _rate("tgi_request_mean_time_per_token_duration_bucket"), "le"
    ),
)

SGLANG: tuple[Input, ...] = (
    Input(
        "codes",
        "codes",
        'sum by (class) (label_replace(rate(sglang:http_responses_total{$sel,endpoint=~"'
        + COMPLETIONS
        + '|/generate"}[$window]), "class", "$${1}xx", "status_code", "([0-9]).*"))',
        by="class",
    ),
    Input(
        "input_tokens.mean",
        "sizes",
        _mean("sglang:prompt_tokens_total", "sglang:num_requests_total"),
    ),
    Input(
        "output_tokens.mean",
        "sizes",
        _mean("sglang:generation_tokens_total", "sglang:num_requests_total"),
    ),
    # Only with --collect-tokens-histogram; without it the p90 sizes are null.
    Input("input_tokens_buckets", "sizes", _rate("sglang:prompt_tokens_histogram_bucket"), "le"),
    Input(
        "output_tokens_buckets", "sizes", _rate("sglang:generation_tokens_histogram_bucket"), "le"
    ),
    Input("ttft_buckets", "latency", _rate("sglang:time_to_first_token_seconds_bucket"), "le"),
    Input(
        "itl_buckets",
        "latency",
        _rate("sglang:inter_token_latency_seconds_bucket")
        + " or "
        + _rate("sglang:time_per_output_token_seconds_bucket"),
        "le",
    ),
    Input("e2e_buckets", "latency", _rate("sglang:e2e_request_latency_seconds_bucket"), "le"),
    Input("queue_depth", "queue", "sum(sglang:num_queue_reqs{$sel})"),
    Input(LAST_SAMPLE, "queue", _last("sglang:num_queue_reqs")),
    Input("kv_cache_used_fraction", "queue", "avg(sglang:token_usage{$sel})"),
    Input(
        "finish_reasons",
        "codes",
        'label_replace(sum(rate(sglang:num_aborted_requests_total{$sel}[$window])), "reason",'
        ' "abort", "", "")',
        "reason",
    ),
    Input("running", "queue", "sum(sglang:num_running_reqs{$sel})"),
    Input("queue_time_buckets", "latency", _rate("sglang:queue_time_seconds_bucket"), "le"),
    Input(
        "prefix_cache_hit_fraction",
        "queue",
        "sum(rate(sglang:cached_tokens_total{$sel}[$window]))"
        " / (sum(rate(sglang:prompt_tokens_total{$sel}[$window])) > 0)",
    ),
)


@dataclass(frozen=True)
class Profile:
    """A server family's inputs and how quantiles are made from them."""

    name: str
    inputs: tuple[Input, ...]
    #: value group -> bucket inputs whose quantiles are added (TGI's TTFT estimate adds two).
    quantiles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""
    #: A few words for the header's source label.
    label: str = ""
    #: The engine's own finish or failure reasons -> ``FinishRates`` field (``error`` counts as
    #: a server-side failure in the error share; reasons not listed are not shown).
    reasons: dict[str, str] = field(default_factory=dict)


_QUANTILES = {
    "ttft_s": ("ttft_buckets",),
    "itl_s": ("itl_buckets",),
    "e2e_s": ("e2e_buckets",),
    "input_tokens": ("input_tokens_buckets",),
    "output_tokens": ("output_tokens_buckets",),
    "queue_time_s": ("queue_time_buckets",),
    "tpot_s": ("tpot_buckets",),
}

PROFILES: dict[str, Profile] = {
    "vllm": Profile(
        "vllm",
        VLLM + SHARED,
        dict(_QUANTILES),
        reasons={r: r for r in ("stop", "length", "abort", "error")},
    ),
    "tgi": Profile(
        "tgi",
        TGI + SHARED,
        {**_QUANTILES, "ttft_s": ("ttft_buckets", "ttft_prefill_buckets")},
        note="TTFT estimated as queue + prefill; ITL is the per-request mean time per token",
        label="TTFT estimated",
        reasons={"generation": "error", "incomplete": "error", "dropped": "abort"},
    ),
    "sglang": Profile("sglang", SGLANG + SHARED, dict(_QUANTILES), reasons={"abort": "abort"}),
}

#: Which panel a value-level override (e.g. ``ttft_s.p99``) is fetched with.
PANEL_OF_GROUP = {
    "requests_per_s": "codes",
    "error_share": "codes",
    "codes_per_s": "codes",
    "input_tokens": "sizes",
    "output_tokens": "sizes",
    "ttft_s": "latency",
    "itl_s": "latency",
    "e2e_s": "latency",
    "tps": "latency",
    "replicas": "replicas",
    "gpu_memory_used_fraction": "utilisation",
    "gpu_utilization_fraction": "utilisation",
    "cpu_cores": "utilisation",
    "host_memory_bytes": "utilisation",
    "queue_depth": "queue",
    "kv_cache_used_fraction": "queue",
    "failed_per_s": "codes",
    "finish_per_s": "codes",
    "running": "queue",
    "queue_time_s": "latency",
    "tpot_s": "latency",
    "prefix_cache_hit_fraction": "queue",
    "targets_down": "queue",
}

_ENGINE_METRIC = re.compile(r"(?<![\w:])(vllm:|sglang:|tgi_)")


def apply_prefix(template: str, prefix: str) -> str:
    """Prefix the server's own metric names (``kserve_`` turns ``vllm:x`` into
    ``kserve_vllm:x``); kube-state-metrics, DCGM, cAdvisor and HTTP names are left alone."""
    if not prefix:
        return template
    return _ENGINE_METRIC.sub(lambda m: prefix + m.group(1), template)


def resolve(
    profile: str, overrides: dict[str, str] | None = None, prefix: str = ""
) -> tuple[Profile, tuple[Input, ...]]:
    """The profile and its inputs with ``overrides`` (by input name or flat value key) applied.
    ``cost.*`` overrides belong to the cost meter and are ignored here. Raises ValueError for a
    name that is neither."""
    from console.model import HISTORY_KEYS

    chosen = PROFILES[profile]
    inputs = {i.name: Input(i.name, i.panel, apply_prefix(i.template, prefix), i.by)
              for i in chosen.inputs}  # fmt: skip
    for name, template in (overrides or {}).items():
        if name.startswith("cost."):
            continue
        if name in inputs:
            old = inputs[name]
            inputs[name] = Input(name, old.panel, template, old.by)
        elif name in HISTORY_KEYS:
            inputs[name] = Input(name, PANEL_OF_GROUP[name.partition(".")[0]], template)
        else:
            known = ", ".join(sorted(inputs))
            raise ValueError(
                f"prometheus.queries: {name!r}: unknown query (an input: {known}; "
                "or a snapshot value such as ttft_s.p99; or cost.*)"
            )
    return chosen, tuple(inputs.values())
