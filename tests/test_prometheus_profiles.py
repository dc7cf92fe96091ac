"""Each profile against a real Prometheus holding backfilled vLLM, TGI and SGLang series: every
panel value worked out by hand from the pods' steady loads, decoys left out, history exact."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.errors import SourceError
from console.model import DeploymentSpec, Track, TrackValues
from console.profiles import PROFILES, apply_prefix
from console.sources.prometheus import PrometheusSource
from console.sources.promql import PrometheusClient
from tests import prom_profiles as P
from tests.prom import Prometheus

SPEC = DeploymentSpec(name="llama", namespace=P.NAMESPACE, stable="llama-v1", canary="llama-v2")
WINDOW_S = 300.0
GIB = 2**30


class Backfilled:
    def __init__(self, prometheus: Prometheus, end: int) -> None:
        self.prometheus = prometheus
        self.end = end

    def source(self, profile: str = "vllm", **kwargs: object) -> PrometheusSource:
        return PrometheusSource(PrometheusClient(self.prometheus.url), profile, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfilled]:
    end = int(time.time()) // 60 * 60 - 3600
    history = tmp_path_factory.mktemp("profiles") / "fleet.om"
    P.write_fleet(history, end)
    with Prometheus(openmetrics=history, ready_query="count_over_time(tgi_queue_size[2h])") as p:
        yield Backfilled(p, end)


def in_bucket(bounds: tuple[float, ...], value: float, q: float) -> float:
    """The quantile of observations that all equal ``value``: linear inside its bucket."""
    lower = 0.0
    for upper in bounds:
        if value <= upper:
            return lower + (upper - lower) * q
        lower = upper
    raise AssertionError("value above the top bucket")


def expected(profile: str, pods: tuple[P.PodLoad, ...]) -> dict[str, float | None]:
    ok = sum(p.ok for p in pods)
    bad = sum(p.bad for p in pods)
    fault = sum(p.fault for p in pods)
    one = pods[0]  # within a track every pod observes the same values
    buckets = {
        "vllm": (P.VLLM_TOKENS, P.VLLM_TOKENS, P.VLLM_TTFT, P.VLLM_ITL, P.VLLM_E2E),
        "tgi": (P.TGI_INPUT, P.TGI_GENERATED, P.TGI_DURATION, P.TGI_DURATION, P.TGI_DURATION),
        "sglang": (P.SGLANG_TOKENS, P.SGLANG_TOKENS, P.SGLANG_TTFT, P.SGLANG_ITL, P.SGLANG_E2E),
    }[profile]
    out: dict[str, float | None] = {
        "requests_per_s": ok + bad + fault,
        "codes_per_s.2xx": ok,
        "codes_per_s.4xx": bad,
        "codes_per_s.5xx": fault,
        "error_share": fault / (ok + bad + fault),
        "input_tokens.mean": one.prompt,
        "output_tokens.mean": one.output,
        "input_tokens.p90": in_bucket(buckets[0], one.prompt, 0.9),
        "output_tokens.p90": in_bucket(buckets[1], one.output, 0.9),
        "queue_depth": sum(p.queue for p in pods),
        "kv_cache_used_fraction": None if profile == "tgi" else sum(p.kv for p in pods) / len(pods),
        "cpu_cores": sum(p.cpu_cores for p in pods),
        "host_memory_bytes": sum(p.memory for p in pods),
        "gpu_memory_used_fraction": sum(p.gpu_used_mib for p in pods)
        / sum(p.gpu_used_mib + p.gpu_free_mib + p.gpu_reserved_mib for p in pods),
        "gpu_utilization_fraction": sum(p.gpu_util for p in pods) / len(pods) / 100,
        "running": sum(p.running for p in pods),
        "targets_down": sum(1 for p in pods if p.down),
    }
    # Server-side failures: HTTP 5xx, or the engine's own count where larger (vLLM's failures
    # after the stream began answered 200; TGI's "incomplete" is its 500).
    engine_errors = {"vllm": sum(p.stream_errors for p in pods), "tgi": fault, "sglang": 0.0}
    failed = max(fault, engine_errors[profile])
    out["failed_per_s"] = failed
    out["error_share"] = failed / (ok + bad + fault)
    out["finish_per_s.abort"] = (
        sum(p.aborted for p in pods) if profile != "tgi" else 7.0 * len(pods)
    )
    if profile != "sglang":
        out["finish_per_s.error"] = engine_errors[profile]
    if profile == "vllm":
        out["finish_per_s.stop"] = ok * 0.75
        out["finish_per_s.length"] = ok * 0.25
    else:
        out["finish_per_s.stop"] = out["finish_per_s.length"] = None
    if profile != "tgi":
        out["prefix_cache_hit_fraction"] = one.cached
    queue_bounds = {"vllm": P.VLLM_E2E, "tgi": P.TGI_DURATION, "sglang": P.SGLANG_QUEUE}[profile]
    queue_time = one.ttft / 4 if profile == "tgi" else one.queue_time
    for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        if profile == "tgi":
            ttft = in_bucket(buckets[2], one.ttft / 4, q) + in_bucket(
                buckets[2], one.ttft * 3 / 4, q
            )
        else:
            ttft = in_bucket(buckets[2], one.ttft, q)
        out[f"ttft_s.{label}"] = ttft
        out[f"itl_s.{label}"] = in_bucket(buckets[3], one.itl, q)
        out[f"tps.{label}"] = 1 / in_bucket(buckets[3], one.itl, q)
        out[f"e2e_s.{label}"] = in_bucket(buckets[4], one.e2e, q)
        out[f"queue_time_s.{label}"] = in_bucket(queue_bounds, queue_time, q)
        if profile == "vllm":
            out[f"tpot_s.{label}"] = in_bucket(P.VLLM_ITL, one.tpot, q)
        elif profile == "tgi":  # TGI's per-request mean time per token is its TPOT
            out[f"tpot_s.{label}"] = in_bucket(P.TGI_DURATION, one.itl, q)
    return out


def assert_values(values: TrackValues, want: dict[str, float | None]) -> None:
    got = values.flat()
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9), key


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["vllm", "tgi", "sglang"])
def test_profile_values_match_the_pods(backfilled: Backfilled, profile: str) -> None:
    source = backfilled.source(profile)
    snap = source.snapshot(SPEC, WINDOW_S, at=backfilled.end)
    assert_values(snap.tracks[Track.STABLE], expected(profile, P.STABLE_PODS))
    assert_values(snap.tracks[Track.CANARY], expected(profile, P.CANARY_PODS))
    stable, canary = snap.tracks[Track.STABLE].replicas, snap.tracks[Track.CANARY].replicas
    assert (stable.desired, stable.serving, stable.starting) == (3, 2, 1)
    assert (canary.desired, canary.serving, canary.starting) == (1, 1, 0)
    # One request per panel for both tracks, whatever the fleet.
    assert source.queries == len(source.panels) == 6
    if profile == "tgi":
        assert "TTFT estimated" in PROFILES["tgi"].note
        assert source.name.endswith("(tgi, TTFT estimated)")
    source.close()


@pytest.mark.slow
def test_missing_series_are_null_never_zero(backfilled: Backfilled) -> None:
    source = backfilled.source()
    spec = SPEC.model_copy(update={"stable": "llama-v9", "canary": "llama-v8"})
    snap = source.snapshot(spec, WINDOW_S, at=backfilled.end)
    for track in Track:
        flat = snap.tracks[track].flat()
        assert all(v is None for v in flat.values()), flat
    source.close()


@pytest.mark.slow
def test_selector_override_and_value_override(backfilled: Backfilled) -> None:
    only_one = f'namespace="{P.NAMESPACE}",pod="{P.STABLE_PODS[0].name}"'
    source = backfilled.source(
        overrides={"ttft_s.p99": "vector(1.5)"},
        track_selectors={"llama": {Track.STABLE: only_one}},
    )
    snap = source.snapshot(SPEC, WINDOW_S, at=backfilled.end)
    stable = snap.tracks[Track.STABLE]
    assert stable.requests_per_s == pytest.approx(P.STABLE_PODS[0].ok + P.STABLE_PODS[0].bad)
    assert stable.queue_depth == P.STABLE_PODS[0].queue
    assert stable.ttft_s.p99 == 1.5 and snap.tracks[Track.CANARY].ttft_s.p99 == 1.5
    assert stable.ttft_s.p50 == pytest.approx(in_bucket(P.VLLM_TTFT, 0.2, 0.5))
    source.close()


@pytest.mark.slow
def test_bad_override_reports_prometheus_own_message(backfilled: Backfilled) -> None:
    source = backfilled.source(
        overrides={"queue_depth": "sum(rate(vllm:num_requests_waiting{$sel}))"}
    )
    with pytest.raises(SourceError) as caught:
        source.snapshot(SPEC, WINDOW_S, at=backfilled.end)
    message = str(caught.value)
    assert message.startswith("queue panel: Prometheus at ")
    assert "bad_data" in message and "expected type range vector" in message
    source.close()


def test_metric_prefix_renames_only_the_server_metrics() -> None:
    renamed = apply_prefix(
        "sum(rate(vllm:prompt_tokens_total{$sel}[$window])) + sum(http_requests_total) "
        "+ max(kube_deployment_spec_replicas) + max(sglang:token_usage) + sum(tgi_queue_size)",
        "kserve_",
    )
    assert "kserve_vllm:prompt_tokens_total" in renamed
    assert "kserve_sglang:token_usage" in renamed and "kserve_tgi_queue_size" in renamed
    assert " http_requests_total" in renamed.replace("(", " ")
    assert "kserve_kube" not in renamed and "kserve_http" not in renamed


@pytest.mark.slow
def test_backfilled_history_is_deterministic_and_extended_by_its_tail(
    backfilled: Backfilled,
) -> None:
    end = backfilled.end
    source = backfilled.source()
    first = source.snapshot(SPEC, 60, history_s=600, at=end - 120)
    assert source.queries == 12  # the panels, instant and range
    later = source.snapshot(SPEC, 60, history_s=600, at=end)
    assert source.queries == 12
    again = source.snapshot(SPEC, 60, history_s=600, at=end + 3)
    assert source.queries == 6  # same step: nothing new to fetch
    fresh = backfilled.source().snapshot(SPEC, 60, history_s=600, at=end)
    for track in Track:
        assert later.histories[track] == fresh.histories[track]
        assert again.histories[track] == fresh.histories[track]
    history = later.histories[Track.STABLE]
    assert history.step_s == 6 and len(history.values("requests_per_s")) == 100
    data_from = end - P.SPAN_S
    for i, value in enumerate(history.values("requests_per_s")):
        at = history.start + i * history.step_s
        if at < data_from:
            assert value is None, at
        elif at >= data_from + 60:
            assert value == pytest.approx(6.2), at
    assert first.histories[Track.STABLE].start == history.start - 120
    assert math.isclose(history.values("e2e_s.p50")[-1] or 0, in_bucket(P.VLLM_E2E, 4.0, 0.5))
    source.close()


@pytest.mark.slow
def test_composed_queries_never_name_a_pod(backfilled: Backfilled) -> None:
    source = backfilled.source()
    expressions = source.expressions(source.selectors(SPEC), "60s")
    assert set(expressions) == {"codes", "sizes", "latency", "replicas", "utilisation", "queue"}
    text = " ".join(expressions.values())
    assert all(pod.name not in text for pod in P.PODS)
    source.close()


def test_history_file_follows_the_exposition_rules(tmp_path: Path) -> None:
    path = tmp_path / "fleet.om"
    P.write_fleet(path, 1_700_000_000)
    text = path.read_text()
    assert text.endswith("# EOF\n")
    assert "tgi_request_success{" in text and "tgi_request_success_total" not in text
    assert 'status_code="503"' in text and 'le="+Inf"' in text


def test_cost_gpu_utilisation_falls_back_to_the_pod_label(backfilled: Backfilled) -> None:
    """DCGM scraped with honorLabels carries pod/namespace, not exported_*: the cost meter reads
    it as the panels do (the canary's pod here; its stable side has no DCGM series)."""
    from console.sources.cost_inputs import PrometheusCostInputs

    spec = SPEC.model_copy(update={"stable": "llama-v2", "canary": "llama-v9"})
    client = PrometheusClient(backfilled.prometheus.url)
    usage = PrometheusCostInputs(client).usage(spec, 300.0, at=backfilled.end)
    assert usage.utilization == pytest.approx(P.CANARY_PODS[0].gpu_util / 100)
    client.close()
