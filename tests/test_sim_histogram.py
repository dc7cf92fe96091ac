"""histogram_quantile against hand-computed cases, and vLLM's bucket boundaries."""

from __future__ import annotations

import math

import pytest

from console.sim.histogram import (
    E2E_BUCKETS,
    ITL_BUCKETS,
    TOKEN_BUCKETS,
    TTFT_BUCKETS,
    bucket_width_at,
    cumulate,
    histogram_quantile,
    token_buckets,
)

BOUNDS = (1.0, 2.0, 4.0)
CUM = (10.0, 20.0, 30.0, 40.0)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (0.1, 0.4),  # lowest bucket interpolates from 0
        (0.25, 1.0),
        (0.5, 2.0),
        (0.6, 2.8),  # 2 + (4 - 2) * (24 - 20) / 10
        (0.75, 4.0),
        (0.99, 4.0),  # rank in +Inf → highest finite bound
        (1.0, 4.0),
    ],
)
def test_quantile_hand_computed(q: float, expected: float) -> None:
    assert histogram_quantile(q, BOUNDS, CUM) == pytest.approx(expected)


def test_quantile_edges() -> None:
    assert histogram_quantile(0.5, BOUNDS, (0, 0, 0, 0)) is None
    assert histogram_quantile(1.5, BOUNDS, CUM) == math.inf
    assert histogram_quantile(-0.1, BOUNDS, CUM) == -math.inf
    assert histogram_quantile(math.nan, BOUNDS, CUM) is None
    # All observations above the last finite bound.
    assert histogram_quantile(0.5, BOUNDS, (0, 0, 0, 7)) == 4.0
    # Empty buckets below are skipped: rank 5 of 10 in (2, 4].
    assert histogram_quantile(0.5, BOUNDS, (0, 0, 10, 10)) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        histogram_quantile(0.5, BOUNDS, (1, 2, 3))


def test_cumulate_and_width() -> None:
    assert cumulate([1, 2, 0, 3]) == [1, 3, 3, 6]
    assert bucket_width_at(BOUNDS, 0.5) == 1.0
    assert bucket_width_at(BOUNDS, 2.0) == 1.0
    assert bucket_width_at(BOUNDS, 3.0) == 2.0
    assert bucket_width_at(BOUNDS, 9.0) == math.inf


def test_vllm_bucket_boundaries() -> None:
    assert len(TTFT_BUCKETS) == 22 and 2.0 not in TTFT_BUCKETS and TTFT_BUCKETS[-1] == 2560.0
    assert len(ITL_BUCKETS) == 19 and ITL_BUCKETS[0] == 0.01 and ITL_BUCKETS[-1] == 80.0
    assert len(E2E_BUCKETS) == 21 and E2E_BUCKETS[0] == 0.3 and E2E_BUCKETS[-1] == 7680.0
    assert TOKEN_BUCKETS == (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
    assert token_buckets(100) == (1, 2, 5, 10, 20, 50, 100)
    for bounds in (TTFT_BUCKETS, ITL_BUCKETS, E2E_BUCKETS, TOKEN_BUCKETS):
        assert list(bounds) == sorted(set(bounds))
