"""Recording rules in the test Prometheus: their results backfilled over the raw history with
``promtool tsdb create-blocks-from rules`` (the server evaluates every rule as a range query over
the span, at ``eval_interval`` steps) and loaded by restarting the server with the new blocks."""

from __future__ import annotations

import bisect
import random
import subprocess
import tempfile
from pathlib import Path

from tests.prom import Prometheus, _tool
from tests.prom_profiles import VLLM_E2E, VLLM_ITL, VLLM_TOKENS, VLLM_TTFT

SCRAPE_S = 15
#: pods per Deployment in the varying namespace; decoys share a prefix or live elsewhere.
VARYING_NS = "varying"
VARYING_PODS = {
    "llama-v1": ("llama-v1-7d9c5b8f4-x2x9k", "llama-v1-7d9c5b8f4-b8wlt", "llama-v1-6f5d4c-q4mzn"),
    "llama-v2": ("llama-v2-5c6b7f8d9-k2p7r",),
    "llama-v1-shadow": ("llama-v1-shadow-6b7c9d8f5-q8w2z",),
}
HISTOGRAMS = (
    ("vllm:request_prompt_tokens", VLLM_TOKENS, 20.0, 3000.0),
    ("vllm:request_generation_tokens", VLLM_TOKENS, 5.0, 1500.0),
    ("vllm:time_to_first_token_seconds", VLLM_TTFT, 0.01, 3.0),
    ("vllm:inter_token_latency_seconds", VLLM_ITL, 0.01, 0.3),
    ("vllm:e2e_request_latency_seconds", VLLM_E2E, 0.5, 40.0),
)


def write_varying(path: Path, end: int, span_s: int, seed: int = 11) -> None:
    """vLLM, DCGM, cAdvisor and kube-state-metrics series of ``VARYING_PODS`` whose load
    changes every scrape (random request counts and observations; one pod restarts halfway, so
    its counters reset), so a rate over 1m differs from one over 5m and the values depend on
    the exact moment a query is evaluated."""
    rng = random.Random(seed)
    times = range(end - span_s, end + 1, SCRAPE_S)
    pods = [(d, pod) for d, names in VARYING_PODS.items() for pod in names]
    restart = times[len(times) // 2]
    lines: dict[str, list[str]] = {}

    def add(family: str, name: str, labels: str, t: int, value: float) -> None:
        lines.setdefault(family, []).append(f"{name}{{{labels}}} {value!r} {t}")

    for i, (deployment, pod) in enumerate(pods):
        base = f'namespace="{VARYING_NS}",pod="{pod}"'
        codes = dict.fromkeys(("2xx", "4xx", "5xx"), 0)
        buckets = {name: [0] * (len(bounds) + 1) for name, bounds, _, _ in HISTOGRAMS}
        sums = dict.fromkeys(buckets, 0.0)
        cpu = 0.0
        for t in times:
            if i == 0 and t == restart:
                codes = dict.fromkeys(codes, 0)
                buckets = {k: [0] * len(v) for k, v in buckets.items()}
                sums = dict.fromkeys(sums, 0.0)
            n = rng.randint(0, 40)
            codes["2xx"] += n
            codes["4xx"] += rng.randint(0, 2)
            codes["5xx"] += rng.randint(0, 3) if deployment == "llama-v2" else 0
            for status, count in codes.items():
                labels = f'{base},handler="/v1/chat/completions",method="POST",status="{status}"'
                add("http_requests_total counter", "http_requests_total", labels, t, count)
            for name, bounds, low, high in HISTOGRAMS:
                for _ in range(n):
                    value = low * (high / low) ** rng.random()
                    buckets[name][bisect.bisect_left(bounds, value)] += 1
                    sums[name] += value
                cumulative = 0
                for bound, count in zip((*bounds, float("inf")), buckets[name], strict=True):
                    cumulative += count
                    le = "+Inf" if bound == float("inf") else repr(float(bound))
                    engine = f'{base},model_name="llama-3-8b",engine="0"'
                    add(f"{name} histogram", f"{name}_bucket", f'{engine},le="{le}"', t, cumulative)
                add(f"{name} histogram", f"{name}_sum", engine, t, sums[name])
                add(f"{name} histogram", f"{name}_count", engine, t, cumulative)
            waiting = f'{base},model_name="llama-3-8b",engine="0"'
            add("vllm:num_requests_waiting gauge", "vllm:num_requests_waiting", waiting, t,
                rng.randint(0, 9))  # fmt: skip
            cpu += rng.uniform(0.5, 4.0) * SCRAPE_S
            container = f'{base},container="vllm"'
            add("container_cpu_usage_seconds_total counter", "container_cpu_usage_seconds_total",
                container, t, cpu)  # fmt: skip
            add("container_memory_working_set_bytes gauge", "container_memory_working_set_bytes",
                container, t, float(rng.randint(8, 12) * 2**30))  # fmt: skip
            gpu = f'gpu="0",exported_namespace="{VARYING_NS}",exported_pod="{pod}"'
            used = float(rng.randint(20000, 70000))
            add("DCGM_FI_DEV_FB_USED gauge", "DCGM_FI_DEV_FB_USED", gpu, t, used)
            add("DCGM_FI_DEV_FB_FREE gauge", "DCGM_FI_DEV_FB_FREE", gpu, t, 81920.0 - used)
            add("DCGM_FI_DEV_GPU_UTIL gauge", "DCGM_FI_DEV_GPU_UTIL", gpu, t, rng.randint(0, 100))
    for deployment, names in VARYING_PODS.items():
        labels = f'namespace="{VARYING_NS}",deployment="{deployment}"'
        for t in times:
            add("kube_deployment_spec_replicas gauge", "kube_deployment_spec_replicas", labels,
                t, len(names))  # fmt: skip
    with path.open("w", encoding="utf-8") as out:
        for family, samples in lines.items():
            out.write(f"# TYPE {family}\n")
            out.writelines(f"{line}\n" for line in samples)
        out.write("# EOF\n")


def backfill_rules(
    prometheus: Prometheus, rules: Path, start: int, end: int, eval_interval: str = "15s"
) -> None:
    """Record ``rules`` from ``start`` to ``end`` (unix seconds) and load the results; the
    server's ``url`` changes."""
    with tempfile.TemporaryDirectory(prefix="rule-blocks-", dir=prometheus.root) as out:
        result = subprocess.run(
            [
                _tool("promtool"),
                "tsdb",
                "create-blocks-from",
                "rules",
                "--quiet",
                f"--url={prometheus.url}",
                f"--start={start}",
                f"--end={end}",
                f"--eval-interval={eval_interval}",
                f"--output-dir={out}",
                str(rules),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"promtool rule backfill failed: {result.stderr or result.stdout}")
        prometheus.restart_with_blocks(Path(out))
