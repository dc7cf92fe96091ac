"""Ten minutes of vLLM, TGI and SGLang series (names, labels and buckets as in the metrics notes)
at constant per-pod rates, so every panel value can be worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCRAPE_S = 15
SPAN_S = 600
NAMESPACE = "inference"
MODEL = "llama-3-8b"

#: vLLM buckets (``vllm/v1/metrics``): TTFT, ITL, E2E and 1-2-5 token counts for max_model_len 8192.
VLLM_TTFT = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0,
             7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0)  # fmt: skip
VLLM_ITL = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
            10.0, 20.0, 40.0, 80.0)  # fmt: skip
VLLM_E2E = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0,
            120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0)  # fmt: skip
VLLM_TOKENS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
#: TGI: every ``*duration`` histogram has 35 geometric buckets from 0.00015 s (x1.5).
TGI_DURATION = tuple(0.0001 * 1.5**i for i in range(1, 36))
#: TGI token histograms: 100 linear buckets (max_input_tokens 4096, max_total_tokens 8192).
TGI_INPUT = tuple(4096 / 100 * i for i in range(1, 101))
TGI_GENERATED = tuple(8192 / 100 * i for i in range(1, 101))
SGLANG_TTFT = (0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400)
SGLANG_ITL = (0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060,
              0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1.0, 2.0, 4.0, 6.0, 8.0)  # fmt: skip
SGLANG_E2E = (0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600,
              1200, 1800, 2400)  # fmt: skip
SGLANG_TOKENS = (100, 300, 500, 700, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000)
#: sglang:queue_time_seconds (the scheduler's collector).
SGLANG_QUEUE = (0.0, 0.1, 0.2, 0.5, 1, 2, 3, 4, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100,
                200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000,
                2500, 3000)  # fmt: skip


@dataclass(frozen=True)
class PodLoad:
    """One pod's steady load (per second) and where its observations fall."""

    name: str
    namespace: str = NAMESPACE
    ok: float = 3.0
    bad: float = 0.1
    fault: float = 0.0
    prompt: float = 400.0
    output: float = 200.0
    ttft: float = 0.2  # every TTFT observation is this value
    itl: float = 0.02
    e2e: float = 4.0
    queue: int = 2
    kv: float = 0.25  # KV-cache usage, 0-1
    gpu_used_mib: int = 40000
    gpu_free_mib: int = 40000
    gpu_util: int = 60
    gpu_reserved_mib: int = 0  # DCGM_FI_DEV_FB_RESERVED (the driver's share of the total)
    cpu_cores: float = 2.5
    memory: int = 10 * 2**30
    running: int = 4  # requests in the running batch
    queue_time: float = 0.05  # every request waits this long
    tpot: float = 0.03  # per-request mean time per output token
    cached: float = 0.5  # share of prompt tokens found in the prefix cache
    aborted: float = 0.02  # requests given up per second (finished_reason="abort", dropped)
    stream_errors: float = 0.0  # failures after the stream began (HTTP 200, reason "error")
    down: bool = False  # its scrape target is down (up == 0)
    old_vllm: bool = False  # exposes vllm:time_per_output_token_seconds (before 0.11)
    dcgm_honor_labels: bool = False  # DCGM labels are pod/namespace rather than exported_*


STABLE_PODS = (
    PodLoad("llama-v1-7d9c5b8f4-x2x9k", gpu_reserved_mib=2000),
    PodLoad(
        "llama-v1-7d9c5b8f4-b8wlt",
        queue=3,
        kv=0.75,
        gpu_used_mib=60000,
        gpu_free_mib=20000,
        gpu_util=80,
    ),
)
CANARY_PODS = (
    PodLoad(
        "llama-v2-5c6b7f8d9-k2p7r",
        ok=1.0,
        bad=0.0,
        fault=0.05,
        ttft=0.4,
        itl=0.06,
        e2e=12.0,
        queue=1,
        kv=0.5,
        gpu_used_mib=20000,
        gpu_free_mib=60000,
        gpu_util=30,
        gpu_reserved_mib=500,
        cpu_cores=1.5,
        running=2,
        queue_time=0.4,
        tpot=0.07,
        cached=0.25,
        stream_errors=0.2,
        down=True,
        old_vllm=True,
        dcgm_honor_labels=True,
    ),
)
DECOYS = (
    PodLoad("llama-v1-shadow-6b7c9d8f5-q8w2z", ok=50.0, queue=40, cpu_cores=30.0),
    PodLoad("llama-v1-7d9c5b8f4-x2x9k", namespace="other-team", ok=40.0, queue=30),
)
PODS = STABLE_PODS + CANARY_PODS + DECOYS
#: (deployment, desired, created, available)
REPLICAS = (("llama-v1", 3, 3, 2), ("llama-v2", 1, 1, 1), ("llama-v1-shadow", 5, 5, 5))


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))


