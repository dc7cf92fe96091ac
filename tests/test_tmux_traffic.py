"""The traffic screen in the real command in a real terminal: ``g`` opens it, ctrl+s sends the
prompt and the reply with its figures appears, escape goes back to the panels."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.tmux import Tmux, console_command


@pytest.mark.slow
def test_a_person_sends_a_manual_request_from_the_traffic_screen(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
    env = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    tmux = Tmux(100, 32, console_command([], env, tmp_path / "exit-status"))
    try:
        tmux.wait_for(lambda s: "req/s" in s, "the panels")
        tmux.keys("g")
        tmux.wait_for(lambda s: "Test traffic: llama canary" in s, "the traffic screen")
        tmux.keys("C-s")
        screen = tmux.wait_for(lambda s: "200 (ok)" in s, "the reply's figures")
        assert "the fleet serves tokens" in screen and "TTFT" in screen
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "req/s" in s and "Test traffic" not in s, "the panels again")
        assert "Traceback" not in tmux.screen()
    finally:
        tmux.kill()
