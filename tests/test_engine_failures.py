"""Each engine's own exposition, served live and scraped by a real Prometheus every second: a TGI
canary whose batches fail (``err="generation"``, HTTP 424) and a vLLM canary whose streams fail
after they began (HTTP 200, ``finished_reason="error"``) are failing in the snapshot's error share
and in the gates; an SGLang fleet's new values (running, queue time, prefix-cache hits) arrive."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from console.config import GatesConfig
from console.gates import GateStatus, evaluate
from console.model import DeploymentSpec, FleetSnapshot, Health, Track
from console.sources.prometheus import PrometheusSource
from console.sources.promql import PrometheusClient
from tests.engine_exposition import EngineServer, Load, namespace_of
from tests.prom import Prometheus
from tests.waiting import eventually

pytestmark = pytest.mark.slow  # starts Prometheus
STABLE_POD = "llama-v1-7d9c5b8f4-x2x9k"
CANARY_POD = "llama-v2-5c6b7f8d9-k2p7r"
WINDOW_S = 8.0
HEALTHY = Load()
PODS = {
    ("tgi", STABLE_POD): HEALTHY,
    # Every third request fails in the model: TGI answers 424, counts err="generation".
    ("tgi", CANARY_POD): Load(ok=6.0, generation_failures=3.0),
    ("vllm", STABLE_POD): HEALTHY,
    # A quarter of the streams fail mid-way: HTTP said 200 before the failure.
    ("vllm", CANARY_POD): Load(ok=6.0, stream_errors=2.0),
    ("sglang", STABLE_POD): HEALTHY,
    ("sglang", CANARY_POD): Load(queue_time=0.4, running=3),
}
GATES = GatesConfig(min_requests=20, max_error_share=0.02)


@pytest.fixture(scope="module")
def scraped() -> Iterator[Prometheus]:
    server = EngineServer(PODS)
    with server, Prometheus(scrape_configs=server.scrape_configs("1s")) as prometheus:
        # Enough samples of every pod for a rate over the window (and a few more).
        query = f"min(count_over_time(up[{int(WINDOW_S) + 4}s]))"
        client = PrometheusClient(prometheus.url)

        def filled() -> bool:
            value = client.scalar(query)
            return value is not None and value >= WINDOW_S + 3

        eventually(filled, "a window of samples from every pod", 60)
        client.close()
        yield prometheus


def snapshot(prometheus: Prometheus, engine: str) -> FleetSnapshot:
    spec = DeploymentSpec(
        name="llama", namespace=namespace_of(engine), stable="llama-v1", canary="llama-v2"
    )
    source = PrometheusSource(PrometheusClient(prometheus.url), engine, scrape_interval=1.0)
    try:
        return source.snapshot(spec, WINDOW_S, at=time.time())
    finally:
        source.close()


def test_tgi_generation_failures_are_errors(scraped: Prometheus) -> None:
    snap = snapshot(scraped, "tgi")
    canary, stable = snap.tracks[Track.CANARY], snap.tracks[Track.STABLE]
    # The HTTP classes stay true to what clients saw: 424 is a 4xx, there was no 5xx.
    assert canary.codes_per_s.server_error == 0
    assert canary.codes_per_s.client_error == pytest.approx(3.0 + 0.5, rel=0.15)
    # But the failures are the server's: the error share counts them.
    assert canary.failed_per_s == pytest.approx(3.0, rel=0.15)
    assert canary.error_share == pytest.approx(3.0 / (6.0 + 3.5), rel=0.15)
    assert canary.finish_per_s.error == pytest.approx(3.0, rel=0.15)
    assert stable.error_share == 0 and stable.finish_per_s.abort == pytest.approx(0.2, rel=0.3)
    report = evaluate(snap, GATES)
    gate = next(r for r in report.results if r.name == "error_share")
    assert gate.status is GateStatus.FAIL and "canary error share" in gate.detail
    assert report.health is Health.FAILING and not report.passed


def test_vllm_failures_after_the_stream_began_are_errors(scraped: Prometheus) -> None:
    snap = snapshot(scraped, "vllm")
    canary, stable = snap.tracks[Track.CANARY], snap.tracks[Track.STABLE]
    assert canary.codes_per_s.server_error == 0  # every stream had begun: HTTP 200
    assert canary.finish_per_s.error == pytest.approx(2.0, rel=0.15)
    assert canary.error_share == pytest.approx(2.0 / (6.0 + 2.0 + 0.2 + 0.5), rel=0.15)
    assert canary.finish_per_s.stop == pytest.approx(6.0 * 0.8, rel=0.15)
    assert stable.error_share == 0 and stable.finish_per_s.error == 0
    assert canary.running == 6 and canary.queue_time_s.p50 is not None
    report = evaluate(snap, GATES)
    assert report.health is Health.FAILING
    assert "canary error share" in report.reason


def test_a_healthy_canary_passes_the_error_gate(scraped: Prometheus) -> None:
    report = evaluate(snapshot(scraped, "sglang"), GATES)
    gate = next(r for r in report.results if r.name == "error_share")
    assert gate.status is GateStatus.PASS and gate.observed == 0, gate.detail


def test_sglang_values_from_its_own_exposition(scraped: Prometheus) -> None:
    snap = snapshot(scraped, "sglang")
    canary, stable = snap.tracks[Track.CANARY], snap.tracks[Track.STABLE]
    assert stable.running == 6 and canary.running == 3
    assert stable.queue_depth == 2 and stable.kv_cache_used_fraction == pytest.approx(0.3)
    assert stable.prefix_cache_hit_fraction == pytest.approx(0.25, rel=0.05)
    assert canary.queue_time_s.p50 is not None and stable.queue_time_s.p50 is not None
    assert canary.queue_time_s.p50 > stable.queue_time_s.p50
    assert stable.finish_per_s.abort == pytest.approx(0.2, rel=0.3)
    assert stable.requests_per_s == pytest.approx(10.5, rel=0.15)
    assert stable.targets_down == 0