class Writer:
    """Collects OpenMetrics families; counters grow linearly from the first timestamp."""

    def __init__(self, start: int, end: int, scrape_s: int = SCRAPE_S) -> None:
        self.times = range(start, end + 1, scrape_s)
        self.start = start
        self.lines: list[str] = []

    def family(self, name: str, kind: str) -> None:
        self.lines.append(f"# TYPE {name} {kind}")

    def series(self, name: str, labels: dict[str, str], per_s: float, gauge: bool = False) -> None:
        inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
        for t in self.times:
            value = per_s if gauge else per_s * (t - self.start)
            self.lines.append(f"{name}{{{inner}}} {value!r} {t}")

    def histogram(
        self, name: str, labels: dict[str, str], bounds: tuple[float, ...], value: float,
        per_s: float,
    ) -> None:  # fmt: skip
        """Every observation is ``value``; ``per_s`` observations a second."""
        for bound in (*bounds, float("inf")):
            rate = per_s if value <= bound else 0.0
            self.series(f"{name}_bucket", {**labels, "le": _le(bound)}, rate)
        self.series(f"{name}_sum", labels, per_s * value)
        self.series(f"{name}_count", labels, per_s)

    def write(self, path: Path) -> None:
        path.write_text("\n".join([*self.lines, "# EOF"]) + "\n", encoding="utf-8")


def _pod_labels(pod: PodLoad, **extra: str) -> dict[str, str]:
    return {"namespace": pod.namespace, "pod": pod.name, **extra}


