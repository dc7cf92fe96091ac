"""Recording rules against a real Prometheus: the generated file loads and evaluates, and the
source reading the recorded series shows the same numbers as the raw queries evaluated at the
moment the rules were (backfilled over the raw history with ``promtool``); missing rules and rules
from another configuration are errors that say so."""

from __future__ import annotations

import argparse
import math
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.cli import main
from console.commands.common import load
from console.config import DeploymentConfig, PrometheusConfig
from console.errors import SourceError
from console.factory import build_context
from console.model import DeploymentSpec, Track
from console.sources.prometheus import PrometheusSource
from console.sources.prometheus_config import build_source, rule_groups
from console.sources.prometheus_recorded import RecordedPrometheusSource
from console.sources.recording import MARKER, rules_yaml
from console.sources.selectors import track_selector
from console.tui.app import ConsoleApp
from tests import prom_profiles as P
from tests.prom import Prometheus
from tests.prom_rules import SCRAPE_S, VARYING_NS, backfill_rules, write_varying
from tests.support import header_text
from tests.waiting import eventually, wait_until

pytestmark = pytest.mark.slow  # starts processes

NS = P.NAMESPACE


def deployments(profile: str) -> list[DeploymentConfig]:
    """vLLM: the constant fleet and the varying one. TGI and SGLang read the same pods through
    selector overrides under other track names, so every profile's rules live side by side."""
    if profile == "vllm":
        return [
            DeploymentConfig(name="llama", namespace=NS, stable="llama-v1", canary="llama-v2"),
            DeploymentConfig(
                name="varying", namespace=VARYING_NS, stable="llama-v1", canary="llama-v2"
            ),
        ]
    return [
        DeploymentConfig(
            name=profile,
            namespace=NS,
            stable=f"{profile}-v1",
            canary=f"{profile}-v2",
            stable_selector=track_selector(NS, "llama-v1"),
            canary_selector=track_selector(NS, "llama-v2"),
        )
    ]


class Recorded:
    def __init__(self, prometheus: Prometheus, end: int, rules: Path) -> None:
        self.prometheus = prometheus
        self.end = end
        self.rules = rules

    def source(
        self, profile: str = "vllm", recording: bool = True, **kw: object
    ) -> PrometheusSource:
        prom = PrometheusConfig(
            url=self.prometheus.url, profile=profile, recording_rules=recording, **kw
        )  # type: ignore[arg-type]
        return build_source(prom, deployments(profile))

    def evaluated_at(self, spec: DeploymentSpec, track: Track, at: float) -> float:
        """When the rules recorded the value a query at ``at`` reads for ``track``."""
        deployment = spec.stable if track is Track.STABLE else spec.canary
        expr = f'timestamp({MARKER}{{namespace="{spec.namespace}",track="{deployment}"}})'
        response = httpx.get(
            f"{self.prometheus.url}/api/v1/query", params={"query": expr, "time": at}
        )
        return float(response.json()["data"]["result"][0]["value"][1])


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    end = int(time.time()) // 60 * 60 - 3600
    tmp = tmp_path_factory.mktemp("rules")
    P.write_fleet(tmp / "fleet.om", end)
    write_varying(tmp / "varying.om", end, P.SPAN_S)
    groups = [g for p in ("vllm", "tgi", "sglang") for g in rule_groups(
        PrometheusConfig(profile=p), deployments(p))]  # fmt: skip
    rules = tmp / "rules.yml"
    rules.write_text(rules_yaml(groups), encoding="utf-8")
    with Prometheus(
        openmetrics=(tmp / "fleet.om", tmp / "varying.om"),
        ready_query="count_over_time(tgi_queue_size[2h])",
        rule_files=(rules,),
        evaluation_interval="1s",
    ) as p:
        backfill_rules(p, rules, end - P.SPAN_S, end)
        yield Recorded(p, end, rules)


def specs(profile: str) -> list[DeploymentSpec]:
    return [d.spec() for d in deployments(profile)]


