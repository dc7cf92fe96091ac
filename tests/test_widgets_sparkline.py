"""Unit tests for the pure sparkline renderer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.budget import budget
from widgets.sparkline import BLOCKS, finite_values, render_sparkline, resample


def test_shape_is_exact() -> None:
    for width in (0, 1, 2, 7, 80):
        for height in (1, 2, 3):
            rows = render_sparkline([1.0, 5.0, 2.0], width, height)
            assert len(rows) == height
            assert all(len(row) == width for row in rows)


def test_zero_height_is_no_rows() -> None:
    assert render_sparkline([1.0], 5, 0) == []


def test_empty_and_all_missing_are_blank() -> None:
    assert render_sparkline([], 4) == ["    "]
    assert render_sparkline([None, None], 4, 2) == ["    ", "    "]
    assert render_sparkline([math.nan, math.inf, -math.inf], 3) == ["   "]


def test_rising_series_uses_all_eighths() -> None:
    assert render_sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == [BLOCKS]


def test_gaps_are_spaces_and_zero_is_visible() -> None:
    assert render_sparkline([0.0, None, 7.0], 3) == ["▁ █"]


def test_nan_and_inf_are_gaps_and_do_not_change_the_scale() -> None:
    assert render_sparkline([0.0, math.nan, 7.0, math.inf, -math.inf], 5) == ["▁ █  "]


def test_constant_zero_draws_low_line() -> None:
    assert render_sparkline([0.0, 0.0, 0.0], 3) == ["▁▁▁"]


def test_no_range_draws_low_line() -> None:
    assert render_sparkline([5.0, 5.0], 2, lo=5.0, hi=5.0) == ["▁▁"]
    assert render_sparkline([-3.0, -3.0], 2) == ["▁▁"]


def test_constant_positive_is_full_against_zero_baseline() -> None:
    assert render_sparkline([5.0, 5.0], 2) == ["██"]


def test_single_point_stretches_to_full_width() -> None:
    assert render_sparkline([3.0], 4) == ["████"]


def test_fewer_points_than_columns_are_right_aligned() -> None:
    rows = render_sparkline([0.0, 7.0], 5)
    assert rows == [" ▁▁██"]
    # the newest point always sits at the right edge
    assert render_sparkline([0.0, 1.0, 7.0], 8)[0].endswith("██")


def test_resampling_keeps_the_max_of_each_bin() -> None:
    values: list[float | None] = [0.0] * 1000
    values[503] = 100.0  # a one-sample spike
    row = render_sparkline(values, 10)[0]
    assert row.count("█") == 1
    assert row[5] == "█"


def test_resample_bins_cover_all_points() -> None:
    assert resample([1.0, 2.0, 3.0, 4.0], 2) == [2.0, 4.0]
    assert resample([1.0, None, None, 4.0], 2) == [1.0, 4.0]
    assert resample([None, None, 1.0, 2.0], 2) == [None, 2.0]
    assert resample([1.0, 2.0], 0) == []


def test_width_one_shows_the_maximum() -> None:
    assert render_sparkline([0.0, 7.0, 1.0], 1) == ["█"]
    assert render_sparkline([None], 1) == [" "]


def test_huge_values_do_not_overflow() -> None:
    rows = render_sparkline([-1e308, 0.0, 1e308], 3)
    assert rows == ["▁▅█"]
    assert render_sparkline([1e300, 1e301], 2)[0][1] == "█"


def test_multi_row_full_blocks_below_partial_on_top() -> None:
    rows = render_sparkline([0.0, 8.0, 15.0], 3, 2, lo=0.0, hi=15.0)
    top, bottom = rows
    assert bottom == "▁██"
    assert top[0] == " " and top[2] == "█"
    assert top[1] in BLOCKS[:-1]


def test_explicit_scale_clamps() -> None:
    assert render_sparkline([-5.0, 50.0], 2, lo=0.0, hi=10.0) == ["▁█"]


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_bounds_fall_back_to_data(bad: float) -> None:
    assert render_sparkline([0.0, 7.0], 2, lo=bad, hi=bad) == ["▁█"]


def test_finite_values_filters() -> None:
    assert finite_values([1.0, None, math.nan, math.inf, 2.0]) == [1.0, 2.0]


@pytest.mark.parametrize("width", [33, 35, 42, 100])
def test_bins_fixed_in_time_change_one_column_per_new_point(width: int) -> None:
    from widgets.sparkline import resample_binned

    series = [float((i * 7) % 11) for i in range(300)]
    shown = [resample_binned(series[k : k + 100], width, offset=k) for k in range(60, 90)]
    moves = 0
    for before, after, k in zip(shown, shown[1:], range(61, 90), strict=False):
        newest = k + 99
        # (the left-hand column loses its oldest point as the window slides: it may change too)
        if newest * width // 100 != (newest - 1) * width // 100:  # the new point starts a bin
            assert after[1:-1] == before[2:]  # the chart moved one column left
            moves += 1
        else:  # it joins the newest bin: only the right-hand column can change
            assert after[1:-1] == before[1:-1]
    assert moves == pytest.approx(29 * width / 100, abs=1)  # a move per bin width, no more
    # Each column is the maximum of its points, never averaged away, and none is left blank.
    for width, k in ((33, 0), (42, 5), (99, 17)):
        columns = resample_binned(series[k : k + 99], width, offset=k)
        assert None not in columns
        newest_bin = [i for i in range(k, k + 99) if i * width // 99 == (k + 98) * width // 99]
        assert columns[-1] == max(series[newest_bin[0] : k + 99])
    assert resample_binned(series[:99], 33, offset=0)[0] == max(series[0:3])
    # With an offset the whole sparkline is drawn the same width.
    assert len(render_sparkline(series[:100], 35, 2, offset=7)) == 2


def test_binned_columns_are_never_blank_and_fewer_points_stretch() -> None:
    series = [1.0] * 100
    for width in (35, 42, 61, 100):
        assert " " not in render_sparkline(series, width, 1, offset=5)[0]
    # Fewer points than columns: each point is stretched over whole columns as without bins.
    assert render_sparkline([1.0, 2.0], 4, 1, offset=9) == render_sparkline([1.0, 2.0], 4, 1)


# The first, plain implementations: a column at a time, one call per value. The drawing code was
# made faster (it runs for every sparkline at every refresh); these say what it must still draw.


def _plain_binned(values: list[float | None], width: int, offset: int) -> list[float | None]:
    points = [v if v is not None and math.isfinite(v) else None for v in values]
    count = len(points)
    if count == 0:
        return [None] * width
    per_count, per_width = (count, width) if count >= width else (1, 1)

    def first_point(bin_index: int) -> int:
        return -(-bin_index * per_count // per_width)

    last_bin = (offset + count - 1) * per_width // per_count
    columns: list[float | None] = []
    for bin_index in range(last_bin - width + 1, last_bin + 1):
        start = first_point(bin_index) - offset
        end = first_point(bin_index + 1) - offset
        present = [v for v in points[max(start, 0) : max(end, 0)] if v is not None]
        columns.append(max(present) if present else None)
    return columns


def _plain_rows(columns: list[float | None], height: int, lo: float, hi: float) -> list[str]:
    def fraction(value: float) -> float:
        span = hi - lo
        v, low = value, lo
        if math.isinf(span):
            v, low, span = value / 2, lo / 2, hi / 2 - lo / 2
        return min(1.0, max(0.0, (v - low) / span))

    steps = 8 * height
    levels = [
        0 if v is None else 1 if hi <= lo else 1 + round(fraction(v) * (steps - 1)) for v in columns
    ]
    rows = []
    for row in range(height - 1, -1, -1):
        cells = [
            " " if level - row * 8 <= 0 else BLOCKS[min(8, level - row * 8) - 1] for level in levels
        ]
        rows.append("".join(cells))
    return rows


_value = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e3, max_value=1e3),
)


@budget(300)
@given(
    values=st.lists(_value, max_size=400),
    width=st.integers(1, 160),
    height=st.integers(1, 4),
    offset=st.integers(0, 10**7),
    scale=st.one_of(st.none(), st.tuples(st.floats(-1e308, 1e308), st.floats(-1e308, 1e308))),
)
def test_drawing_matches_the_plain_implementation(
    values: list[float | None],
    width: int,
    height: int,
    offset: int,
    scale: tuple[float, float] | None,
) -> None:
    from widgets.sparkline import resample_binned

    columns = _plain_binned(values, width, offset) if len(values) >= width else None
    if columns is not None:
        assert resample_binned(values, width, offset) == columns
    else:
        columns = resample(values, width)
    present = [v for v in columns if v is not None]
    lo, hi = scale if scale is not None else (None, None)
    drawn = render_sparkline(values, width, height, lo=lo, hi=hi, offset=offset)
    if not present:
        assert drawn == [" " * width] * height
        return
    low = min(0.0, min(present)) if lo is None else lo
    high = max(present) if hi is None else hi
    assert drawn == _plain_rows(columns, height, low, high)