def write_fleet(path: Path, end: int, scrape_s: int = SCRAPE_S) -> None:
    """All three profiles' series for ``PODS`` from ``end - SPAN_S`` to ``end``, a sample every
    ``scrape_s`` seconds."""
    w = Writer(end - SPAN_S, end, scrape_s)
    engine = {"model_name": MODEL, "engine": "0"}
    # vLLM ----------------------------------------------------------------------------------
    w.family("http_requests_total", "counter")
    for pod in PODS:
        for status, rate in (("2xx", pod.ok), ("4xx", pod.bad), ("5xx", pod.fault)):
            labels = _pod_labels(pod, handler="/v1/chat/completions", method="POST", status=status)
            w.series("http_requests_total", labels, rate)
        # Not a completion endpoint: never counted.
        labels = _pod_labels(pod, handler="/v1/models", method="GET", status="2xx")
        w.series("http_requests_total", labels, 100.0)
    for name, value, bounds in (
        ("vllm:request_prompt_tokens", "prompt", VLLM_TOKENS),
        ("vllm:request_generation_tokens", "output", VLLM_TOKENS),
        ("vllm:time_to_first_token_seconds", "ttft", VLLM_TTFT),
        ("vllm:e2e_request_latency_seconds", "e2e", VLLM_E2E),
    ):
        w.family(name, "histogram")
        for pod in PODS:
            w.histogram(name, _pod_labels(pod, **engine), bounds, getattr(pod, value), pod.ok)
    for name, old in (
        ("vllm:inter_token_latency_seconds", False),
        ("vllm:time_per_output_token_seconds", True),
    ):
        w.family(name, "histogram")
        for pod in (p for p in PODS if p.old_vllm == old):
            steps = pod.ok * (pod.output - 1)
            w.histogram(name, _pod_labels(pod, **engine), VLLM_ITL, pod.itl, steps)
    w.family("vllm:num_requests_waiting", "gauge")
    for pod in PODS:
        w.series("vllm:num_requests_waiting", _pod_labels(pod, **engine), pod.queue, gauge=True)
    # Older servers export the KV-cache gauge under its older name.
    for name, old in (("vllm:kv_cache_usage_perc", False), ("vllm:gpu_cache_usage_perc", True)):
        w.family(name, "gauge")
        for pod in (p for p in PODS if p.old_vllm == old):
            w.series(name, _pod_labels(pod, **engine), pod.kv, gauge=True)
    # finished_reason: what ended each request; a failure after the stream began is "error".
    w.family("vllm:request_success_total", "counter")
    for pod in PODS:
        for reason, rate in (
            ("stop", pod.ok * 0.75),
            ("length", pod.ok * 0.25),
            ("abort", pod.aborted),
            ("error", pod.stream_errors),
        ):
            labels = _pod_labels(pod, **engine, finished_reason=reason)
            w.series("vllm:request_success_total", labels, rate)
    w.family("vllm:num_requests_running", "gauge")
    for pod in PODS:
        w.series("vllm:num_requests_running", _pod_labels(pod, **engine), pod.running, gauge=True)
    for name, value, bounds in (
        ("vllm:request_queue_time_seconds", "queue_time", VLLM_E2E),
        ("vllm:request_time_per_output_token_seconds", "tpot", VLLM_ITL),
    ):
        w.family(name, "histogram")
        for pod in PODS:
            w.histogram(name, _pod_labels(pod, **engine), bounds, getattr(pod, value), pod.ok)
    for name, share in (("vllm:prefix_cache_queries", 1.0), ("vllm:prefix_cache_hits", None)):
        w.family(f"{name}_total", "counter")
        for pod in PODS:
            rate = pod.ok * pod.prompt * (pod.cached if share is None else share)
            w.series(f"{name}_total", _pod_labels(pod, **engine), rate)
    # TGI (counters without _total; no model label) -------------------------------------------
    w.family("tgi_request_success", "unknown")
    for pod in PODS:
        w.series("tgi_request_success", _pod_labels(pod), pod.ok)
    w.family("tgi_request_failure", "unknown")
    for pod in PODS:
        for err, rate in (("validation", pod.bad), ("incomplete", pod.fault), ("dropped", 7.0)):
            w.series("tgi_request_failure", _pod_labels(pod, err=err), rate)
    for name, value, bounds in (
        ("tgi_request_input_length", "prompt", TGI_INPUT),
        ("tgi_request_generated_tokens", "output", TGI_GENERATED),
        ("tgi_request_duration", "e2e", TGI_DURATION),
        ("tgi_request_queue_duration", "tgi_queue", TGI_DURATION),
        ("tgi_request_mean_time_per_token_duration", "itl", TGI_DURATION),
    ):
        w.family(name, "histogram")
        for pod in PODS:
            observed = pod.ttft / 4 if value == "tgi_queue" else getattr(pod, value)
            w.histogram(name, _pod_labels(pod), bounds, observed, pod.ok)
    w.family("tgi_batch_inference_duration", "histogram")
    for pod in PODS:
        for method, observed in (("prefill", pod.ttft * 3 / 4), ("decode", 5.0)):
            labels = _pod_labels(pod, method=method)
            w.histogram("tgi_batch_inference_duration", labels, TGI_DURATION, observed, pod.ok)
    w.family("tgi_queue_size", "gauge")
    for pod in PODS:
        w.series("tgi_queue_size", _pod_labels(pod), pod.queue, gauge=True)
    w.family("tgi_batch_current_size", "gauge")
    for pod in PODS:
        w.series("tgi_batch_current_size", _pod_labels(pod), pod.running, gauge=True)
    # SGLang (raw status codes; tp_rank on scheduler series) ----------------------------------
    sg = {"model_name": MODEL, "engine_type": "unified"}
    w.family("sglang:http_responses_total", "counter")
    for pod in PODS:
        for code, rate in (("200", pod.ok), ("400", pod.bad), ("503", pod.fault)):
            labels = _pod_labels(pod, endpoint="/v1/chat/completions", status_code=code,
                                 method="POST")  # fmt: skip
            w.series("sglang:http_responses_total", labels, rate)
    for name, per_request in (("prompt", "prompt"), ("generation", "output")):
        w.family(f"sglang:{name}_tokens_total", "counter")
        for pod in PODS:
            rate = pod.ok * getattr(pod, per_request)
            w.series(f"sglang:{name}_tokens_total", _pod_labels(pod, **sg), rate)
    w.family("sglang:num_requests_total", "counter")
    for pod in PODS:
        w.series("sglang:num_requests_total", _pod_labels(pod, **sg), pod.ok)
    for name, value, bounds in (
        ("sglang:time_to_first_token_seconds", "ttft", SGLANG_TTFT),
        ("sglang:e2e_request_latency_seconds", "e2e", SGLANG_E2E),
        ("sglang:prompt_tokens_histogram", "prompt", SGLANG_TOKENS),
        ("sglang:generation_tokens_histogram", "output", SGLANG_TOKENS),
    ):
        w.family(name, "histogram")
        for pod in PODS:
            w.histogram(name, _pod_labels(pod, **sg), bounds, getattr(pod, value), pod.ok)
    w.family("sglang:inter_token_latency_seconds", "histogram")
    for pod in PODS:
        steps = pod.ok * (pod.output - 1)
        labels = _pod_labels(pod, **sg)
        w.histogram("sglang:inter_token_latency_seconds", labels, SGLANG_ITL, pod.itl, steps)
    w.family("sglang:num_queue_reqs", "gauge")
    for pod in PODS:
        for rank in ("0", "1"):
            labels = _pod_labels(pod, **sg, tp_rank=rank, pp_rank="0")
            w.series("sglang:num_queue_reqs", labels, pod.queue / 2, gauge=True)
    w.family("sglang:num_running_reqs", "gauge")
    for pod in PODS:
        for rank in ("0", "1"):
            labels = _pod_labels(pod, **sg, tp_rank=rank, pp_rank="0")
            w.series("sglang:num_running_reqs", labels, pod.running / 2, gauge=True)
    w.family("sglang:queue_time_seconds", "histogram")
    for pod in PODS:
        labels = _pod_labels(pod, **sg, tp_rank="0", pp_rank="0")
        w.histogram("sglang:queue_time_seconds", labels, SGLANG_QUEUE, pod.queue_time, pod.ok)
    for name, rate_of in (
        ("sglang:cached_tokens_total", lambda p: p.ok * p.prompt * p.cached),
        ("sglang:num_aborted_requests_total", lambda p: p.aborted),
    ):
        w.family(name, "counter")
        for pod in PODS:
            w.series(name, _pod_labels(pod, **sg), rate_of(pod))
    w.family("sglang:token_usage", "gauge")
    for pod in PODS:
        for rank in ("0", "1"):
            labels = _pod_labels(pod, **sg, tp_rank=rank, pp_rank="0")
            w.series("sglang:token_usage", labels, pod.kv, gauge=True)
    _write_shared(w)
    w.write(path)


