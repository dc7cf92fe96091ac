"""A signal during a step's warm-up (Ctrl-C, a supervisor's SIGTERM, an SSH drop's SIGHUP,
SIGQUIT) stops the action at its next safe point: no traffic shift after it, the outcome is
audited as cancelled, and the exit status says so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.audit import verify

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """
[audit]
path = "{audit}"

[[deployments]]
name = "llama"
namespace = "inference"
stable = "llama-v1"
canary = "llama-v2"
replica_capacity_rps = 0.5   # the step must warm more canary replicas: a warm-up to stop

[deployments.gates]
min_requests = 1
max_error_share = 1.0
max_ttft_p99_ratio = 100
max_itl_p99_ratio = 100
max_share_deviation = 100
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"])
def test_a_signal_during_the_warm_up_cancels_before_traffic_moves(sig: str, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(audit=audit))
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "canary", "step", "--yes", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait on the process saying it is warming, not on time
        seen.append(line)
        if line.startswith("warm: warming"):
            break
    else:
        pytest.fail(f"never warmed: {seen}")
    proc.send_signal(getattr(signal, sig))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 6, (out, err)
    assert f"{sig}: stopping at the next safe point" in err
    assert out.startswith("step: cancelled: cancelled while llama-v2 had")
    intent, outcome = [json.loads(x) for x in audit.read_text().splitlines()]
    assert (intent["phase"], outcome["phase"], outcome["outcome"]) == (
        "intent",
        "outcome",
        "cancelled",
    )
    # The weights the outcome records are those before: the shift never happened.
    assert (
        outcome["after"]["weights"]
        == outcome["before"]["weights"]
        == {
            "stable": 95,
            "canary": 5,
        }
    )
    assert verify(audit).ok
