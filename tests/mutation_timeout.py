"""A time limit per test, for ``make mutation`` only (``scripts/mutation.py`` loads this plugin
with ``-p tests.mutation_timeout`` and sets ``CONSOLE_TEST_TIMEOUT``): a mutant that makes code
loop forever fails the test it hangs after that many seconds, instead of holding a worker until
mutmut's own limit for the whole run of that mutant's tests. Every test takes a few seconds at
most unmutated, so the limit judges nothing else."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

LIMIT_S = float(os.environ.get("CONSOLE_TEST_TIMEOUT", "0") or 0)


class TimedOut(BaseException):
    """Raised in the test's thread when it runs over the limit (a BaseException, so that code
    catching ``Exception`` cannot swallow it and loop on)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    if LIMIT_S <= 0:
        return (yield)

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimedOut(f"{item.nodeid} ran over {LIMIT_S:g}s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_S, 1.0)  # and again each second until it stops
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
