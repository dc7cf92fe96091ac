"""``inference-console cost``: exit codes, JSON keys, exact lines for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from tests.prom import PrometheusWeek, free_port

WORKED = [
    "--input-tokens", "1000M",
    "--output-tokens", "500M",
    "--price-in", "1.25",
    "--price-out", "10",
    "--gpu-hours", "1.6k",
    "--gpu-hour-price", "3.50",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("INFERENCE_CONSOLE_PROMETHEUS__URL",):
        monkeypatch.delenv(name, raising=False)


def _config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[prometheus]\nurl = "{url}"\ntimeout = "2s"\n\n'
        "[cost]\nprice_in_per_mtok = 1.25\nprice_out_per_mtok = 10\ngpu_hour_price = 3.5\n"
        "gpus_per_replica = 2\n\n"
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\n' + extra,
        encoding="utf-8",
    )
    return path


def test_worked_example_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Every input given: the (unreachable) Prometheus in the config is never asked.
    config = _config(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert main(["cost", "--config", str(config), *WORKED, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"api_cost", "dedicated_cost", "tco", "cheaper", "crossover_tokens_per_week",
            "horizon_days", "warnings", "inputs"} <= out.keys()  # fmt: skip
    assert out["api_cost"] == 6250 and out["dedicated_cost"] == 5600 and out["tco"] == 5600
    assert out["cheaper"] == "dedicated" and out["horizon_days"] == 7
    assert out["crossover_tokens_per_week"] == pytest.approx(1.344e9)
    assert out["warnings"] == []
    assert out["inputs"]["input_tokens"] == {"value": 1e9, "provenance": "given"}
    assert out["inputs"]["gpu_hours"] == {"value": 1600, "provenance": "given"}
    assert out["inputs"]["horizon_s"]["provenance"] == "default"


def test_text_output_and_short_horizon(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*WORKED, "--horizon", "1d", "--engineering-hours", "7", "--engineering-rate", "100"]
    assert main(["cost", *args]) == 0
    out = capsys.readouterr().out
    assert "Per-token API      $6,250.00" in out
    assert "Engineering" in out and "$100.00" in out  # 7 h/week for one day
    assert "Verdict:     dedicated GPUs are cheaper by $550.00" in out
    assert "daily and weekly traffic cycles" in out


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--price-in", "-1"], "--price-in: '-1': must be a non-negative number"),
        (["--price-out=-0.5"], "--price-out: '-0.5': must be a non-negative number"),
        (["--gpu-hours", "0"], "--gpu-hours: '0': must be a positive number"),
        (["--input-tokens", "lots"],
         "--input-tokens: 'lots': not a number (digits with an optional k, M or G)"),
        (["--horizon", "3x"],
         "--horizon: '3x': not a duration (a number with s, m, h, d or w, e.g. 7d)"),
        (["--horizon", "0d"],
         "--horizon: '0d': not a duration (a number with s, m, h, d or w, e.g. 7d)"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_exact_line(
    capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    assert main(["cost", *WORKED, *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"inference-console: {line}\n"
    assert captured.out == ""


def test_bad_config_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:1", "[deployments.cost]\ngpus_per_replica = 0\n")
    assert main(["cost", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "deployments[0].cost.gpus_per_replica: 0: Input should be greater than 0" in err


def test_prometheus_unreachable_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["cost", "--config", str(_config(tmp_path, url))]) == 1
    captured = capsys.readouterr()
    assert (
        captured.err == f"inference-console: cannot reach Prometheus at {url}: connection refused\n"
    )


@pytest.mark.slow
def test_measured_through_prometheus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, prometheus_week: PrometheusWeek
) -> None:
    config = _config(tmp_path, prometheus_week.url)
    assert main(["cost", "--config", str(config), "--price-out", "12", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == f"prometheus {prometheus_week.url}"
    assert out["inputs"]["input_tokens"]["provenance"] == "measured"
    assert out["inputs"]["input_tokens"]["value"] > 0
    assert out["inputs"]["gpu_hours"]["provenance"] == "measured"
    assert out["inputs"]["price_out_per_mtok"] == {"value": 12, "provenance": "given"}
    assert out["inputs"]["price_in_per_mtok"] == {"value": 1.25, "provenance": "config"}
    assert out["rollout"] is not None


def test_missing_inputs_without_a_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[deployments]]\nname = "x"\nstable = "a"\ncanary = "b"\n', encoding="utf-8")
    assert main(["cost", "--config", str(path), "--input-tokens", "5", "--json"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "inference-console: --output-tokens: needed (nothing to measure it from)",
        "inference-console: --gpu-hours: needed (nothing to measure it from)",
    ]


def test_demo_uses_the_simulated_fleet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--demo", "--horizon", "2w", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == "sim" and out["horizon_days"] == 14
    assert any("extrapolated to 14d from the last 15 minutes" in w for w in out["warnings"])
    assert out["inputs"]["gpu_hours"]["provenance"] == "measured"
    assert out["cheaper"] in ("api", "dedicated", "even")


def test_demo_rollout_cost_covers_the_canarys_actual_run_and_zeros_are_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cost", "--demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    inputs = out["inputs"]
    # The simulated canary's pods are a few hours old, not a week.
    assert 0 < inputs["rollout_hours"]["value"] < 24
    assert inputs["canary_gpu_hours"]["value"] == pytest.approx(inputs["rollout_hours"]["value"])
    assert inputs["stable_gpu_hours"]["value"] == pytest.approx(5 * 168)
    assert main(["cost", "--demo"]) == 0
    text = capsys.readouterr().out
    assert "$0.00  not configured ([cost] engineering_*)" in text
    assert "0  default: not configured" in text
