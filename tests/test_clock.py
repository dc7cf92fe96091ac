"""The poll beat: periodic work on one clock lands together and does not drift."""

from __future__ import annotations

import pytest

from console.clock import next_beat


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
