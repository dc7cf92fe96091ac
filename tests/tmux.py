"""The real command in a real terminal: a tmux server of a test's own, read and typed into the
way a person would, and the command's exit status once it quits."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.waiting import eventually

ROOT = Path(__file__).resolve().parent.parent


def quote(text: str) -> str:
    """``text`` as one word for ``sh``."""
    return "'" + text.replace("'", "'\\''") + "'"


def console_command(args: list[str], env: Mapping[str, str], marker: Path) -> str:
    """A shell line that runs ``python -m console *args`` with only ``env`` and writes its exit
    status to ``marker``."""
    assignments = " ".join(f"{k}={quote(v)}" for k, v in env.items())
    words = " ".join(quote(word) for word in [sys.executable, "-m", "console", *args])
    return f"env -i {assignments} {words}; echo $? > {quote(str(marker))}"


class Tmux:
    """A tmux server of its own running ``command`` in a ``width``×``height`` terminal: the size
    is this test's, whatever else tmux is running. ``conf`` is a tmux configuration file."""

    def __init__(self, width: int, height: int, command: str, conf: Path | None = None) -> None:
        self.name = f"ic-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.name, *(["-f", str(conf)] if conf else [])]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
             f"{command}; sleep 30"],
            check=True,
            cwd=ROOT,
        )  # fmt: skip

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

    def type(self, text: str) -> None:
        """Type ``text`` literally (no key names)."""
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)

    def query(self, fmt: str) -> str:
        """A tmux format about the pane, e.g. ``#{pane_title}``."""
        result = subprocess.run(
            [*self.tmux, "display-message", "-p", "-t", self.name, fmt],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.strip()

    def buffers(self) -> str:
        """tmux's paste buffers: where a clipboard write (OSC 52) would land."""
        result = subprocess.run(
            [*self.tmux, "list-buffers"], capture_output=True, text=True, check=False
        )
        return result.stdout

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        """The first screen for which ``predicate`` holds."""

        def matching_screen() -> tuple[str, ...]:
            text = self.screen()
            return (text,) if predicate(text) else ()  # a tuple: an empty screen may match

        (text,) = eventually(matching_screen, what, timeout, detail=self.screen)
        return text

    def exit_status(self, marker: Path, timeout: float = 20) -> str:
        """The status ``console_command`` wrote once the command exited."""

        def written() -> str:
            return marker.read_text().strip() if marker.exists() else ""

        return eventually(written, "the command to exit", timeout, detail=self.screen)

    def kill(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, check=False)
