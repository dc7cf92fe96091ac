"""The real command in a real terminal (tmux), used the way a person would: start, read the
panels, press keys, quit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tmux import Tmux, console_command

pytestmark = pytest.mark.slow  # starts processes


@pytest.fixture
def console_in_tmux(tmp_path: Path) -> Iterator[Callable[[int, int], Tmux]]:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
    sessions: list[Tmux] = []
    marker = tmp_path / "exit-status"

    def start(width: int, height: int) -> Tmux:
        env = {
            "XDG_CONFIG_HOME": str(tmp_path),
            "TERM": "xterm-256color",
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
        }
        session = Tmux(width, height, console_command([], env, marker))
        sessions.append(session)
        return session

    start.marker = marker  # type: ignore[attr-defined]
    yield start
    for session in sessions:
        session.kill()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_person_starts_reads_presses_keys_and_quits(
    console_in_tmux: Callable[[int, int], Tmux], size: tuple[int, int]
) -> None:
    tmux = console_in_tmux(*size)
    wide = size[0] >= 140
    # Says why it shows the simulated fleet (no config file exists), in a notice shown at start.
    tmux.wait_for(lambda s: "simulated fleet" in s.lower(), "the notice about the simulated fleet")
    screen = tmux.wait_for(
        lambda s: "req/s" in s and "serving" in s and (("╭─ Volume" in s) == wide),
        "the panels in the layout for this size",
    )
    assert "llama" in screen
    # The source's detail is dropped first when the header is narrow.
    assert ("sim:healthy" if wide else " sim ") in screen
    assert "Traceback" not in screen
    tmux.keys("w")
    tmux.wait_for(lambda s: "15m" in s, "the 15m window")
    tmux.keys("?")
    tmux.wait_for(lambda s: "keys" in s and "Quit" in s, "the help screen")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "req/s" in s and "— keys" not in s, "the help screen to close")
    tmux.keys("i")
    tmux.wait_for(
        lambda s: "Details of llama" in s and "requests running" in s, "the details screen"
    )
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "req/s" in s and "Details of" not in s, "the details to close")
    tmux.keys("q")
    marker: Path = console_in_tmux.marker  # type: ignore[attr-defined]
    assert tmux.exit_status(marker) == "0"
    assert "Traceback" not in tmux.screen()
