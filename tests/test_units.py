"""Durations and quantities: every unit's factor, what is refused, and formatting that reads back
as the number it was given (to the precision it shows)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.units import format_bytes, format_duration, format_si, parse_duration, parse_quantity
from tests.budget import budget

SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FACTORS = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


@budget(200)
@given(
    st.integers(1, 500) | st.floats(1, 500).map(lambda x: round(x, 2)),
    st.sampled_from(sorted(SECONDS)),
    st.sampled_from(["", " "]),
)
def test_every_duration_unit_has_its_factor(number: float, unit: str, space: str) -> None:
    seconds = parse_duration(f"{number}{space}{unit}")
    assert math.isclose(seconds, float(f"{number}") * SECONDS[unit], rel_tol=1e-12)


def test_durations_by_example() -> None:
    assert parse_duration("90") == 90.0
    assert parse_duration("90s") == 90.0
    assert parse_duration(" 5m ") == 300.0
    assert parse_duration("1.5h") == 5400.0
    assert parse_duration("7d") == 604800.0
    assert parse_duration("2w") == 1209600.0
    assert parse_duration("250ms") == 0.25
    assert parse_duration(42) == 42.0
    assert parse_duration(0.5) == 0.5


@pytest.mark.parametrize(
    "bad", ["", "5x", "m5", "-5m", "5 m s", "1e3s", "five", "0", "0s", 0, -1, math.inf, math.nan]
)
def test_durations_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)  # type: ignore[arg-type]


def test_durations_are_between_a_millisecond_and_ten_years() -> None:
    assert parse_duration("1ms") == 0.001
    assert parse_duration("3650d") == 3650 * 86400
    for bad in ("0.5ms", "3651d", "522w", 3650 * 86400 + 1):
        with pytest.raises(ValueError):
            parse_duration(bad)


@pytest.mark.parametrize("bad", [True, False])
def test_a_boolean_is_not_a_duration_or_a_number(bad: bool) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)
    with pytest.raises(ValueError):
        parse_quantity(bad)


@budget(200)
@given(
    st.integers(0, 100_000) | st.floats(0, 1000).map(lambda x: round(x, 3)),
    st.sampled_from(sorted(FACTORS)),
    st.booleans(),
)
def test_every_quantity_suffix_has_its_factor(number: float, suffix: str, lower: bool) -> None:
    text = f"{number}{suffix.lower() if lower else suffix}"
    assert math.isclose(parse_quantity(text), float(f"{number}") * FACTORS[suffix], rel_tol=1e-12)


def test_quantities_by_example() -> None:
    assert parse_quantity("1,000M") == 1e9
    assert parse_quantity("1_500") == 1500.0
    assert parse_quantity(".5k") == 500.0
    assert parse_quantity(" 2 G ") == 2e9
    assert parse_quantity("0") == 0.0
    assert parse_quantity(3) == 3.0
    assert parse_quantity(0) == 0.0


@pytest.mark.parametrize("bad", ["", "-1", "1x", "k", "1kk", "1e3", "nan", -1, -0.5, math.inf])
def test_quantities_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_quantity(bad)  # type: ignore[arg-type]


@budget(300)
@given(st.integers(0, 400 * 86400))
def test_formatted_durations_read_back(seconds: int) -> None:
    """What is shown parses back to the duration, cut to the last unit shown: seconds below an
    hour, minutes below a day, hours beyond."""
    text = format_duration(seconds)
    shown = 0.0
    for number, unit in re.findall(r"(\d+)([smhd])", text):
        shown += int(number) * SECONDS[unit]
    assert "".join(re.findall(r"\d+[smhd]", text)) == text
    grain = 1 if seconds < 3600 else 60 if seconds < 86400 else 3600
    assert shown == seconds - seconds % grain, text


def test_durations_formatted_by_example() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(59.6) == "1m"
    assert format_duration(60) == "1m"
    assert format_duration(61) == "1m01s"
    assert format_duration(3600) == "1h"
    assert format_duration(5400) == "1h30m"
    assert format_duration(86400) == "1d"
    assert format_duration(7 * 86400 + 3 * 3600) == "7d3h"


@budget(300)
# The panels' range: below 1e-3 and from 1e15 up the text is scientific (1e-4, 1e15), shown
# as such and not meant to be read back.
@given(st.floats(1e-3, 9.99e14) | st.just(0.0) | st.integers(0, 10**6).map(float))
def test_si_numbers_read_back_to_three_figures(value: float) -> None:
    text = format_si(value)
    assert math.isclose(parse_quantity(text), value, rel_tol=5e-3, abs_tol=5e-3), text
    mantissa = text.rstrip("kMGT")
    assert text.endswith("T") or float(mantissa) < 1000, text  # the largest fitting suffix
    assert len(mantissa.replace(".", "").lstrip("0")) <= 3 or text.endswith("T"), text
    assert format_si(-value) == (f"-{text}" if value else "0")


def test_si_by_example() -> None:
    assert format_si(0) == "0"
    assert format_si(999) == "999"
    assert format_si(999.6) == "1k"
    assert format_si(1234) == "1.23k"
    assert format_si(1_500_000) == "1.5M"
    assert format_si(2.5e9) == "2.5G"
    assert format_si(7e12) == "7T"
    assert format_si(0.0123) == "0.0123"
    assert format_si(12.34) == "12.3"
    assert format_si(1234, digits=2) == "1.2k"


@budget(200)
@given(st.integers(0, (1 << 50) - 1))  # up to a pebibyte, past which the text is scientific
def test_bytes_read_back_to_three_figures(value: int) -> None:
    text = format_bytes(value)
    units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
    number, unit = next(
        (text[: -len(u)], u) for u in ("TiB", "GiB", "MiB", "KiB", "B") if text.endswith(u)
    )
    assert math.isclose(float(number) * units[unit], value, rel_tol=5e-3, abs_tol=0.5), text
    assert unit in ("B", "TiB") or 1 <= float(number) < 1024, text


def test_bytes_by_example() -> None:
    assert format_bytes(512) == "512B"
    assert format_bytes(1024) == "1KiB"
    assert format_bytes(1536) == "1.5KiB"
    assert format_bytes(24 * (1 << 30)) == "24GiB"
    assert format_bytes(3 * (1 << 40)) == "3TiB"


def test_values_on_a_unit_boundary_move_to_the_next_unit() -> None:
    assert format_si(999.5) == "1k"  # rounds to 1000: shown as 1k, never "1000"
    assert format_si(999.4) == "999"
    assert format_bytes(1023.5) == "1KiB"  # rounds to 1024 bytes: shown as 1KiB
    assert format_bytes(1023) == "1023B"
