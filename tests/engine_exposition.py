"""What TGI, vLLM and SGLang servers expose on ``/metrics`` (names, types, labels and buckets as the
engines' sources declare them), served live on loopback for a real Prometheus to scrape.

Two dialects: TGI's Rust exporter (``metrics-exporter-prometheus``: ``# TYPE`` only, counters
without ``_total``, no labels but the few it declares), and Python's ``prometheus_client`` (vLLM,
SGLang: ``# HELP`` and ``# TYPE``, counters ending in ``_total`` with ``_created`` beside them,
histograms with ``_created``). Counters grow with the wall clock at each pod's steady rates, so a
``rate`` over any window is known in advance.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.prom_profiles import (
    SGLANG_E2E,
    SGLANG_ITL,
    SGLANG_QUEUE,
    SGLANG_TTFT,
    TGI_DURATION,
    TGI_GENERATED,
    TGI_INPUT,
    VLLM_E2E,
    VLLM_ITL,
    VLLM_TOKENS,
    VLLM_TTFT,
)

MODEL = "llama-3-8b"


@dataclass(frozen=True)
class Load:
    """One pod's steady load: requests per second by outcome, and the value every observation of
    each histogram takes."""

    ok: float = 10.0  # finished normally (HTTP 200)
    client_errors: float = 0.5  # rejected as invalid (TGI validation 422; HTTP 400)
    generation_failures: float = 0.0  # TGI: a shard or batch failed (err="generation", 424)
    stream_errors: float = 0.0  # vLLM: failed after the stream began (200, reason "error")
    aborted: float = 0.2  # given up (the client went away)
    prompt: float = 400.0
    output: float = 200.0
    ttft: float = 0.2
    itl: float = 0.02
    e2e: float = 4.0
    queue_time: float = 0.05
    queue: int = 2
    running: int = 6


def _le(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))


@dataclass
class _Text:
    python: bool  # prometheus_client's dialect, else the Rust exporter's
    started: float
    lines: list[str] = field(default_factory=list)

    def family(self, name: str, kind: str, help_text: str = "") -> None:
        if self.python:
            self.lines.append(f"# HELP {name} {help_text or name}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, labels: dict[str, str], value: float) -> None:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        self.lines.append(f"{name}{{{inner}}} {float(value)!r}" if inner else f"{name} {value!r}")

    def counter(self, name: str, labels: dict[str, str], total: float) -> None:
        if self.python:
            base = name.removesuffix("_total")
            self.sample(f"{base}_total", labels, total)
            self.sample(f"{base}_created", labels, self.started)
        else:
            self.sample(name, labels, total)

    def histogram(
        self,
        name: str,
        labels: dict[str, str],
        bounds: tuple[float, ...],
        value: float,
        count: float,
    ) -> None:
        for bound in (*bounds, float("inf")):
            self.sample(
                f"{name}_bucket", {**labels, "le": _le(bound)}, count if value <= bound else 0
            )
        self.sample(f"{name}_count", labels, count)
        self.sample(f"{name}_sum", labels, count * value)
        if self.python:
            self.sample(f"{name}_created", labels, self.started)


def tgi(load: Load, started: float, now: float) -> str:
    """``router/src/server.rs`` and ``backends/v3``: no model label, counters without ``_total``."""
    t = _Text(python=False, started=started)
    elapsed = now - started
    served = load.ok * elapsed
    received = (load.ok + load.client_errors + load.generation_failures + load.aborted) * elapsed
    t.family("tgi_request_count", "counter")
    t.counter("tgi_request_count", {}, received)
    t.family("tgi_request_success", "counter")
    t.counter("tgi_request_success", {}, served)
    t.family("tgi_request_failure", "counter")
    for err, rate in (
        ("validation", load.client_errors),
        ("generation", load.generation_failures),
        ("dropped", load.aborted),
    ):
        if rate:  # the Rust exporter shows a label set once it was first incremented
            t.counter("tgi_request_failure", {"err": err}, rate * elapsed)
    for name, bounds, value in (
        ("tgi_request_duration", TGI_DURATION, load.e2e),
        ("tgi_request_queue_duration", TGI_DURATION, load.queue_time),
        ("tgi_request_mean_time_per_token_duration", TGI_DURATION, load.itl),
        ("tgi_request_input_length", TGI_INPUT, load.prompt),
        ("tgi_request_generated_tokens", TGI_GENERATED, load.output),
    ):
        t.family(name, "histogram")
        t.histogram(name, {}, bounds, value, served)
    t.family("tgi_batch_inference_duration", "histogram")
    for method, value in (("prefill", load.ttft - load.queue_time), ("decode", load.itl)):
        t.histogram("tgi_batch_inference_duration", {"method": method}, TGI_DURATION, value, served)
    for name, value in (("tgi_queue_size", load.queue), ("tgi_batch_current_size", load.running)):
        t.family(name, "gauge")
        t.sample(name, {}, value)
    return "\n".join(t.lines) + "\n"


def vllm(load: Load, started: float, now: float) -> str:
    """``vllm/v1/metrics/loggers.py`` and the API server's HTTP instrumentator. A failure after the
    stream began answered 200: only ``finished_reason="error"`` shows it."""
    t = _Text(python=True, started=started)
    elapsed = now - started
    engine = {"model_name": MODEL, "engine": "0"}
    finished = load.ok + load.stream_errors + load.aborted
    t.family(
        "http_requests_total", "counter", "Total number of requests by method, status and handler."
    )
    for status, rate in (("2xx", finished), ("4xx", load.client_errors)):
        labels = {"handler": "/v1/chat/completions", "method": "POST", "status": status}
        t.counter("http_requests_total", labels, rate * elapsed)
    t.family("vllm:request_success_total", "counter", "Count of successfully processed requests.")
    for reason, rate in (
        ("stop", load.ok * 0.8),
        ("length", load.ok * 0.2),
        ("abort", load.aborted),
        ("error", load.stream_errors),
    ):
        t.counter(
            "vllm:request_success_total", {**engine, "finished_reason": reason}, rate * elapsed
        )
    for name, bounds, value in (
        ("vllm:time_to_first_token_seconds", VLLM_TTFT, load.ttft),
        ("vllm:inter_token_latency_seconds", VLLM_ITL, load.itl),
        ("vllm:request_time_per_output_token_seconds", VLLM_ITL, load.itl),
        ("vllm:e2e_request_latency_seconds", VLLM_E2E, load.e2e),
        ("vllm:request_queue_time_seconds", VLLM_E2E, load.queue_time),
        ("vllm:request_prompt_tokens", VLLM_TOKENS, load.prompt),
        ("vllm:request_generation_tokens", VLLM_TOKENS, load.output),
    ):
        t.family(name, "histogram")
        t.histogram(name, engine, bounds, value, finished * elapsed)
    for name, value in (
        ("vllm:num_requests_waiting", load.queue),
        ("vllm:num_requests_running", load.running),
        ("vllm:kv_cache_usage_perc", 0.4),
    ):
        t.family(name, "gauge")
        t.sample(name, engine, value)
    return "\n".join(t.lines) + "\n"


def sglang(load: Load, started: float, now: float) -> str:
    """``python/sglang/srt/metrics/collector.py`` and the HTTP middleware: raw status codes;
    scheduler gauges per ``tp_rank``."""
    t = _Text(python=True, started=started)
    elapsed = now - started
    tokenizer = {"model_name": MODEL, "engine_type": "unified"}
    scheduler = {**tokenizer, "tp_rank": "0", "pp_rank": "0"}
    t.family("sglang:http_responses_total", "counter")
    for code, rate in (("200", load.ok), ("400", load.client_errors)):
        labels = {"endpoint": "/v1/chat/completions", "method": "POST", "status_code": code}
        t.counter("sglang:http_responses_total", labels, rate * elapsed)
    for name, rate in (
        ("sglang:num_requests_total", load.ok),
        ("sglang:prompt_tokens_total", load.ok * load.prompt),
        ("sglang:generation_tokens_total", load.ok * load.output),
        ("sglang:cached_tokens_total", load.ok * load.prompt / 4),
        ("sglang:num_aborted_requests_total", load.aborted),
    ):
        t.family(name, "counter")
        t.counter(name, tokenizer, rate * elapsed)
    for name, bounds, value, labels in (
        ("sglang:time_to_first_token_seconds", SGLANG_TTFT, load.ttft, tokenizer),
        ("sglang:inter_token_latency_seconds", SGLANG_ITL, load.itl, tokenizer),
        ("sglang:e2e_request_latency_seconds", SGLANG_E2E, load.e2e, tokenizer),
        ("sglang:queue_time_seconds", SGLANG_QUEUE, load.queue_time, scheduler),
    ):
        t.family(name, "histogram")
        t.histogram(name, labels, bounds, value, load.ok * elapsed)
    for name, value in (
        ("sglang:num_queue_reqs", load.queue),
        ("sglang:num_running_reqs", load.running),
        ("sglang:token_usage", 0.3),
    ):
        t.family(name, "gauge")
        t.sample(name, scheduler, value)
    return "\n".join(t.lines) + "\n"


RENDER = {"tgi": tgi, "vllm": vllm, "sglang": sglang}


def namespace_of(engine: str) -> str:
    return f"serve-{engine}"


class _Handler(BaseHTTPRequestHandler):
    server: EngineServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        # /<engine>/<pod>/metrics
        parts = self.path.strip("/").split("/")
        key = (parts[0], parts[1]) if len(parts) == 3 and parts[2] == "metrics" else None
        load = self.server.pods.get(key) if key else None
        if key is None or load is None:
            self.send_error(404)
            return
        body = RENDER[key[0]](load, self.server.started, time.time()).encode()
        self.send_response(200)
        content_type = "text/plain; version=0.0.4; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EngineServer(ThreadingHTTPServer):
    """Serves ``/<engine>/<pod>/metrics`` for every (engine, pod) in ``pods``."""

    daemon_threads = True

    def __init__(self, pods: dict[tuple[str, str], Load]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pods = pods
        self.started = time.time()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def scrape_configs(self, interval: str = "1s") -> str:
        """One scrape job per pod, labelled as Kubernetes service discovery would; each engine's
        pods in their own namespace (``namespace_of``)."""
        jobs = []
        for engine, pod in self.pods:
            namespace = namespace_of(engine)
            jobs.append(
                f"  - job_name: {engine}-{pod}\n"
                f"    scrape_interval: {interval}\n"
                f"    metrics_path: /{engine}/{pod}/metrics\n"
                f"    static_configs:\n"
                f"      - targets: ['{self.address}']\n"
                f"        labels: {{namespace: {namespace}, pod: {pod}}}\n"
            )
        return "".join(jobs)

    def __enter__(self) -> EngineServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
