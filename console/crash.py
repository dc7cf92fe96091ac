"""An unexpected error, told the way a user can act on it: one line, and the details (a
traceback without local variables, made inert and with credentials masked) in a crash file only
its owner can read. A traceback with locals never reaches the terminal: locals hold tokens."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from console.config.sections import APP_DIR
from console.outside import inert


def crash_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP_DIR


def write_crash(error: BaseException) -> Path | None:
    """The details of ``error`` in a new 0600 file; None when it cannot be written."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    text = "\n".join(inert(line.rstrip("\n"), limit=20_000) for line in lines) + "\n"
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    try:
        folder = crash_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        return None
    return path


def one_line(error: BaseException) -> str:
    """What the user reads: the kind of error and where its details are."""
    path = write_crash(error)
    where = f"; details in {path}" if path else ""
    return f"internal error ({type(error).__name__}){where}"
