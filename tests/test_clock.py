"""The poll schedule: periodic work on one clock lands together and does not drift; a failing
source is asked ever less often, within bounds."""

from __future__ import annotations

import pytest

from console.clock import MAX_BACKOFF_S, backoff, next_beat


@pytest.mark.parametrize(
    ("now", "period", "lead", "expected"),
    [
        (10.0, 1.0, 0.0, 1.0),  # on a beat: the next one, a whole period away
        (10.3, 1.0, 0.0, 0.7),
        (10.6, 1.0, 0.0, 1.4),  # under half a period left: the beat after
        (10.3, 1.0, 0.1, 0.6),  # a lead of 0.1 s: beats at k - 0.1
        (7.0, 5.0, 0.0, 3.0),
    ],
)
def test_next_beat(now: float, period: float, lead: float, expected: float) -> None:
    assert next_beat(now, period, lead) == pytest.approx(expected)


def test_a_long_poll_does_not_shift_the_beats_after_it() -> None:
    # Polls that take 0.1 s and 0.4 s still start on whole seconds.
    start = 100.0
    for took in (0.1, 0.4, 0.05):
        done = start + took
        start = done + next_beat(done, 1.0)
        assert start == pytest.approx(round(start))


@pytest.mark.parametrize(
    ("interval", "failures", "expected"),
    [
        (1.0, 1, 2.0),  # the first failure: twice the interval
        (1.0, 2, 4.0),
        (1.0, 4, 16.0),
        (1.0, 5, 30.0),  # 32 s capped at 30 s
        (1.0, 50, 30.0),
        (0.2, 1, 0.4),
        (0.2, 3, 1.6),
        (0.2, 6, 12.8),  # doubling stops after six failures: 64 × a short interval
        (0.2, 7, 12.8),
        (60.0, 1, 60.0),  # an interval over the cap: never sooner than a refresh
        (5.0, 0, 5.0),
    ],
)
def test_backoff(interval: float, failures: int, expected: float) -> None:
    assert backoff(interval, failures) == pytest.approx(expected)


def test_backoff_grows_and_stays_within_its_bounds() -> None:
    for interval in (0.1, 0.2, 1.0, 5.0, 45.0):
        delays = [backoff(interval, n) for n in range(1, 1200)]  # 2 ** 1200 would overflow
        assert delays == sorted(delays)
        assert all(interval <= d <= max(MAX_BACKOFF_S, interval) for d in delays)
