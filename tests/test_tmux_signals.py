"""The real console in a real terminal, stopped by a signal: SIGTERM, SIGHUP or SIGQUIT (as a
supervisor, a dropped SSH link or a stray key would send) ends it with the terminal restored —
out of the alternate screen, the cursor shown, mouse tracking off."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.tmux import Tmux, console_command
from tests.waiting import eventually

pytestmark = pytest.mark.slow  # starts processes


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP", "SIGQUIT", "SIGINT"])
def test_a_stop_signal_restores_the_terminal(sig: str, tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
    marker = tmp_path / "exit-status"
    env = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }
    tag = f"--seed={abs(hash(str(tmp_path))) % 100000}"  # finds this test's process
    tmux = Tmux(100, 30, console_command(["--demo", tag], env, marker))
    try:
        tmux.wait_for(lambda s: "req/s" in s, "the dashboard")
        assert tmux.query("#{alternate_on}") == "1"
        pid = int(
            eventually(
                lambda: subprocess.run(
                    ["pgrep", "-f", f"console --demo {tag}"], capture_output=True, text=True
                ).stdout.split()[:1],
                "the console's process",
            )[0]
        )
        os.kill(pid, getattr(signal, sig))
        assert tmux.exit_status(marker) in ("0", "1")
        flags = tmux.query("#{alternate_on} #{cursor_flag} #{mouse_any_flag}")
        assert flags == "0 1 0", flags
        assert "Traceback" not in tmux.screen()
    finally:
        tmux.kill()
