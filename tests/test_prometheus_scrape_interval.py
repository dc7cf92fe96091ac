"""A fleet scraped every 60 s: a 1 m rate window holds one sample and ``rate`` returns nothing, so
the source widens the window to four scrape intervals, learned from Prometheus's targets (or
configured), and says so. Real Prometheus, history backfilled at 60 s steps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.model import DeploymentSpec, FleetSnapshot, Track, TrackValues
from console.sources.prom_interval import (
    RELEARN_S,
    RETRY_S,
    ScrapeIntervals,
    interval_of,
    parse_duration,
)
from console.sources.prometheus import PrometheusSource
from console.sources.promql import PrometheusClient
from console.tui.screens.header_data import _window
from tests import prom_profiles as P
from tests.prom import Prometheus
from tests.prom_fault import FaultServer
from tests.waiting import eventually

pytestmark = pytest.mark.slow  # starts Prometheus
SPEC = DeploymentSpec(name="llama", namespace=P.NAMESPACE, stable="llama-v1", canary="llama-v2")
#: Targets as service discovery would label them; nothing listens there (the data is backfilled).
JOBS = f"""  - job_name: inference
    scrape_interval: 60s
    static_configs:
      - targets: ['127.0.0.1:9']
        labels: {{namespace: {P.NAMESPACE}, pod: {P.STABLE_PODS[0].name}}}
      - targets: ['127.0.0.1:10']
        labels: {{namespace: {P.NAMESPACE}, pod: {P.CANARY_PODS[0].name}}}
  - job_name: other-team
    scrape_interval: 5m
    static_configs:
      - targets: ['127.0.0.1:11']
        labels: {{namespace: other-team, pod: llama-v1-7d9c5b8f4-x2x9k}}