def _write_shared(w: Writer) -> None:
    w.family("up", "gauge")
    for pod in PODS:
        labels = _pod_labels(pod, job="inference", instance=f"{pod.name}:8000")
        w.series("up", labels, 0.0 if pod.down else 1.0, gauge=True)
    for metric, column in (
        ("kube_deployment_spec_replicas", 1),
        ("kube_deployment_status_replicas", 2),
        ("kube_deployment_status_replicas_available", 3),
    ):
        w.family(metric, "gauge")
        for row in REPLICAS:
            labels = {"namespace": NAMESPACE, "deployment": str(row[0])}
            w.series(metric, labels, float(row[column]), gauge=True)  # type: ignore[arg-type]
    for metric, field in (
        ("DCGM_FI_DEV_GPU_UTIL", "gpu_util"),
        ("DCGM_FI_DEV_FB_USED", "gpu_used_mib"),
        ("DCGM_FI_DEV_FB_FREE", "gpu_free_mib"),
        ("DCGM_FI_DEV_FB_RESERVED", "gpu_reserved_mib"),
    ):
        w.family(metric, "gauge")
        for i, pod in enumerate(PODS):
            if metric.endswith("RESERVED") and not pod.gpu_reserved_mib:
                continue  # older exporters do not export it
            labels = {"gpu": "0", "UUID": f"GPU-{i}", "modelName": "NVIDIA H100 80GB HBM3"}
            if pod.dcgm_honor_labels:
                labels |= {"namespace": pod.namespace, "pod": pod.name}
            else:
                labels |= {
                    "namespace": "gpu-operator",
                    "pod": "dcgm-exporter-x7k2p",
                    "exported_namespace": pod.namespace,
                    "exported_pod": pod.name,
                }
            w.series(metric, labels, float(getattr(pod, field)), gauge=True)
    w.family("container_cpu_usage_seconds_total", "counter")
    for pod in PODS:
        for container, cores in (("vllm", pod.cpu_cores), ("POD", 9.0), ("", 99.0)):
            labels = _pod_labels(pod, container=container)
            w.series("container_cpu_usage_seconds_total", labels, cores)
    w.family("container_memory_working_set_bytes", "gauge")
    for pod in PODS:
        for container, memory in (("vllm", pod.memory), ("POD", 2**30), ("", 2**40)):
            labels = _pod_labels(pod, container=container)
            w.series("container_memory_working_set_bytes", labels, float(memory), gauge=True)
