"""``inference-console prometheus rules``: a rules file promtool accepts, named by Prometheus's
conventions, built from the same queries and selectors the source uses (so its markers carry the
digests the source expects), and the settings that go with it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from console.cli import main
from console.config import ConfigError, PrometheusConfig, load_settings
from console.model import Track
from console.sources.prometheus_config import build_source
from console.sources.prometheus_recorded import RecordedPrometheusSource
from console.sources.recording import MARKER, window_name

CONFIG = """\
[prometheus]
url = "http://127.0.0.1:9"
profile = "{profile}"
recording_rules = true
metric_prefix = "{prefix}"

[[deployments]]
name = "llama"
namespace = "inference"
stable = "llama-v1"
canary = "llama-v2"

[[deployments]]
name = "mistral"
namespace = "team-b"
stable = "mistral-a"
canary = "mistral-b"
canary_selector = 'namespace="team-b",app="mistral",track="canary"'
"""
NAME = re.compile(r"^namespace_track(_class|_reason)?:[a-zA-Z_][a-zA-Z0-9_]*:[a-z]+[a-z0-9_]*$")


def write(tmp_path: Path, profile: str = "vllm", prefix: str = "", extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(profile=profile, prefix=prefix) + extra, encoding="utf-8")
    return path


def rules(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["prometheus", "rules", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["vllm", "tgi", "sglang"])
def test_rules_pass_promtool_and_match_what_the_source_expects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], profile: str
) -> None:
    config = write(tmp_path, profile)
    status, out, err = rules(capsys, "--config", str(config), "--interval", "15s")
    assert status == 0, err
    path = tmp_path / "rules.yml"
    path.write_text(out, encoding="utf-8")
    check = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    groups = yaml.safe_load(out)["groups"]
    assert [g["name"] for g in groups] == [
        "inference-console/inference/llama-v1",
        "inference-console/inference/llama-v2",
        "inference-console/team-b/mistral-a",
        "inference-console/team-b/mistral-b",
    ]
    assert {g["interval"] for g in groups} == {"15s"}
    settings = load_settings(config)
    source = build_source(settings.prometheus, settings.deployments)  # type: ignore[arg-type]
    assert isinstance(source, RecordedPrometheusSource)
    for deployment in settings.deployments:
        digests = source.digests(deployment.spec())
        for track, name in ((Track.STABLE, deployment.stable), (Track.CANARY, deployment.canary)):
            group = next(g for g in groups if g["name"].endswith(f"/{name}"))
            marker, *recorded = group["rules"]
            assert marker["record"] == MARKER and marker["expr"] == "vector(1)"
            assert marker["labels"] == {
                "namespace": deployment.namespace, "track": name, "digest": digests[track]
            }  # fmt: skip
            for rule in recorded:
                assert NAME.match(rule["record"]), rule["record"]
                assert rule["labels"] == {"namespace": deployment.namespace, "track": name}
                # No replica gauges (already per Deployment), every pod query scoped to the track.
                assert "kube_deployment" not in rule["expr"]
            names = {r["record"] for r in recorded}
            assert len(names) == len(recorded)
            windowed = {n for n in names if n.endswith(("1m", "5m"))}
            assert {n[:-2] for n in windowed if n.endswith("1m")} == {
                n[:-2] for n in windowed if n.endswith("5m")
            }
    source.close()


def test_rule_expressions_are_the_source_queries_of_the_track(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = rules(capsys, "--config", str(write(tmp_path, prefix="kserve_")))
    groups = {g["name"]: g["rules"] for g in yaml.safe_load(out)["groups"]}
    stable = {r["record"]: r["expr"] for r in groups["inference-console/inference/llama-v1"]}
    ttft = stable["namespace_track:vllm_time_to_first_token_seconds_bucket:rate1m"]
    assert ttft == (
        'sum by (le) (rate(kserve_vllm:time_to_first_token_seconds_bucket{namespace="inference",'
        'pod=~"llama-v1-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}"}'
        "[60s]))"
    )
    assert "[300s]" in stable["namespace_track:vllm_time_to_first_token_seconds_bucket:rate5m"]
    codes = stable["namespace_track_class:http_requests:rate1m"]
    assert '"class", "$1", "status"' in codes  # the template's $$ is a literal $
    canary = {r["record"]: r["expr"] for r in groups["inference-console/team-b/mistral-b"]}
    queue = canary["namespace_track:vllm_num_requests_waiting:sum"]
    assert (
        queue
        == 'sum(kserve_vllm:num_requests_waiting{namespace="team-b",app="mistral",track="canary"})'
    )
    # DCGM keeps its own labels: the selector override is for the pod's own series.
    assert 'exported_pod=~"mistral-b-' in canary["namespace_track:DCGM_FI_DEV_FB_USED:ratio"]


def test_profile_option_deployment_option_and_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, extra='\n[ui]\nrate_window = "30s"\n')
    status, out, err = rules(capsys, "--config", str(config), "--profile", "tgi",
                             "--deployment", "mistral")  # fmt: skip
    assert status == 0
    groups = yaml.safe_load(out)["groups"]
    assert [g["name"] for g in groups] == [
        "inference-console/team-b/mistral-a",
        "inference-console/team-b/mistral-b",
    ]
    records = {r["record"] for r in groups[0]["rules"]}
    assert "namespace_track:tgi_batch_inference_duration_bucket:prefill_rate1m" in records
    assert not any("vllm" in r for r in records)
    assert "(tgi; rate windows 1m, 5m)" in out.splitlines()[0]
    assert "ui.rate_window 30s is not in [prometheus] recording_windows (1m, 5m)" in err
    assert rules(capsys, "--config", str(config), "--deployment", "nope")[0] == 2
    status, out, err = rules(capsys, "--config", str(config), "--interval", "1.5s")
    assert status == 2 and out == "" and "--interval: '1.5s': not a whole number" in err


def test_one_deployment_with_two_selectors_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        '\n[[deployments]]\nname = "other"\nnamespace = "team-b"\nstable = "mistral-b"\n'
        'canary = "mistral-c"\n'
    )
    status, out, err = rules(capsys, "--config", str(write(tmp_path, extra=extra)))
    assert status == 2 and out == ""
    assert "team-b/mistral-b is also a track of another deployment, with another selector" in err


def test_shared_deployment_is_recorded_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = (
        '\n[[deployments]]\nname = "next"\nnamespace = "inference"\nstable = "llama-v2"\n'
        'canary = "llama-v3"\n'
    )
    status, out, _ = rules(capsys, "--config", str(write(tmp_path, extra=extra)))
    assert status == 0
    names = [g["name"] for g in yaml.safe_load(out)["groups"]]
    assert names.count("inference-console/inference/llama-v2") == 1
    assert "inference-console/inference/llama-v3" in names


def test_without_a_config_the_demo_deployment_is_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    status, out, _ = rules(capsys)
    assert status == 0
    assert [g["name"] for g in yaml.safe_load(out)["groups"]] == [
        "inference-console/inference/llama-v1",
        "inference-console/inference/llama-v2",
    ]


def test_recording_settings() -> None:
    prom = PrometheusConfig(recording_windows=("5m", "1m", "60s"))  # type: ignore[arg-type]
    assert prom.recording_windows == (60.0, 300.0) and prom.recording_rules is False
    for bad in ((), ("0s",), ("1.5s",)):
        with pytest.raises(ValueError):
            PrometheusConfig(recording_windows=bad)  # type: ignore[arg-type]
    assert [window_name(s) for s in (1, 60, 90, 300, 3600, 5400, 86400)] == [
        "1s", "1m", "1m30s", "5m", "1h", "1h30m", "1d"
    ]  # fmt: skip


def test_bad_recording_window_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[prometheus]\nrecording_windows = ["1m", "0.5s"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "prometheus.recording_windows" in str(caught.value)
    assert "whole number of seconds" in str(caught.value)