@pytest.mark.parametrize("profile", ["vllm", "tgi", "sglang"])
def test_recorded_values_equal_the_raw_queries_when_evaluated(
    recorded: Recorded, profile: str
) -> None:
    rules, raw = recorded.source(profile), recorded.source(profile, recording=False)
    assert isinstance(rules, RecordedPrometheusSource) and not isinstance(
        raw, RecordedPrometheusSource
    )
    at = recorded.end - 100
    for spec in specs(profile):
        for window in (60.0, 300.0):
            snap = rules.snapshot(spec, window, at=at)
            assert rules.queries == 6
            text = " ".join(rules.expressions(rules.selectors(spec), "60s").values())
            assert "namespace_track:" in text and "rate(" not in text
            for track in Track:
                when = recorded.evaluated_at(spec, track, at)
                assert at - 15 < when <= at
                want = raw.snapshot(spec, window, at=when).tracks[track].flat()
                got = snap.tracks[track].flat()
                known = [k for k, v in want.items() if v is not None]
                # Every recorded value has data (TGI's and SGLang's tracks here are other
                # names for the same pods: no DCGM series by those names).
                gpu = () if profile == "vllm" else ("gpu_memory_used_fraction",
                                                    "gpu_utilization_fraction")  # fmt: skip
                # (No profile reads the KV cache.)
                # What each engine does not report (see docs/engines.md).
                unreported = {
                    "vllm": (),
                    "tgi": ("finish_per_s.stop", "finish_per_s.length", "prefix_cache"),
                    "sglang": ("finish_per_s.stop", "finish_per_s.length", "finish_per_s.error",
                               "tpot_s."),
                }[profile]  # fmt: skip
                if spec.name == "varying":  # its history has the panels' series only
                    unreported = ("finish_per_s.", "running", "queue_time_s.", "tpot_s.",
                                  "prefix_cache", "targets_down")  # fmt: skip
                skip = ("replicas.", "kv_cache_used_fraction", *gpu, *unreported)
                need = {k for k in want if not k.startswith(skip)}
                assert need <= set(known), (spec.name, track, need - set(known))
                for key in known:
                    assert got[key] == pytest.approx(want[key], rel=1e-12), (spec.name, key)
                # Replicas are not recorded (one series per Deployment already): read raw at `at`.
                assert [k for k, v in got.items() if v is None] == [
                    k for k in want if k not in known
                ]
    rules.close()
    raw.close()


def test_varying_load_tells_windows_and_moments_apart(recorded: Recorded) -> None:
    """The comparison above could not pass by accident: on the varying fleet the windows give
    different numbers, and once a scrape has landed after the rules' evaluation the raw query
    differs from the recorded value the source shows."""
    rules, raw = recorded.source(), recorded.source(recording=False)
    spec = specs("vllm")[1]
    at = recorded.end - 100
    one, five = (raw.snapshot(spec, w, at=at).tracks[Track.STABLE] for w in (60.0, 300.0))
    assert one.requests_per_s != pytest.approx(five.requests_per_s, rel=1e-3)
    assert one.ttft_s.p99 != pytest.approx(five.ttft_s.p99, rel=1e-3)
    # Group evaluation offsets depend on the rules file's path: find this run's moments.
    evaluated = recorded.evaluated_at(spec, Track.STABLE, at)
    scraped = math.ceil(evaluated / SCRAPE_S) * SCRAPE_S  # the first sample after it
    assert evaluated < scraped < evaluated + SCRAPE_S  # the next evaluation comes later
    later = scraped + 0.001
    shown = rules.snapshot(spec, 60.0, at=later).tracks[Track.STABLE]
    then = raw.snapshot(spec, 60.0, at=evaluated).tracks[Track.STABLE]
    now = raw.snapshot(spec, 60.0, at=later).tracks[Track.STABLE]
    assert shown.requests_per_s == pytest.approx(then.requests_per_s, rel=1e-12)
    assert now.requests_per_s != pytest.approx(then.requests_per_s, rel=1e-6)
    rules.close()
    raw.close()


def test_unrecorded_window_reads_the_raw_series(recorded: Recorded) -> None:
    rules, raw = recorded.source(), recorded.source(recording=False)
    spec = specs("vllm")[1]
    at = recorded.end - 100
    snap = rules.snapshot(spec, 120.0, at=at)
    text = " ".join(rules.expressions(rules.selectors(spec), "120s").values())
    assert "rate(vllm:time_to_first_token_seconds_bucket" in text
    assert "namespace_track:vllm_num_requests_waiting:sum" in text  # no window: still recorded
    gauges = ("queue_depth", "host_memory_bytes", "gpu_memory_used_fraction",
              "gpu_utilization_fraction")  # fmt: skip
    for track in Track:
        got = snap.tracks[track].flat()
        now = raw.snapshot(spec, 120.0, at=at).tracks[track].flat()
        when = recorded.evaluated_at(spec, track, at)
        then = raw.snapshot(spec, 120.0, at=when).tracks[track].flat()
        assert {k: got[k] for k in gauges} == {k: then[k] for k in gauges}
        assert {k: v for k, v in got.items() if k not in gauges} == {
            k: v for k, v in now.items() if k not in gauges
        }
    assert rules.name.endswith("(vllm; rules 1m, 5m)")
    rules.close()
    raw.close()


