"""Configuration: TOML + environment, and a precise line per problem with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.config import ConfigError, default_config_path, load_settings
from tests.environment import clear_settings_environment


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


GOOD = """
refresh_interval = "2s"
[ui]
window = "15m"
[[deployments]]
name = "llama"
namespace = "inference"
stable = "llama-v1"
canary = "llama-v2"
steps = [5, 50, 100]
[deployments.gates]
window = "10m"
"""


def test_good_file_parses_durations_and_nesting(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.refresh_interval == 2.0
    assert settings.ui.window == 900.0
    deployment = settings.deployments[0]
    assert deployment.steps == (5, 50, 100)
    assert deployment.gates.window == 600.0
    assert deployment.spec().stable == "llama-v1"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_REFRESH_INTERVAL", "5s")
    monkeypatch.setenv("INFERENCE_CONSOLE_UI__THEME", "console-light")
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.refresh_interval == 5.0
    assert settings.ui.theme == "console-light"
    assert settings.ui.window == 900.0  # untouched keys keep the file's value


def test_a_variable_is_matched_without_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("inference_console_refresh_interval", "3s")
    assert load_settings(write(tmp_path, GOOD)).refresh_interval == 3.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "loaded"), [("", False), ("INFERENCE_CONSOLE_READ_ONLY", True)]
)
def test_pydantic_settings_is_loaded_only_for_a_variable(
    tmp_path: Path, variable: str, loaded: bool
) -> None:
    # In a process of its own: whether start-up imports it (a tenth of start-up) at all.
    code = (
        "import sys; from pathlib import Path; from console.config import load_settings; "
        f"s = load_settings(Path({str(write(tmp_path, GOOD))!r})); "
        "print('pydantic_settings' in sys.modules, s.refresh_interval, s.read_only)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if variable:
        env[variable] = "true"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == [str(loaded), "2.0", str(loaded)]


def test_console_settings_in_the_callers_environment_do_not_reach_a_test(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What conftest.py does before every test, as if the suite were started from a shell
    # that has them set.
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "true")
    monkeypatch.setenv("INFERENCE_CONSOLE_UI__THEME", "console-light")
    removed = clear_settings_environment(monkeypatch)
    assert removed == ["INFERENCE_CONSOLE_READ_ONLY", "INFERENCE_CONSOLE_UI__THEME"]
    settings = load_settings(None)
    assert settings.read_only is False
    assert settings.ui.theme == "console-dark"


def test_xdg_config_home_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "inference-console" / "config.toml"


BAD = """
refresh_interval = "fast"
[ui]
window = "10m"
[[deployments]]
name = "llama"
stable = "a"
canary = "b"
steps = [5, 1]
replica_capacity_rps = -1
colour = "blue"
"""


def test_every_problem_gets_one_precise_line(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    problems = caught.value.problems
    assert f"{path}: refresh_interval: 'fast': not a duration" in problems[0]
    assert any(p == f"{path}: ui.window: '10m': must be one of 5m, 15m, 1h" for p in problems)
    assert any(
        p.startswith(f"{path}: deployments[0].steps: [5, 1]: steps must strictly") for p in problems
    )
    assert any("deployments[0].replica_capacity_rps: -1:" in p for p in problems)
    assert f"{path}: deployments[0].colour: unknown setting" in problems
    assert len(problems) == 5


def test_same_stable_and_canary_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[[deployments]]\nname="x"\nstable="a"\ncanary="a"\n')
    with pytest.raises(ConfigError, match="stable and canary are both 'a'"):
        load_settings(path)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "this is = = not toml"))
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "absent.toml")


def test_cli_bad_config_exits_2_with_lines_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, BAD)
    assert main(["--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 5
    assert all(line.startswith(f"inference-console: {path}: ") for line in lines)


@pytest.mark.slow
def test_real_command_bad_config_exit_status(tmp_path: Path) -> None:
    path = write(tmp_path, 'refresh_interval = "-3s"\n')
    result = subprocess.run(
        [sys.executable, "-m", "console", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"inference-console: {path}: refresh_interval: '-3s': not a duration: '-3s' "
        "(use a number with s, m, h, d or w, e.g. 5m or 7d)"
    )


def test_prometheus_stale_after_is_a_positive_duration(tmp_path: Path) -> None:
    section = '[prometheus]\nurl = "http://127.0.0.1:9090"\n'
    settings = load_settings(write(tmp_path, section))
    assert settings.prometheus is not None and settings.prometheus.stale_after == 120.0
    settings = load_settings(write(tmp_path, section + 'stale_after = "90s"\n'))
    assert settings.prometheus is not None and settings.prometheus.stale_after == 90.0
    path = write(tmp_path, section + 'stale_after = "0s"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems == [
        f"{path}: prometheus.stale_after: '0s': duration must be positive: '0s'"
    ]
