"""Refresh cost against a real Prometheus as the fleet grows: wall time and queries per refresh for
10, 100 and 1,000 replicas of vLLM series (backfilled, all in one Prometheus, measured in the same
run). Target: the same query count at every size; a 1,000-replica refresh within 1.5x the 10-replica
one.

Each size is one deployment (90 % stable, 10 % canary pods) with every series the vLLM profile
reads: HTTP codes, five histograms with vLLM's buckets, the queue gauge, DCGM and cAdvisor per
pod, kube-state-metrics per Deployment. A refresh is what the dashboard does every second: current
values over the rate window plus the 5-minute sparkline history (fetched once, then its tail).

Two modes: raw (every query reads every pod's series) and recording rules (the rules from
``inference-console prometheus rules`` for the bench's deployments and 2m window, their results
backfilled over the same span with ``promtool tsdb create-blocks-from rules`` and loaded by
restarting the server with the new blocks; the source reads the recorded series).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from console.config import DeploymentConfig, PrometheusConfig
from console.model import DeploymentSpec, Track
from console.sim.histogram import E2E_BUCKETS, ITL_BUCKETS, TOKEN_BUCKETS, TTFT_BUCKETS
from console.sim.pods import PodNamer
from console.sources.prometheus import PrometheusSource
from console.sources.prometheus_config import rule_groups
from console.sources.prometheus_recorded import RecordedPrometheusSource
from console.sources.promql import PrometheusClient
from console.sources.recording import rules_yaml
from tests.prom import Prometheus
from tests.prom_rules import backfill_rules

SIZES = (10, 100, 1000)
SCRAPE_S = 30
SPAN_S = 8 * 60
WINDOW_S = 120.0
HISTORY_S = 300.0
REFRESHES = 15
RULE_EVAL = "15s"
HISTOGRAMS = (
    ("vllm:request_prompt_tokens", TOKEN_BUCKETS, 420.0),
    ("vllm:request_generation_tokens", TOKEN_BUCKETS, 180.0),
    ("vllm:time_to_first_token_seconds", TTFT_BUCKETS, 0.2),
    ("vllm:inter_token_latency_seconds", ITL_BUCKETS, 0.02),
    ("vllm:e2e_request_latency_seconds", E2E_BUCKETS, 4.0),
)


def spec(size: int) -> DeploymentSpec:
    return DeploymentSpec(
        name=f"fleet-{size}", namespace=f"bench-{size}", stable="llama-v1", canary="llama-v2"
    )


def write_history(path: Path, end: int) -> int:
    """Every size's series from ``end - SPAN_S`` to ``end``; returns the number of series."""
    times = range(end - SPAN_S, end + 1, SCRAPE_S)
    start = times[0]
    count = 0
    with path.open("w", encoding="utf-8") as out:

        def series(name: str, labels: str, per_s: float, gauge: bool = False) -> None:
            nonlocal count
            count += 1
            out.writelines(
                f"{name}{{{labels}}} {per_s if gauge else per_s * (t - start)} {t}\n" for t in times
            )

        pods: list[tuple[str, str, float]] = []
        for size in SIZES:
            s = spec(size)
            canary = max(1, size // 10)
            for deployment, n in ((s.stable, size - canary), (s.canary, canary)):
                namer = PodNamer(deployment, size)
                pods += [(s.namespace, namer.next(), 1.0 + (i % 7) / 10) for i in range(n)]
        out.write("# TYPE http_requests_total counter\n")
        for ns, pod, rate in pods:
            for status, share in (("2xx", 0.98), ("4xx", 0.015), ("5xx", 0.005)):
                labels = f'namespace="{ns}",pod="{pod}",handler="/v1/chat/completions",'
                series(
                    "http_requests_total", labels + f'method="POST",status="{status}"', rate * share
                )
        for name, bounds, value in HISTOGRAMS:
            out.write(f"# TYPE {name} histogram\n")
            for ns, pod, rate in pods:
                base = f'namespace="{ns}",pod="{pod}",model_name="llama-3-8b",engine="0"'
                for bound in (*bounds, float("inf")):
                    le = "+Inf" if bound == float("inf") else repr(bound)
                    series(f"{name}_bucket", f'{base},le="{le}"', rate if value <= bound else 0.0)
                series(f"{name}_sum", base, rate * value)
                series(f"{name}_count", base, rate)
        for name, kind, value in (
            ("vllm:num_requests_waiting", "gauge", 1.0),
            ("container_memory_working_set_bytes", "gauge", 1.2e10),
            ("container_cpu_usage_seconds_total", "counter", 2.5),
        ):
            out.write(f"# TYPE {name} {kind}\n")
            for ns, pod, _ in pods:
                extra = ',container="vllm"' if name.startswith("container") else ""
                series(name, f'namespace="{ns}",pod="{pod}"{extra}', value, kind == "gauge")
        for name, value in (
            ("DCGM_FI_DEV_GPU_UTIL", 60.0),
            ("DCGM_FI_DEV_FB_USED", 40000.0),
            ("DCGM_FI_DEV_FB_FREE", 40000.0),
        ):
            out.write(f"# TYPE {name} gauge\n")
            for ns, pod, _ in pods:
                labels = f'gpu="0",exported_namespace="{ns}",exported_pod="{pod}"'
                series(name, labels, value, gauge=True)
        for name in ("kube_deployment_spec_replicas", "kube_deployment_status_replicas",
                     "kube_deployment_status_replicas_available"):  # fmt: skip
            out.write(f"# TYPE {name} gauge\n")
            for size in SIZES:
                s = spec(size)
                canary = max(1, size // 10)
                for deployment, n in ((s.stable, size - canary), (s.canary, canary)):
                    labels = f'namespace="{s.namespace}",deployment="{deployment}"'
                    series(name, labels, float(n), gauge=True)
        out.write("# EOF\n")
    return count


def write_rules(path: Path) -> int:
    """The recording rules of every size's deployment (the bench's 2m window); returns the count."""
    prom = PrometheusConfig(recording_windows=(WINDOW_S,))
    groups = rule_groups(prom, [DeploymentConfig(**spec(size).model_dump()) for size in SIZES])
    path.write_text(rules_yaml(groups), encoding="utf-8")
    return sum(len(rules) for _, rules in groups)


Result = tuple[float, float, int, str, float | None]


def measure(url: str, size: int, end: int, rules: bool) -> Result:
    """(first refresh s, median steady refresh s, queries first, queries per steady refresh:
    the panels' instant queries, plus their range queries when a new history point is due,
    stable requests/s)."""
    client = PrometheusClient(url, timeout=30)
    source = (
        RecordedPrometheusSource(client, windows=(WINDOW_S,)) if rules else PrometheusSource(client)
    )
    try:
        at = end - REFRESHES - 5
        started = time.perf_counter()
        source.snapshot(spec(size), WINDOW_S, HISTORY_S, at=at)
        first = time.perf_counter() - started
        first_queries = source.queries
        times: list[float] = []
        queries: list[int] = []
        for i in range(1, REFRESHES + 1):
            started = time.perf_counter()
            snap = source.snapshot(spec(size), WINDOW_S, HISTORY_S, at=at + i)
            times.append(time.perf_counter() - started)
            queries.append(source.queries)
        stable = snap.tracks[Track.STABLE]
        assert stable.replicas.serving == size - max(1, size // 10), stable.replicas
        q = f"{min(queries)}-{max(queries)}"
        return first, statistics.median(times), first_queries, q, stable.requests_per_s
    finally:
        source.close()


def report(title: str, results: dict[int, Result]) -> float:
    base_first, base_steady = results[SIZES[0]][0], results[SIZES[0]][1]
    print(f"  {title}")
    print(f"  {'replicas':>8}  {'first (history)':>16}  {'refresh (median)':>16}  "
          f"{'vs 10':>6}  queries first / refresh")  # fmt: skip
    for size, (first, steady, q_first, q_steady, _) in results.items():
        print(
            f"  {size:>8}  {first * 1000:>13.1f} ms  {steady * 1000:>13.1f} ms  "
            f"{steady / base_steady:>5.2f}x  {q_first:>5} / {q_steady}"
        )
    ratio = results[SIZES[-1]][1] / base_steady
    same = len({r[3] for r in results.values()}) == 1 and len({r[2] for r in results.values()}) == 1
    print(f"  first-refresh ratio 1000/10: {results[SIZES[-1]][0] / base_first:.2f}x")
    print(f"  target: same query count at every size ({'met' if same else 'NOT met'}); "
          f"1,000-replica refresh <= 1.5x the 10-replica one ({ratio:.2f}x: "
          f"{'met' if ratio <= 1.5 else 'NOT met'})")  # fmt: skip
    return ratio


def main() -> None:
    print("Refresh cost against a real Prometheus (vLLM profile, 2m rate window, 5m history)")
    end = int(time.time()) // 60 * 60 - 3600
    with tempfile.TemporaryDirectory(prefix="bench-refresh-") as tmp:
        path = Path(tmp) / "fleet.om"
        started = time.perf_counter()
        n = write_history(path, end)
        took = time.perf_counter() - started
        print(f"  {n:,} series over {SPAN_S // 60} min written in {took:.1f} s", flush=True)
        started = time.perf_counter()
        with Prometheus(
            openmetrics=path, ready_query="count_over_time(kube_deployment_spec_replicas[3h])"
        ) as p:
            path.unlink()
            print(f"  Prometheus ready with the history in {time.perf_counter() - started:.1f} s")
            measure(p.url, SIZES[0], end, rules=False)  # warm-up: the first refresh pays more
            raw = {size: measure(p.url, size, end, rules=False) for size in SIZES}
            rules_path = Path(tmp) / "rules.yml"
            count = write_rules(rules_path)
            started = time.perf_counter()
            backfill_rules(p, rules_path, end - SPAN_S, end, RULE_EVAL)
            print(f"  {count} recording rules backfilled every {RULE_EVAL} and loaded in "
                  f"{time.perf_counter() - started:.1f} s")  # fmt: skip
            measure(p.url, SIZES[0], end, rules=True)  # warm-up, after the restart too
            recorded = {size: measure(p.url, size, end, rules=True) for size in SIZES}
    for size in SIZES:
        got, want = recorded[size][4], raw[size][4]
        assert got is not None and want is not None and abs(got - want) <= 1e-9 * want, size
    report("raw series", raw)
    report("recording rules (inference-console prometheus rules)", recorded)


if __name__ == "__main__":
    main()
