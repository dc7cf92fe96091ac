"""Saving a log view's lines to a private file: one line per log line with its time, track and
source (the pod, or the file it came from), the text as received but without control
characters (``widgets.safe_text.clean``), tab-separated; file mode 0600 in a 0700 directory,
never over an existing file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from widgets.log_budget import whole_text
from widgets.log_format import LogItem
from widgets.safe_text import clean

HEADER = "# time\ttrack\tsource\tline\n"


def save_name(deployment: str, stream: str, now: float) -> str:
    """``<deployment>-<stream>-<UTC stamp>.log``, with nothing in it that makes a path."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{deployment}-{stream}")
    return f"{safe.lstrip('.')}-{stamp}.log"


def format_line(item: LogItem) -> str:
    """``time<TAB>track<TAB>source<TAB>text`` (``-`` for what is not known)."""
    return "\t".join(
        (
            _when(item.time),
            clean(item.track) or "-",
            clean(item.source) or "-",
            clean(whole_text(item)),
        )
    )


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    try:
        return (
            datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
    except (OverflowError, OSError, ValueError):
        return "-"


def save_lines(path: Path, items: Sequence[LogItem]) -> Path:
    """Write ``items`` to ``path`` (or ``path`` with ``-1``, ``-2`` … before its suffix when it
    exists); returns where they went. Raises OSError."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = path
    for n in range(1, 1000):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            break
        except FileExistsError:
            target = path.with_name(f"{path.stem}-{n}{path.suffix}")
    else:
        raise FileExistsError(17, "too many saved files of that name", str(path))
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as out:
        out.write(HEADER)
        for item in items:
            out.write(format_line(item))
            out.write("\n")
    return target
