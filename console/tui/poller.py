"""A thread for a screen's polls: asked for one, it runs it and posts what it returns."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from textual.message import Message


class Poller:
    """One daemon thread that runs polls one at a time, in the order asked, and posts each
    result back. A thread for the screen's life rather than a Textual worker per poll: a worker
    costs an executor hand-off and three state-change messages, every second, on an idle screen.
    The thread waits without waking until it is asked; ``stop`` ends it after the poll in hand
    (a daemon, so a poll stuck on the network never holds the process at exit)."""

    def __init__(
        self, name: str, run: Callable[..., Message], post: Callable[[Message], object]
    ) -> None:
        self._run = run
        self._post = post
        self._asked: queue.SimpleQueue[tuple[object, ...] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def ask(self, *args: object) -> None:
        """Run ``run(*args)`` on the thread and post what it returns."""
        self._asked.put(args)

    def stop(self) -> None:
        self._asked.put(None)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end (after ``stop``); whether it did."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        while (args := self._asked.get()) is not None:
            self._post(self._run(*args))
