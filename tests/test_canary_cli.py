"""``canary`` and ``audit`` commands on the simulated fleet: plans, --yes, exit codes, read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import main
from console.config import demo_audit_path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    path = tmp_path / "config.toml"
    path.write_text(
        f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n\n'
        "[[deployments]]\n"
        'name = "llama"\nnamespace = "inference"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
        "[deployments.gates]\nmin_requests = 20\n"
        # These tests are about the commands, not the gates: latency ratios wide enough that a
        # p99 over a few dozen canary requests at any hour of the simulated day does not refuse.
        "max_ttft_p99_ratio = 5.0\nmax_itl_p99_ratio = 5.0\n"
    )
    return path


def test_status_prints_the_split_and_next_step(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["canary", "status", "--config", str(config), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["weights"] == {"stable": 95, "canary": 5}
    assert shown["next"]["action"] == "step"
    assert any("95/5 → 90/10" in line for line in shown["next"]["steps"])
    assert {g["name"] for g in shown["gates"]} >= {"sample", "error_share"}


def test_step_without_yes_changes_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["canary", "step", "--config", str(config)]) == 5
    captured = capsys.readouterr()
    assert "not changed: add --yes" in captured.err
    assert not (tmp_path / "audit.jsonl").exists()


def test_read_only_refuses_with_exit_3(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["canary", "mirror", "10", "--config", str(config), "--yes", "--read-only"])
    assert status == 3
    assert "read-only mode" in capsys.readouterr().err
    assert not (tmp_path / "audit.jsonl").exists()


def test_mirror_with_yes_is_done_and_audited(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["canary", "mirror", "10", "--config", str(config), "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "ok"
    assert result["after"]["mirror_percent"] == 10
    assert main(["audit", "verify", str(tmp_path / "audit.jsonl")]) == 0
    records = (tmp_path / "audit.jsonl").read_text().splitlines()
    assert [json.loads(r)["phase"] for r in records] == ["intent", "outcome"]


def test_emergency_revert_with_yes(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["canary", "revert", "--emergency", "--config", str(config), "--yes"]) == 0
    assert "EMERGENCY revert" in capsys.readouterr().out


def test_audit_verify_uses_the_configured_path(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["canary", "mirror", "5", "--config", str(config), "--yes"])
    capsys.readouterr()
    assert main(["audit", "verify", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == "audit trail intact: 2 records"


def test_read_only_from_the_config_refuses_too(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_text("read_only = true\n" + config.read_text())
    for argv in (["step"], ["revert", "--emergency"], ["mirror", "10"]):
        assert main(["canary", *argv, "--config", str(config), "--yes"]) == 3
    assert capsys.readouterr().err.count("read-only mode") == 3
    assert not (tmp_path / "audit.jsonl").exists()


def test_a_configured_token_never_reaches_the_trail_or_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "tok-d0-not-leak-31337"
    audit = tmp_path / "trail.jsonl"
    monkeypatch.setenv("INFERENCE_CONSOLE_PROMETHEUS__BEARER_TOKEN", token)
    monkeypatch.setenv("INFERENCE_CONSOLE_AUDIT__PATH", str(audit))
    assert main(["canary", "revert", "--demo", "--yes", "--json"]) == 0
    assert main(["canary", "mirror", "5", "--demo", "--yes"]) == 0
    captured = capsys.readouterr()
    # Actions on the simulated fleet go to its own trail, never the configured one.
    assert not audit.exists()
    text = demo_audit_path().read_text()
    assert len(text.splitlines()) == 4
    assert token not in text and token not in captured.out + captured.err


def test_an_unwritable_audit_trail_stops_before_any_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # the simulated fleet's trail is there
    assert main(["canary", "mirror", "30", "--demo", "--yes"]) == 1
    said, failure = capsys.readouterr().err.rstrip().split("\n")
    assert said == "simulated fleet: no real cluster is changed"
    trail = blocker / "inference-console" / "demo-audit.jsonl"
    assert failure.startswith(f"inference-console: cannot write the audit trail {trail}:")
    assert failure.endswith("; nothing was changed")
