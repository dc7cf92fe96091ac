"""``inference-console snapshot``: the documented JSON keys, the published schema, nulls for missing
data, exit codes and one-line reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from console.commands.snapshot import SCHEMA_PATH, SnapshotJSON, schema_text
from tests.prom import Prometheus, free_port

TRACK_KEYS = {
    "requests_per_s", "error_share", "codes_per_s", "input_tokens", "output_tokens", "ttft_s",
    "itl_s", "e2e_s", "tps", "replicas", "gpu_memory_used_fraction",
    "gpu_utilization_fraction", "kv_cache_used_fraction", "cpu_cores", "host_memory_bytes",
    "queue_depth", "failed_per_s", "running", "finish_per_s", "queue_time_s", "tpot_s",
    "prefix_cache_hit_fraction", "targets_down",
}  # fmt: skip
QUANTILES = {"p50", "p90", "p99"}


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("INFERENCE_CONSOLE_PROMETHEUS__URL", raising=False)


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[prometheus]\nurl = "{url}"\ntimeout = "2s"\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\n',
        encoding="utf-8",
    )
    return path


def test_demo_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--demo", "--window", "1m", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "deployment", "source", "at", "window_s", "requested_window_s", "stale", "stale_reason",
        "tracks",
    }  # fmt: skip
    assert out["deployment"] == "llama" and out["source"] == "sim:healthy"
    assert out["window_s"] == 60 and out["stale"] is False and out["stale_reason"] is None
    assert set(out["tracks"]) == {"stable", "canary"}
    for values in out["tracks"].values():
        assert set(values) == TRACK_KEYS
        assert set(values["codes_per_s"]) == {"2xx", "4xx", "5xx"}
        assert set(values["input_tokens"]) == set(values["output_tokens"]) == {"mean", "p90"}
        for key in ("ttft_s", "itl_s", "e2e_s", "tps"):
            assert set(values[key]) == QUANTILES
        assert set(values["replicas"]) == {"desired", "serving", "starting"}
    stable = out["tracks"]["stable"]
    assert stable["requests_per_s"] > 0
    assert stable["tps"]["p99"] == pytest.approx(1 / stable["itl_s"]["p99"])
    SnapshotJSON.model_validate(out)


def test_published_schema_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "regenerate docs/snapshot.schema.json: inference-console snapshot --schema"
    )
    assert main(["snapshot", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    track = schema["$defs"]["TrackValues"]["properties"]
    assert set(track) == TRACK_KEYS
    assert set(schema["$defs"]["CodeRates"]["properties"]) == {"2xx", "4xx", "5xx"}


def test_unreachable_prometheus_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    assert main(["snapshot", "--config", str(_config(tmp_path, f"http://127.0.0.1:{port}"))]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("inference-console: ")
    assert lines[0].endswith(
        f"cannot reach Prometheus at http://127.0.0.1:{port}: connection refused"
    )


@pytest.mark.slow
def test_missing_series_are_null_never_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Prometheus() as prometheus:
        config = _config(tmp_path, prometheus.url)
        assert main(["snapshot", "--config", str(config), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == f"prometheus {prometheus.url} (vllm)"
    report = SnapshotJSON.model_validate(out)
    for name in ("stable", "canary"):
        flat = getattr(report.tracks, name).flat()
        assert flat and all(v is None for v in flat.values()), name
        assert out["tracks"][name]["replicas"] == {
            "desired": None,
            "serving": None,
            "starting": None,
        }


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--window", "soon"], "inference-console: --window: 'soon': not a positive duration"),
        (["--window", "0s"], "inference-console: --window: '0s': not a positive duration"),
        (["--deployment", "nope"], "inference-console: --deployment: 'nope': no such deployment"),
    ],
)
def test_bad_options_exit_2(args: list[str], line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--demo", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1


def test_text_output_lists_every_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--demo", "--window", "2m"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("llama from sim:healthy at ")
    assert "ttft_s.p99" in out and "codes_per_s.5xx" in out and "replicas.serving" in out
