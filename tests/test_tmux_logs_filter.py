"""The real command in a real terminal (tmux), the way an operator filters logs: `/` with
`track:canary` shows only canary pods, a pattern RE2 cannot run is refused on screen, a
catastrophic one leaves the console answering keys, and `S` saves the canary lines with their
pods, privately."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.tmux import Tmux, console_command
from tests.waiting import eventually


def log_rows(screen: str) -> list[str]:
    return [row for row in screen.splitlines() if "llama-v" in row]


def open_prompt(tmux: Tmux, current: str) -> None:
    """`/`, then wait for the prompt to show the current filter, then empty it (ctrl+u)."""
    tmux.keys("/")
    tmux.wait_for(lambda s: s.count(current) >= 2, "the prompt with the current filter")
    tmux.keys("C-u")
    tmux.wait_for(lambda s: "filter: track:canary pod:TEXT" in s, "an empty prompt")


@pytest.mark.slow
def test_filter_by_track_refusal_catastrophe_and_save(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    tmux = Tmux(120, 40, console_command(["--demo"], env, tmp_path / "exit-status"))
    try:
        tmux.wait_for(lambda s: "req/s" in s and "Logs" in s, "the console with its log pane")
        tmux.keys("l")
        tmux.wait_for(lambda s: any("llama-v1" in r for r in log_rows(s)), "stable's lines")
        tmux.keys("/")
        tmux.wait_for(lambda s: "filter: track:canary pod:TEXT" in s, "the filter prompt")
        tmux.keys("-l", "track:canary")
        tmux.keys("Enter")
        screen = tmux.wait_for(
            lambda s: "filter text track:canary" in s and log_rows(s),
            "canary lines under the filter",
        )
        rows = log_rows(screen)
        assert rows and all("llama-v2" in row and "llama-v1" not in row for row in rows), screen

        open_prompt(tmux, "track:canary")
        tmux.keys("-l", "(?<=GET )x")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "filter not applied" in s, "the refusal on screen")
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "(?<=GET )x" not in s, "the prompt closed")

        open_prompt(tmux, "track:canary")
        tmux.keys("-l", "(a+)+$")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "filter regex (a+)+$" in s, "the catastrophic filter applied")
        tmux.keys("T")  # still answering
        tmux.wait_for(lambda s: "time UTC" in s, "the next key handled")

        open_prompt(tmux, "(a+)+$")
        tmux.keys("-l", "track:canary")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "filter text track:canary" in s, "canary again")
        tmux.keys("S")
        saved_dir = tmp_path / ".local" / "state" / "inference-console" / "logs"
        eventually(
            lambda: saved_dir.exists() and any(saved_dir.iterdir()),
            "a saved file",
            timeout=20,
            detail=tmux.screen,
        )
        (saved,) = saved_dir.iterdir()
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        header, *lines = saved.read_text().splitlines()
        assert header == "# time\ttrack\tsource\tline"
        assert lines
        for line in lines:
            when, track, pod, _text = line.split("\t", 3)
            assert track == "canary" and pod.startswith("llama-v2-"), line
            assert when.endswith("Z")
        assert "Traceback" not in tmux.screen()
    finally:
        tmux.kill()
