"""Global options apply wherever they are written: before the sub-command or after it, or they
are refused with exit 2 — never silently dropped. ``--read-only`` anywhere means no write,
proved from the fake API server's request log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from console.cli import build_parser, main
from console.commands.common import context
from tests.canary_kube_support import label, writes
from tests.fake_kube import FakeKube
from tests.kube_support import seed
from tests.prom import PrometheusWeek

Position = Callable[[list[str], list[str]], list[str]]


def before(options: list[str], command: list[str]) -> list[str]:
    return [*options, *command]


def after(options: list[str], command: list[str]) -> list[str]:
    return [*command, *options]


POSITIONS = pytest.mark.parametrize("where", [before, after], ids=["before", "after"])


@pytest.fixture
def sim_config(tmp_path: Path) -> Path:
    """Deployments without [prometheus]/[kubernetes]: the simulated fleet and cluster serve."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n\n'
        "[[deployments]]\n"
        'name = "llama"\nnamespace = "inference"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
        "[deployments.gates]\nmin_requests = 20\n"
    )
    return path


def parsed_context(argv: list[str]):  # type: ignore[no-untyped-def]
    args = build_parser().parse_args(argv)
    return context(args)


@POSITIONS
def test_config_is_honoured_either_side(
    where: Position, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("refresh_interval = [\n")
    for command in (["snapshot"], ["canary", "status"], ["cost"]):
        assert main(where(["--config", str(bad)], command)) == 2, command
        assert f"{bad}: not valid TOML" in capsys.readouterr().err


@POSITIONS
def test_deployment_is_honoured_either_side(
    where: Position, sim_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = where(["--deployment", "nope"], ["snapshot", "--config", str(sim_config)])
    assert main(argv) == 2
    assert "--deployment: 'nope': no such deployment (have: llama)" in capsys.readouterr().err


@POSITIONS
def test_scenario_and_seed_reach_the_simulated_fleet_either_side(where: Position) -> None:
    for command in (["snapshot"], ["canary", "status"]):
        ctx = parsed_context(
            where(["--demo", "--scenario", "failing-canary", "--seed", "11"], command)
        )
        try:
            fleet = ctx.fleets["llama"]
            assert (fleet.scenario.name, fleet.seed) == ("failing-canary", 11), command
            assert ctx.metrics.name == "sim:failing-canary"
        finally:
            ctx.close()


def test_an_option_after_the_command_wins_over_the_same_before() -> None:
    ctx = parsed_context(["--demo", "--seed", "1", "snapshot", "--seed", "2"])
    try:
        assert ctx.fleets["llama"].seed == 2
    finally:
        ctx.close()


@POSITIONS
def test_demo_is_honoured_either_side(where: Position, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(where(["--demo"], ["snapshot", "--json"])) == 0
    assert json.loads(capsys.readouterr().out)["source"].startswith("sim:")


@POSITIONS
def test_read_only_refuses_every_write_either_side(
    where: Position, sim_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (
        ["canary", "step", "--yes"],
        ["canary", "revert", "--yes"],
        ["canary", "mirror", "10", "--yes"],
    ):
        argv = where(["--read-only"], [*command, "--config", str(sim_config)])
        assert main(argv) == 3, command
        assert "read-only mode" in capsys.readouterr().err
    assert not (tmp_path / "audit.jsonl").exists()


def test_read_only_from_the_file_cannot_be_undone_by_the_environment(
    sim_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim_config.write_text("read_only = true\n" + sim_config.read_text())
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "false")
    assert main(["canary", "mirror", "10", "--yes", "--config", str(sim_config)]) == 3
    err = capsys.readouterr().err
    assert f"read_only = true in {sim_config}" in err
    assert not (tmp_path / "audit.jsonl").exists()


def test_read_only_from_the_environment_is_said(
    sim_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "1")
    assert main(["canary", "step", "--yes", "--config", str(sim_config)]) == 3
    assert "INFERENCE_CONSOLE_READ_ONLY" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--theme", "console-light", "snapshot"], "--theme: applies to the console itself"),
        (["--log-file", "x.log", "canary", "status"], "--log-file: applies to the console"),
        (["--seed", "3", "audit", "verify"], "--seed: does not apply to `audit verify`"),
        (["audit", "verify", "--deployment", "x"], "--deployment: does not apply to `audit"),
        (["--demo", "prometheus", "rules"], "--demo: does not apply to `prometheus rules`"),
        (["sim", "serve", "--deployment", "x"], "--deployment: does not apply to `sim serve`"),
        (["--demo", "snapshot", "--config", "c.toml"], "--config and --demo: choose one"),
    ],
)
def test_an_option_that_cannot_apply_is_refused(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert said in capsys.readouterr().err


def test_mirror_percentages_outside_0_to_100_are_bad_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for bad in ("150", "-1", "nan", "inf", "ten"):
        with pytest.raises(SystemExit) as exit_:
            main(["--demo", "canary", "mirror", bad])
        assert exit_.value.code == 2, bad
        assert "argument percent" in capsys.readouterr().err


def kube_config(tmp_path: Path, fake: FakeKube, prometheus_url: str) -> Path:
    kubeconfig = fake.kubeconfig(tmp_path / "kubeconfig", context="fake", user="ops")
    path = tmp_path / "kube.toml"
    path.write_text(
        f'[prometheus]\nurl = "{prometheus_url}"\n\n'
        f'[kubernetes]\nkubeconfig = "{kubeconfig}"\ncontext = "fake"\n\n'
        f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n\n'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\nrouter = { kind = "httproute", name = "llama" }\n'
    )
    return path


@pytest.mark.slow
def test_read_only_anywhere_sends_no_write_to_the_cluster(
    fake_kube: FakeKube,
    prometheus_week: PrometheusWeek,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(fake_kube, stable=4, canary=1)
    config = kube_config(tmp_path, fake_kube, prometheus_week.url)
    mirror = ["canary", "mirror", "10", "--yes", "--config", str(config)]
    for argv in (["--read-only", *mirror], [*mirror, "--read-only"]):
        start = len(fake_kube.requests)
        assert main(argv) == 3, argv
        assert writes(fake_kube, start) == [], argv
    capsys.readouterr()
    # The same command without it does write: the check above could fail.
    start = len(fake_kube.requests)
    assert main(mirror) == 0, capsys.readouterr().err
    assert "patch httproutes/llama" in [label(w) for w in writes(fake_kube, start)]


def test_scenario_with_a_prometheus_configuration_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "prom.toml"
    path.write_text(
        '[prometheus]\nurl = "http://127.0.0.1:9"\n\n'
        '[[deployments]]\nname = "llama"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
    )
    assert main(["--scenario", "cold-start", "snapshot", "--config", str(path)]) == 2
    assert "--scenario: apply to the simulated fleet" in capsys.readouterr().err


def test_canary_finish_from_the_command_line(
    sim_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["canary", "finish", "--yes", "--config", str(sim_config)]) == 3
    assert "refused: the canary has 5%: a release finishes at 100%" in capsys.readouterr().err
    assert not (tmp_path / "audit.jsonl").exists()  # refused at planning: nothing to record


def test_an_unknown_theme_is_refused_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # from the command line: refused before the console starts, naming the themes there are
    assert main(["--demo", "--theme", "light"]) == 1
    err = capsys.readouterr().err
    assert "'light'" in err and "console-light" in err
    # from the file: the setting is named
    config = tmp_path / "console.toml"
    config.write_text('[ui]\ntheme = "light"\n')
    assert main(["--config", str(config), "snapshot", "--json"]) == 2
    assert "ui.theme" in capsys.readouterr().err
