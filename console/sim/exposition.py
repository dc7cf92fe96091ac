"""The simulated fleet in Prometheus text format: per-pod vLLM series plus kube-state-metrics,
DCGM (as scraped without honorLabels) and cAdvisor series, with the names, labels and buckets of
the real exporters."""

from __future__ import annotations

import math
from collections.abc import Iterator

from console.model import Track
from console.sim import layout as L
from console.sim.fleet import SimFleet
from console.sim.histogram import cumulate
from console.sim.track import GPU_BYTES, Pod, kv_fraction
from console.sim.track import pod_usage as usage_of

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MIB = 1024.0 * 1024.0
HANDLER = "/v1/chat/completions"
DCGM_POD = "dcgm-exporter-7x9kq"

#: (family, histogram in the layout, index of its _sum)
HISTOGRAMS = (
    ("vllm:time_to_first_token_seconds", "ttft", L.TTFT_SUM),
    ("vllm:inter_token_latency_seconds", "itl", L.ITL_SUM),
    ("vllm:e2e_request_latency_seconds", "e2e", L.E2E_SUM),
    ("vllm:request_prompt_tokens", "prompt", L.PROMPT_SUM),
    ("vllm:request_generation_tokens", "gen", L.GEN_SUM),
)


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


class Exposition:
    """Renders the fleet's current state; keeps each pod's cumulative CPU seconds between scrapes
    (cAdvisor exposes a counter, the simulation a per-tick CPU gauge)."""

    def __init__(self, fleet: SimFleet, model: str = "llama-3-8b") -> None:
        self.fleet = fleet
        self.model = model
        self._cpu: dict[str, tuple[int, float]] = {}

    def render(self) -> str:
        fleet = self.fleet
        with fleet.lock:
            t = fleet.sync()
            return "".join(line + "\n" for line in self._lines(t))

    def _pods(self) -> Iterator[tuple[Track, Pod]]:
        for track in Track:
            for pod in self.fleet.tracks[track].pods:
                yield track, pod

    def _lines(self, t: int) -> Iterator[str]:
        fleet = self.fleet
        ns = fleet.deployment.namespace
        pods = list(self._pods())
        engine = {track: self._engine(track, t) for track in Track}

        def family(name: str, kind: str, help_text: str) -> Iterator[str]:
            yield f"# HELP {name} {help_text}"
            yield f"# TYPE {name} {kind}"

        def pod_labels(pod: Pod, **extra: str) -> str:
            return _labels(model_name=self.model, engine="0", namespace=ns, pod=pod.name, **extra)

        yield from family("vllm:num_requests_running", "gauge", "Requests in the running batch.")
        for _, pod in pods:
            yield f"vllm:num_requests_running{pod_labels(pod)} {pod.running}"
        yield from family("vllm:num_requests_waiting", "gauge", "Requests waiting to be scheduled.")
        for track, pod in pods:
            yield f"vllm:num_requests_waiting{pod_labels(pod)} {engine[track].get(pod.name, 0)}"
        yield from family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage, 0 to 1.")
        for _, pod in pods:
            yield f"vllm:kv_cache_usage_perc{pod_labels(pod)} {_num(kv_fraction(pod))}"
        for name, index in (
            ("vllm:prompt_tokens", L.PROMPT_SUM),
            ("vllm:generation_tokens", L.GEN_SUM),
        ):
            yield from family(f"{name}_total", "counter", "Tokens processed.")
            for _, pod in pods:
                yield f"{name}_total{pod_labels(pod)} {_num(pod.counters[index])}"
        yield from family("vllm:request_success_total", "counter", "Finished requests.")
        for _, pod in pods:
            labels = pod_labels(pod, finished_reason="stop")
            yield f"vllm:request_success_total{labels} {_num(pod.counters[L.REQ_2XX])}"
        for name, hist, sum_index in HISTOGRAMS:
            first, bounds = L.HISTOGRAMS[hist]
            yield from family(name, "histogram", "Per-request distribution.")
            for _, pod in pods:
                cum = cumulate(pod.counters[first : first + len(bounds) + 1])
                for bound, value in zip((*bounds, math.inf), cum, strict=True):
                    labels = pod_labels(pod, le=_num(bound))
                    yield f"{name}_bucket{labels} {_num(value)}"
                yield f"{name}_sum{pod_labels(pod)} {_num(pod.counters[sum_index])}"
                yield f"{name}_count{pod_labels(pod)} {_num(cum[-1])}"
        yield from family("http_requests_total", "counter", "HTTP requests by status class.")
        for _, pod in pods:
            for status, index in (("2xx", L.REQ_2XX), ("4xx", L.REQ_4XX), ("5xx", L.REQ_5XX)):
                labels = _labels(
                    handler=HANDLER, method="POST", status=status, namespace=ns, pod=pod.name
                )
                yield f"http_requests_total{labels} {_num(pod.counters[index])}"
        yield from self._kube_state(t)
        yield from self._dcgm(pods, t)
        yield from self._cadvisor(pods, t)

    def _engine(self, track: Track, t: int) -> dict[str, int]:
        """The track's shared queue spread over its ready pods (the per-pod waiting gauge)."""
        sim = self.fleet.tracks[track]
        ready = [p for p in sim.pods if p.ready(t)]
        if not ready:
            return {}
        n = len(sim.queue)
        share, extra = divmod(n, len(ready))
        return {p.name: share + (1 if i < extra else 0) for i, p in enumerate(ready)}

    def _kube_state(self, t: int) -> Iterator[str]:
        fleet = self.fleet
        rows = []
        for track in Track:
            sim = fleet.tracks[track]
            ready = sum(1 for p in sim.pods if p.ready(t))
            rows.append((fleet.name_of(track), sim.desired, len(sim.pods), ready))
        ns = fleet.deployment.namespace
        for metric, column in (
            ("kube_deployment_spec_replicas", 1),
            ("kube_deployment_status_replicas", 2),
            ("kube_deployment_status_replicas_ready", 3),
            ("kube_deployment_status_replicas_available", 3),
        ):
            yield f"# TYPE {metric} gauge"
            for row in rows:
                yield f"{metric}{_labels(namespace=ns, deployment=str(row[0]))} {row[column]}"

    def _dcgm(self, pods: list[tuple[Track, Pod]], t: int) -> Iterator[str]:
        ns = self.fleet.deployment.namespace
        usage = {pod.name: usage_of(pod, t) for _, pod in pods}
        for metric, pick in (
            ("DCGM_FI_DEV_GPU_UTIL", lambda u: round(u[1] * 100)),
            ("DCGM_FI_DEV_FB_USED", lambda u: round(u[0] / MIB)),
            ("DCGM_FI_DEV_FB_FREE", lambda u: round(GPU_BYTES / MIB) - round(u[0] / MIB)),
        ):
            yield f"# TYPE {metric} gauge"
            for i, (_, pod) in enumerate(pods):
                labels = _labels(
                    gpu="0",
                    UUID=f"GPU-{i:08x}-sim",
                    device="nvidia0",
                    modelName="NVIDIA H100 80GB HBM3",
                    Hostname=f"gpu-node-{i}",
                    container="nvidia-dcgm-exporter",
                    namespace="gpu-operator",
                    pod=DCGM_POD,
                    exported_container="vllm",
                    exported_namespace=ns,
                    exported_pod=pod.name,
                )
                yield f"{metric}{labels} {pick(usage[pod.name])}"

    def _cadvisor(self, pods: list[tuple[Track, Pod]], t: int) -> Iterator[str]:
        ns = self.fleet.deployment.namespace
        totals = []
        for _, pod in pods:
            _, _, cores, host = usage_of(pod, t)
            since, total = self._cpu.get(pod.name, (t, 0.0))
            total += cores * (t - since)
            self._cpu[pod.name] = (t, total)
            totals.append((pod, total, host))
        alive = {pod.name for _, pod in pods}
        for gone in [name for name in self._cpu if name not in alive]:
            del self._cpu[gone]
        yield "# TYPE container_cpu_usage_seconds_total counter"
        for pod, total, _ in totals:
            labels = _labels(container="vllm", namespace=ns, pod=pod.name)
            yield f"container_cpu_usage_seconds_total{labels} {_num(total)}"
        yield "# TYPE container_memory_working_set_bytes gauge"
        for pod, _, host in totals:
            labels = _labels(container="vllm", namespace=ns, pod=pod.name)
            yield f"container_memory_working_set_bytes{labels} {_num(round(host))}"
