"""The real command in a real terminal (tmux), used the way a person would: start, read the
panels, press keys, quit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Tmux:
    def __init__(self, width: int, height: int, command: list[str], env: dict[str, str]) -> None:
        self.name = f"ic-{uuid.uuid4().hex[:8]}"
        # A server of its own: the size is this test's, whatever else tmux is running.
        self.tmux = ["tmux", "-L", self.name]
        shell = " ".join(_quote(part) for part in command)
        subprocess.run(
            [
                *self.tmux,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                f"env -i {' '.join(f'{k}={_quote(v)}' for k, v in env.items())} {shell}; sleep 30",
            ],
            check=True,
            cwd=ROOT,
        )

    def screen(self) -> str:
        result = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{text}")
            time.sleep(0.1)  # polling the screen, each check waits on state

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, check=False)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


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
        script = f"{_quote(sys.executable)} -m console; echo $? > {_quote(str(marker))}"
        session = Tmux(width, height, ["sh", "-c", script], env)
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
    deadline = time.monotonic() + 20
    while not marker.exists() or not marker.read_text().strip():
        assert time.monotonic() < deadline, "the console did not exit after q"
        time.sleep(0.1)
    assert marker.read_text().strip() == "0"
    assert "Traceback" not in tmux.screen()
