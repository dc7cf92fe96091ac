"""Old samples against a real Prometheus: an instant query returns a series' last sample for the
5 m lookback, so a track whose pods stopped being scraped keeps its last values. The source reads
each track's newest engine sample time in the queue panel's request and marks the snapshot stale
with the track and its age, raw and with recording rules; the header and ``snapshot --json`` say
so."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.cli import main
from console.clock import ManualClock
from console.commands.common import load
from console.config import DeploymentConfig, PrometheusConfig
from console.factory import build_context
from console.model import Track
from console.sources.prometheus import PrometheusSource
from console.sources.prometheus_config import build_source, rule_groups
from console.sources.prometheus_recorded import RecordedPrometheusSource
from console.sources.recording import rules_yaml
from console.tui.app import ConsoleApp
from tests import prom_profiles as P
from tests.prom import Prometheus
from tests.prom_rules import backfill_rules
from tests.support import header_text
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # starts processes

DEPLOYMENT = DeploymentConfig(
    name="llama", namespace=P.NAMESPACE, stable="llama-v1", canary="llama-v2"
)
SPEC = DEPLOYMENT.spec()
#: The canary's pod stops being scraped this long before the end of the data.
AGED_S = 180
READY = "count_over_time(tgi_queue_size[2h])"


def write_aged_fleet(path: Path, end: int, cut: int) -> None:
    """The profiles' fleet up to ``end``, but the canary pod's samples stop at ``cut``."""
    P.write_fleet(path, end)
    canary = P.CANARY_PODS[0].name
    kept = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if canary not in line or int(line.rsplit(" ", 1)[1]) <= cut
    ]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


class Aged:
    def __init__(self, prometheus: Prometheus, end: int) -> None:
        self.prometheus = prometheus
        self.end = end

    def source(self, profile: str = "vllm", **kw: object) -> PrometheusSource:
        prom = PrometheusConfig(url=self.prometheus.url, profile=profile, **kw)  # type: ignore[arg-type]
        return build_source(prom, [DEPLOYMENT])

    def query(self, expr: str, at: float) -> float:
        response = httpx.post(
            f"{self.prometheus.url}/api/v1/query", data={"query": expr, "time": str(at)}
        )
        return float(response.json()["data"]["result"][0]["value"][1])


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aged]:
    # On a boundary of promtool's 2 h blocks, the recorded series' hardest case (see below).
    end = int(time.time()) // 7200 * 7200
    tmp = tmp_path_factory.mktemp("aged")
    write_aged_fleet(tmp / "fleet.om", end, end - AGED_S)
    rules = tmp / "rules.yml"
    rules.write_text(rules_yaml(rule_groups(PrometheusConfig(), [DEPLOYMENT])), encoding="utf-8")
    with Prometheus(openmetrics=tmp / "fleet.om", ready_query=READY) as p:
        backfill_rules(p, rules, end - P.SPAN_S, end)
        yield Aged(p, end)


@pytest.mark.parametrize("profile", ["vllm", "tgi", "sglang"])
def test_a_track_no_longer_scraped_is_stale_with_its_age(aged: Aged, profile: str) -> None:
    source = aged.source(profile)
    snap = source.snapshot(SPEC, 300.0, at=aged.end)
    assert snap.stale is True
    assert snap.stale_reason == f"canary metrics {AGED_S}s old"
    assert source.queries == len(source.panels) == 6
    # The lookback still finds the canary's last samples: its values are shown, marked stale.
    canary, stable = snap.tracks[Track.CANARY], snap.tracks[Track.STABLE]
    assert canary.queue_depth == P.CANARY_PODS[0].queue
    assert canary.requests_per_s is not None and canary.requests_per_s > 0
    assert stable.queue_depth == sum(p.queue for p in P.STABLE_PODS)
    # Before the canary's samples had aged past the threshold: fresh.
    earlier = source.snapshot(SPEC, 300.0, at=aged.end - 150)
    assert earlier.stale is False and earlier.stale_reason is None
    assert source.queries == len(source.panels)
    source.close()


def test_the_threshold_is_the_configured_one(aged: Aged) -> None:
    lenient = aged.source(stale_after=AGED_S + 20)
    assert lenient.snapshot(SPEC, 300.0, at=aged.end).stale is False
    strict = aged.source(stale_after="10s")
    snap = strict.snapshot(SPEC, 300.0, at=aged.end - 150)
    assert snap.stale_reason == "canary metrics 30s old"
    lenient.close()
    strict.close()


def test_a_track_without_series_is_null_not_stale(aged: Aged) -> None:
    source = aged.source()
    snap = source.snapshot(SPEC.model_copy(update={"canary": "llama-v8"}), 300.0, at=aged.end)
    assert snap.stale is False
    assert all(v is None for v in snap.tracks[Track.CANARY].flat().values())
    source.close()


def test_recorded_series_stay_fresh_so_the_rules_record_the_sample_time(aged: Aged) -> None:
    source = aged.source(recording_rules=True)
    assert isinstance(source, RecordedPrometheusSource)
    queue = source.expressions(source.selectors(SPEC), "60s")["queue"]
    assert "namespace_track:vllm_num_requests_waiting:last_sample_time{" in queue
    assert "timestamp(" not in queue
    end = aged.end
    # Why reading the recorded series' own time would not do: the rules kept evaluating while
    # the canary's raw samples aged, so its recorded queue depth is as fresh as the stable one's.
    canary_sel = f'namespace="{P.NAMESPACE}",track="llama-v2"'
    recorded_at = aged.query(
        f"timestamp(namespace_track:vllm_num_requests_waiting:sum{{{canary_sel}}})", end
    )
    # promtool evaluates on the group's 15 s grid and ends each 2 h block a second before the
    # next begins; ``end`` is on a block boundary, so the newest evaluation is up to 16 s old.
    assert end - 16 < recorded_at <= end
    snap = source.snapshot(SPEC, 60.0, at=end)
    assert source.queries == len(source.panels) == 6
    assert snap.stale is True and snap.stale_reason == f"canary metrics {AGED_S}s old"
    assert snap.tracks[Track.CANARY].queue_depth == P.CANARY_PODS[0].queue
    earlier = source.snapshot(SPEC, 60.0, at=end - 150)
    assert earlier.stale is False and earlier.stale_reason is None
    source.close()


async def test_header_says_stale_with_the_reason(aged: Aged, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'refresh_interval = "0.2s"\n'
        f'[prometheus]\nurl = "{aged.prometheus.url}"\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\n'
        'stable = "llama-v1"\ncanary = "llama-v2"\n',
        encoding="utf-8",
    )
    clock = ManualClock(aged.end - 150)
    loaded = load(argparse.Namespace(config=config, demo=False, deployment=None))
    app = ConsoleApp(build_context(loaded, clock=clock))
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await wait_until(pilot, lambda: dash.polls >= 1, "a poll")
        assert dash.snapshot is not None and not dash.snapshot.stale
        assert not dash.is_stale() and "STALE" not in header_text(app)
        clock.advance(150)  # now the canary's newest sample is 180 s old
        polls = dash.polls
        dash.poll_now()
        await wait_until(pilot, lambda: dash.polls > polls, "the next poll")
        assert dash.snapshot.stale and dash.last_error == ""
        assert dash.is_stale()
        await wait_until(
            pilot, lambda: f"canary metrics {AGED_S}s old" in header_text(app), "the reason"
        )
        assert "STALE" in header_text(app)
        assert dash.snapshot.tracks[Track.CANARY].queue_depth == P.CANARY_PODS[0].queue


def test_snapshot_json_says_stale_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command reads at the wall clock: samples up to a few seconds ago for stable, the
    canary's ending more than three minutes ago (still inside the 5 m lookback)."""
    end = int(time.time()) - 5
    write_aged_fleet(tmp_path / "fleet.om", end, end - 210)
    with Prometheus(openmetrics=tmp_path / "fleet.om", ready_query=READY) as p:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[prometheus]\nurl = "{p.url}"\n'
            '[[deployments]]\nname = "llama"\nnamespace = "inference"\n'
            'stable = "llama-v1"\ncanary = "llama-v2"\n',
            encoding="utf-8",
        )
        assert main(["snapshot", "--config", str(config), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stale"] is True
    reason = out["stale_reason"]
    assert reason.startswith("canary metrics ") and reason.endswith("s old"), reason
    assert 210 <= int(reason.split()[2].removesuffix("s")) < 300
    assert out["tracks"]["canary"]["queue_depth"] == P.CANARY_PODS[0].queue