def test_history_reads_the_recorded_series(recorded: Recorded) -> None:
    rules = recorded.source()
    snap = rules.snapshot(specs("vllm")[0], 60.0, history_s=600, at=recorded.end)
    assert rules.queries == 12
    values = snap.histories[Track.STABLE].values("requests_per_s")
    settled = values[-50:]  # the last 5 minutes: a full minute of data behind each point
    assert settled == [pytest.approx(6.2)] * len(settled)
    rules.close()


def test_missing_rules_are_named_with_the_command_that_makes_them(recorded: Recorded) -> None:
    source = recorded.source()
    spec = specs("vllm")[0].model_copy(update={"canary": "llama-v3"})
    with pytest.raises(SourceError) as caught:
        source.snapshot(spec, 60.0, at=recorded.end)
    assert str(caught.value) == (
        f"recording rules missing: no recorded series {MARKER}"
        '{namespace="inference",track="llama-v3"} in Prometheus at '
        f"{recorded.prometheus.url}: are the rules from `inference-console prometheus rules` "
        "loaded?"
    )
    source.close()


def test_rules_from_another_configuration_are_refused(recorded: Recorded) -> None:
    source = recorded.source(
        queries={"queue_depth": 'sum(vllm:num_requests_waiting{$sel,engine="0"})'}
    )
    with pytest.raises(SourceError) as caught:
        source.snapshot(specs("vllm")[0], 60.0, at=recorded.end)
    message = str(caught.value)
    assert message.startswith(f"recording rules out of date: {MARKER}{{namespace=")
    assert "generated from another configuration" in message
    assert "regenerate them with `inference-console prometheus rules`" in message
    source.close()


def test_prometheus_loads_and_evaluates_the_generated_file(recorded: Recorded) -> None:
    check = subprocess.run(
        ["promtool", "check", "rules", str(recorded.rules)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    url = recorded.prometheus.url

    def evaluated() -> bool:
        groups = httpx.get(f"{url}/api/v1/rules").json()["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return len(groups) == 8 and all(
            r["health"] == "ok" and not r["lastEvaluation"].startswith("0001") for r in rules
        )

    eventually(evaluated, "every rule evaluated", 20)
    # Live markers now: the source finds its rules (no data now, so every value is null).
    source = recorded.source()
    snap = source.snapshot(specs("vllm")[0], 60.0)
    assert snap.tracks[Track.CANARY].queue_depth is None
    source.close()


def test_snapshot_command_reports_missing_rules(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[prometheus]\nurl = "{recorded.prometheus.url}"\nrecording_rules = true\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\n'
        'stable = "llama-v1"\ncanary = "llama-v9"\n',
        encoding="utf-8",
    )
    assert main(["snapshot", "--config", str(config), "--window", "1m"]) == 1
    err = capsys.readouterr().err
    assert 'track="llama-v9"' in err
    assert "are the rules from `inference-console prometheus rules` loaded?" in err


async def test_dashboard_header_says_the_rules_are_missing(
    recorded: Recorded, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'refresh_interval = "0.2s"\n'
        f'[prometheus]\nurl = "{recorded.prometheus.url}"\nrecording_rules = true\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\n'
        'stable = "llama-v1"\ncanary = "llama-v9"\n',
        encoding="utf-8",
    )
    app = ConsoleApp(build_context(load(argparse.Namespace(config=config, demo=False))))
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await wait_until(pilot, lambda: dash.failures >= 1, "the failing poll")
        assert dash.last_error.startswith("recording rules missing: no recorded series ")
        assert 'track="llama-v9"' in dash.last_error
        await wait_until(
            pilot,
            lambda: dash.last_error in [n.message for n in app._notifications],
            "the notification",
        )
        await wait_until(pilot, lambda: "recording rules missing" in header_text(app), "the header")
        assert "(vllm; rules 1m, 5m)" in header_text(app)
