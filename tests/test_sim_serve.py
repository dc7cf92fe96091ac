"""``sim serve`` end to end: a real Prometheus scrapes it every second; the console's snapshot
equals the reference PromQL on that Prometheus and is close to the simulator's ground truth; the
openai client streams a completion from it."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from queue import Empty, Queue

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from console.clock import SystemClock
from console.config import DEMO_DEPLOYMENT
from console.model import Track
from console.sim import SimFleet
from console.sim.exposition import Exposition
from console.sim.histogram import (
    E2E_BUCKETS,
    ITL_BUCKETS,
    TTFT_BUCKETS,
    bucket_width_at,
)
from console.sim.serve import ServerThread
from console.sim.track import ITL_BASE_S, TTFT_BASE_S
from console.sources.prometheus import PrometheusSource
from console.sources.promql import PrometheusClient
from console.sources.selectors import promql_string, track_selector
from tests.prom import Prometheus
from tests.waiting import eventually

SPEC = DEMO_DEPLOYMENT.spec()
WINDOW = 12  # seconds of 1 s scrapes behind each rate


def reference_queries(deployment: str) -> dict[str, str]:
    """The PromQL a Grafana user would write (metrics notes §8), one per snapshot value."""
    s = track_selector(SPEC.namespace, deployment)
    g = track_selector(SPEC.namespace, deployment, "exported_pod", "exported_namespace")
    d = f"namespace={promql_string(SPEC.namespace)},deployment={promql_string(deployment)}"
    w = f"[{WINDOW}s]"
    http = f'http_requests_total{{{s},handler=~"/v1/(chat/)?completions"}}'
    out = {
        "requests_per_s": f"sum(rate({http}{w}))",
        "error_share": (
            f'(sum(rate(http_requests_total{{{s},status="5xx"}}{w})) or vector(0))'
            f" / (sum(rate({http}{w})) > 0)"
        ),
        "input_tokens.mean": f"sum(rate(vllm:request_prompt_tokens_sum{{{s}}}{w}))"
        f" / sum(rate(vllm:request_prompt_tokens_count{{{s}}}{w}))",
        "output_tokens.mean": f"sum(rate(vllm:request_generation_tokens_sum{{{s}}}{w}))"
        f" / sum(rate(vllm:request_generation_tokens_count{{{s}}}{w}))",
        "queue_depth": f"sum(vllm:num_requests_waiting{{{s}}})",
        "kv_cache_used_fraction": f"avg(vllm:kv_cache_usage_perc{{{s}}})",
        "replicas.desired": f"kube_deployment_spec_replicas{{{d}}}",
        "replicas.serving": f"kube_deployment_status_replicas_available{{{d}}}",
        "replicas.starting": f"kube_deployment_status_replicas{{{d}}}"
        f" - kube_deployment_status_replicas_available{{{d}}}",
        "gpu_memory_used_fraction": f"sum(DCGM_FI_DEV_FB_USED{{{g}}})"
        f" / sum(DCGM_FI_DEV_FB_USED{{{g}}} + DCGM_FI_DEV_FB_FREE{{{g}}})",
        "gpu_utilization_fraction": f"avg(DCGM_FI_DEV_GPU_UTIL{{{g}}}) / 100",
        "cpu_cores": f'sum(rate(container_cpu_usage_seconds_total{{{s},container!=""}}{w}))',
        "host_memory_bytes": f'sum(container_memory_working_set_bytes{{{s},container!=""}})',
    }
    for cls in ("2xx", "4xx", "5xx"):
        out[f"codes_per_s.{cls}"] = f'sum(rate(http_requests_total{{{s},status="{cls}"}}{w}))'
    for key, metric in (
        ("input_tokens", "vllm:request_prompt_tokens"),
        ("output_tokens", "vllm:request_generation_tokens"),
        ("ttft_s", "vllm:time_to_first_token_seconds"),
        ("itl_s", "vllm:inter_token_latency_seconds"),
        ("e2e_s", "vllm:e2e_request_latency_seconds"),
    ):
        wanted = (("p90", 0.9),) if key.endswith("tokens") else (
            ("p50", 0.5), ("p90", 0.9), ("p99", 0.99))  # fmt: skip
        for label, q in wanted:
            expr = f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{{{s}}}{w})))"
            out[f"{key}.{label}"] = expr
            if key == "itl_s":
                out[f"tps.{label}"] = f"1 / {expr}"
    return out


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SimFleet, Prometheus]]:
    fleet = SimFleet(scenario="healthy", seed=11, deployment=SPEC, clock=SystemClock())
    with ServerThread(fleet) as server:
        scrape = (
            "  - job_name: sim\n    scrape_interval: 1s\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{server.port}']\n"
        )
        with Prometheus(scrape_configs=scrape) as prometheus:
            # The first scrape lands ~6 s after start; then enough of them to cover the window.
            query = f'count_over_time(up{{job="sim"}}[{WINDOW + 5}s]) >= {WINDOW + 2}'
            eventually(
                lambda: bool(
                    httpx.get(f"{prometheus.url}/api/v1/query", params={"query": query}).json()[
                        "data"
                    ]["result"]
                ),
                "Prometheus to hold enough scrapes of sim serve",
                60,
            )
            yield fleet, prometheus


@pytest.mark.slow
def test_snapshot_equals_reference_promql_and_is_near_ground_truth(
    served: tuple[SimFleet, Prometheus],
) -> None:
    fleet, prometheus = served
    client = PrometheusClient(prometheus.url)
    source = PrometheusSource(client)
    at = time.time()
    snapshot = source.snapshot(SPEC, WINDOW, at=at)
    truth = {track: fleet.ground_truth(track, WINDOW).flat() for track in Track}
    for track, deployment in ((Track.STABLE, SPEC.stable), (Track.CANARY, SPEC.canary)):
        got = snapshot.tracks[track].flat()
        for key, expr in reference_queries(deployment).items():
            want = client.scalar(expr, at)
            if want is None or math.isinf(want):
                assert got[key] is None, (track, key, got[key])
            else:
                assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-12), (track, key)
    # Against the simulator's own per-request truth (tolerances: Poisson noise over 12 s and
    # ~1 s of scrape misalignment for rates; for quantiles the histogram's bucket width, the
    # most linear interpolation can be off, plus 10 %).
    got, exact = snapshot.tracks[Track.STABLE].flat(), truth[Track.STABLE]
    assert got["requests_per_s"] == pytest.approx(exact["requests_per_s"], rel=0.2)
    for key, bounds in (("ttft_s.p50", TTFT_BUCKETS), ("itl_s.p50", ITL_BUCKETS),
                        ("e2e_s.p50", E2E_BUCKETS)):  # fmt: skip
        true = exact[key]
        assert true is not None and got[key] is not None
        assert abs(got[key] - true) <= bucket_width_at(bounds, true) + 0.1 * true, key  # type: ignore[operator]
    for key in ("replicas.desired", "replicas.serving", "replicas.starting"):
        assert got[key] == exact[key], key
    assert got["gpu_memory_used_fraction"] == pytest.approx(
        exact["gpu_memory_used_fraction"], abs=0.02
    )
    assert got["gpu_utilization_fraction"] == pytest.approx(
        exact["gpu_utilization_fraction"], abs=0.15
    )
    assert got["kv_cache_used_fraction"] == pytest.approx(exact["kv_cache_used_fraction"], abs=0.1)
    source.close()


def test_exposition_follows_the_vllm_names_and_buckets() -> None:
    fleet = SimFleet(scenario="healthy", seed=3, deployment=SPEC, clock=SystemClock())
    families = {f.name: f for f in text_string_to_metric_families(Exposition(fleet).render())}
    assert families["vllm:time_to_first_token_seconds"].type == "histogram"
    bounds = sorted(
        {float(s.labels["le"]) for s in families["vllm:time_to_first_token_seconds"].samples
         if s.name.endswith("_bucket")}
    )  # fmt: skip
    assert tuple(bounds[:-1]) == TTFT_BUCKETS and math.isinf(bounds[-1])
    assert families["vllm:prompt_tokens"].type == "counter"  # exposed as ..._total
    http = families["http_requests"].samples
    assert {s.labels["status"] for s in http} == {"2xx", "4xx", "5xx"}
    dcgm = families["DCGM_FI_DEV_GPU_UTIL"].samples[0].labels
    assert dcgm["exported_namespace"] == SPEC.namespace and dcgm["pod"].startswith("dcgm-exporter")
    pods = {s.labels["pod"] for s in families["vllm:num_requests_running"].samples}
    assert all(p.startswith((SPEC.stable + "-", SPEC.canary + "-")) for p in pods)


@pytest.fixture(scope="module")
def sim_serve_process() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "sim", "serve", "--port", "0", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: Queue[str] = Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True
    ).start()
    try:
        try:
            first = lines.get(timeout=30)
        except Empty:
            raise AssertionError("sim serve printed nothing within 30 s") from None
        assert "serving the simulated fleet" in first, first
        url = first.split(" on ", 1)[1].split()[0]
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
def test_openai_client_streams_a_chat_completion(sim_serve_process: str) -> None:
    client = openai.OpenAI(base_url=f"{sim_serve_process}/v1", api_key="not-needed")
    assert [m.id for m in client.models.list()] == ["llama-3-8b"]
    started = time.monotonic()
    stream = client.chat.completions.create(
        model="llama-3-8b",
        messages=[{"role": "user", "content": "Say something about canaries."}],
        max_tokens=12,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    usage = None
    first_at = None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first_at = first_at or time.monotonic()
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage = chunk.usage
    elapsed = time.monotonic() - started
    assert len(pieces) == 12 and len("".join(pieces).split()) == 12
    assert usage is not None and usage.completion_tokens == 12
    assert usage.total_tokens == usage.prompt_tokens + 12
    # The simulated pace: prefill before the first token, then one decode step per token.
    assert first_at is not None and first_at - started >= TTFT_BASE_S
    assert elapsed >= TTFT_BASE_S + 11 * ITL_BASE_S * 0.9


@pytest.mark.slow
def test_openai_client_completion_and_a_refused_request(sim_serve_process: str) -> None:
    client = openai.OpenAI(base_url=f"{sim_serve_process}/v1", api_key="not-needed")
    reply = client.completions.create(model="llama-3-8b", prompt="Hello", max_tokens=5)
    assert len(reply.choices[0].text.split()) == 5
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    with pytest.raises(openai.BadRequestError, match="does not exist"):
        client.completions.create(model="gpt-nope", prompt="Hello", max_tokens=5)
