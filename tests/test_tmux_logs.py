"""The real command following a file of hostile lines in a real terminal (tmux): the lines show
up literally, and the terminal's title, clipboard and screen are left alone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.tmux import Tmux, console_command

pytestmark = pytest.mark.slow  # starts processes

HOSTILE = [
    b"HX1 [/x] closing tag",
    b"HX2 [bold red]not bold[/bold red]",
    b"HX3 [link=file:///etc/passwd]x[/link]",
    b"HX4 clip \x1b]52;c;aGFja2Vk\x07 board",
    b"HX5 clear \x1b[2J\x1b[H screen",
    b"HX6 c1 \xc2\x9b31m csi",
    b"HX7 title \x1b]0;owned\x07 change",
    b"HX8 bad \xff\xfe utf8",
    b"HX9 " + b"B" * 1_000_000,
]


def test_hostile_log_lines_on_a_real_terminal(tmp_path: Path) -> None:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-system-deps.sh"
    log = tmp_path / "hostile.log"
    log.write_bytes(b"".join(line + b"\n" for line in HOSTILE[:4]))
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g set-clipboard on\nset -g allow-rename on\n")
    env = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
    }
    marker = tmp_path / "exit-status"
    command = console_command(["--demo", "--log-file", str(log)], env, marker)
    tmux = Tmux(120, 40, command, conf)
    try:
        title = tmux.query("#{pane_title}")
        tmux.wait_for(lambda s: "req/s" in s and "Logs" in s, "the console with its log pane")
        with log.open("ab") as out:  # and more while it runs
            out.write(b"".join(line + b"\n" for line in HOSTILE[4:]))
        tmux.keys("l")
        tmux.keys("/")
        tmux.wait_for(lambda s: "filter: track:canary pod:TEXT" in s, "the filter prompt")
        tmux.type("HX")
        tmux.wait_for(lambda s: "filter: track:canary pod:TEXT" not in s, "the typed filter")
        tmux.keys("Enter")
        screen = tmux.wait_for(
            lambda s: "HX9" in s and "filter" in s and "req/s" not in s, "the filtered lines"
        )
        for expected in (
            "HX1 [/x] closing tag",
            "HX2 [bold red]not bold[/bold red]",
            "HX3 [link=file:///etc/passwd]x[/link]",
            "HX4 clip  board",
            "HX5 clear  screen",
            "HX6 c1  csi",
            "HX7 title  change",
            "HX8 bad �� utf8",
            "HX9 BBBB",
        ):
            assert expected in screen, f"{expected!r} not on screen:\n{screen}"
        assert "Traceback" not in screen
        # The terminal was not told to change: no title, no clipboard write, nothing cleared.
        assert tmux.query("#{pane_title}") == title
        assert "owned" not in tmux.query("#{pane_title} #{window_name}")
        assert "hacked" not in tmux.buffers() and tmux.buffers().strip() == ""
        tmux.keys("q")
        assert tmux.exit_status(marker) == "0"
        assert "Traceback" not in tmux.screen()
    finally:
        tmux.kill()