"""


@pytest.fixture(scope="module")
def slow_scrapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Prometheus, int]]:
    end = int(time.time()) // 60 * 60 - 3600
    history = tmp_path_factory.mktemp("slow") / "fleet.om"
    P.write_fleet(history, end, scrape_s=60)
    with Prometheus(
        openmetrics=history, ready_query="count_over_time(tgi_queue_size[2h])", scrape_configs=JOBS
    ) as prometheus:
        # Service discovery lists targets a few seconds after start, as on a fresh server.
        eventually(lambda: _targets(prometheus) == 3, "the three scrape targets", 20)
        yield prometheus, end


def _targets(prometheus: Prometheus) -> int:
    with PrometheusClient(prometheus.url) as client:
        return len(client.get_json("/api/v1/targets", {"state": "active"})["activeTargets"])


def _source(prometheus: Prometheus, **kwargs: object) -> PrometheusSource:
    return PrometheusSource(PrometheusClient(prometheus.url), "vllm", **kwargs)  # type: ignore[arg-type]


def test_panels_have_values_at_a_60s_scrape_interval(slow_scrapes: tuple[Prometheus, int]) -> None:
    prometheus, end = slow_scrapes
    source = _source(prometheus)
    snap = source.snapshot(SPEC, 60.0, history_s=1800.0, at=end - 30)
    assert snap.window_s == 240.0 and snap.requested_window_s == 60.0
    stable = snap.tracks[Track.STABLE]
    pods = P.STABLE_PODS
    assert stable.requests_per_s == pytest.approx(sum(p.ok + p.bad + p.fault for p in pods))
    assert stable.ttft_s.p99 is not None and stable.itl_s.p99 is not None
    assert snap.tracks[Track.CANARY].error_share is not None
    # The sparklines use the widened window too: the newest points have values.
    assert snap.histories[Track.STABLE].values("requests_per_s")[-1] == pytest.approx(
        stable.requests_per_s
    )
    # One targets lookup, then the learned interval is kept.
    source.snapshot(SPEC, 60.0, at=end - 30)
    assert source.intervals.lookups == 1
    source.close()


def test_without_widening_the_same_panels_are_empty(slow_scrapes: tuple[Prometheus, int]) -> None:
    """What the widening fixes: told the scrape interval is 15 s, the 1 m window stays, and every
    rate is empty (missing data, not zero)."""
    prometheus, end = slow_scrapes
    source = _source(prometheus, scrape_interval=15.0)
    snap = source.snapshot(SPEC, 60.0, at=end - 30)  # between two scrapes, as a refresh falls
    assert snap.window_s == 60.0 and snap.requested_window_s is None
    values = snap.tracks[Track.STABLE]
    assert values.requests_per_s is None and values.ttft_s.p99 is None
    assert values.queue_depth is not None  # gauges need no window
    source.close()


def test_configured_interval_wins_and_costs_no_lookup(
    slow_scrapes: tuple[Prometheus, int],
) -> None:
    prometheus, end = slow_scrapes
    source = _source(prometheus, scrape_interval=120.0)
    snap = source.snapshot(SPEC, 300.0, at=end)
    assert snap.window_s == 480.0 and snap.requested_window_s == 300.0
    assert source.intervals.lookups == 0
    # A window already four intervals wide is left as asked.
    assert source.snapshot(SPEC, 600.0, at=end).requested_window_s is None
    source.close()


def test_the_targets_of_the_deployment_decide(slow_scrapes: tuple[Prometheus, int]) -> None:
    prometheus, _ = slow_scrapes
    client = PrometheusClient(prometheus.url)
    targets = client.get_json("/api/v1/targets", {"state": "active"})["activeTargets"]
    client.close()
    assert interval_of(targets, SPEC) == 60.0  # not the other team's 5 m
    other = SPEC.model_copy(update={"namespace": "other-team"})
    assert interval_of(targets, other) == 300.0
    assert interval_of(targets, SPEC.model_copy(update={"namespace": "nowhere"})) is None


def test_prometheus_durations() -> None:
    assert parse_duration("1m30s") == 90.0 and parse_duration("500ms") == 0.5
    assert parse_duration("2h") == 7200.0
    for bad in ("", "1x", "m", "1m 30s", "-1s", "0s"):
        assert parse_duration(bad) is None, bad


def test_header_says_the_window_was_widened() -> None:
    snap = FleetSnapshot(
        deployment="llama",
        source="prometheus",
        at=datetime.now(UTC),
        window_s=240.0,
        requested_window_s=60.0,
        tracks={t: TrackValues() for t in Track},
    )
    assert _window(60.0, snap) == "1m widened to 4m"
    assert _window(60.0, snap.model_copy(update={"requested_window_s": None})) == "1m"
    assert _window(60.0, None) == "1m"


def test_lookups_are_kept_and_a_missing_match_is_retried_sooner(
    slow_scrapes: tuple[Prometheus, int],
) -> None:
    prometheus, _ = slow_scrapes
    clock = ManualClock(1000.0)
    client = PrometheusClient(prometheus.url)
    intervals = ScrapeIntervals(client, clock)
    nowhere = SPEC.model_copy(update={"namespace": "nowhere"})
    assert intervals.of(SPEC) == 60.0 and intervals.of(nowhere) is None
    assert intervals.lookups == 2
    clock.advance(RETRY_S + 1)
    assert intervals.of(SPEC) == 60.0 and intervals.of(nowhere) is None
    assert intervals.lookups == 3  # only the one that found nothing asked again
    clock.advance(RELEARN_S)
    intervals.of(SPEC)
    assert intervals.lookups == 4
    client.close()


def test_a_targets_answer_over_the_size_limit_leaves_the_window_and_is_not_asked_again() -> None:
    clock = ManualClock(1000.0)
    with FaultServer("huge") as server, PrometheusClient(server.url) as client:
        intervals = ScrapeIntervals(client, clock)
        assert intervals.window(SPEC, 60.0) == 60.0
        clock.advance(RETRY_S + 1)
        assert intervals.window(SPEC, 60.0) == 60.0
        assert intervals.lookups == 1


def test_snapshot_text_says_the_window_was_widened() -> None:
    from console.commands.snapshot import SnapshotJSON, render_text

    snap = FleetSnapshot(
        deployment="llama",
        source="prometheus",
        at=datetime.now(UTC),
        window_s=240.0,
        requested_window_s=60.0,
        tracks={t: TrackValues() for t in Track},
    )
    first = render_text(SnapshotJSON.of(snap)).splitlines()[0]
    assert first.endswith("over 240s (widened from 60s: four scrape intervals)")
