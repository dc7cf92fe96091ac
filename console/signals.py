"""Signals while a command changes the cluster: SIGINT, SIGTERM, SIGHUP and SIGQUIT all mean
"stop at the next safe point". The running action sees its cancel event set, writes nothing
more (never a new traffic shift), and its outcome is still audited and printed."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: The signals a terminal session or a supervisor sends to stop a program.
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    s for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT) if s is not None
)


@contextmanager
def stop_on_signals(cancel: threading.Event) -> Iterator[list[str]]:
    """While inside, each stop signal sets ``cancel`` (the names received are yielded). The
    handlers before are restored on the way out. Main thread only (as Python's signals are)."""
    received: list[str] = []
    before: dict[signal.Signals, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        received.append(name)
        if not cancel.is_set():
            cancel.set()
            with contextlib.suppress(OSError):  # the terminal is gone (SIGHUP): stop anyway
                print(
                    f"{name}: stopping at the next safe point; nothing more will be written",
                    file=sys.stderr,
                    flush=True,
                )

    for sig in STOP_SIGNALS:
        before[sig] = signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)
