"""Waiting on state, never on time: one polling helper for threads and processes
(``eventually``) and one for a running app under Pilot (``wait_until``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from textual.pilot import Pilot

T = TypeVar("T")

#: The first look again comes this soon; each later one twice as late, up to ``MAX_INTERVAL_S``.
FIRST_INTERVAL_S = 0.01
MAX_INTERVAL_S = 0.1


def eventually(
    condition: Callable[[], T],
    what: str,
    timeout: float = 10.0,
    detail: Callable[[], str] | None = None,
) -> T:
    """Call ``condition`` until it returns something true and return that; fail after ``timeout``
    seconds, naming ``what`` (and ``detail()``, e.g. the screen, when given)."""
    deadline = time.monotonic() + timeout
    interval = FIRST_INTERVAL_S
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f":\n{detail()}" if detail is not None else ""
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}{extra}")
        time.sleep(interval)
        interval = min(interval * 2, MAX_INTERVAL_S)


async def wait_until(
    pilot: Pilot[object],
    condition: Callable[[], object],
    what: str = "condition",
    timeout: float = 20.0,
) -> None:
    """Let the app run until ``condition`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        await pilot.pause(FIRST_INTERVAL_S)
