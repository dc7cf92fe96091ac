"""Tests for the status header: pure layout at every width, and the widget in a Pilot app."""

from __future__ import annotations

import math

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.color import Color

import themes
from tests.support import count_repaints
from widgets.data import HeaderData
from widgets.header_layout import (
    HEALTH_BADGES,
    format_age,
    format_burn,
    format_percent,
    header_pieces,
)
from widgets.status_header import StatusHeader

FULL = HeaderData(
    deployment="llama-3-70b",
    source="prometheus 127.0.0.1:9090",
    age_s=73.0,
    stale=True,
    window="5m",
    canary_percent=5,
    next_percent=10,
    health="degraded",
    health_reason="p99 TTFT +45% vs stable",
    burn_per_hour=12.3,
    read_only=True,
    error="prometheus: connection refused",
)
CALM = HeaderData(
    "llama-3-70b", "sim:healthy", 0.4, False, "15m", 5, 10, "healthy", burn_per_hour=3
)


def text(data: HeaderData | None, width: int) -> str:
    """The line as the widget shows it: cut at ``width`` cells."""
    line = "".join(piece for piece, _ in header_pieces(data, width, "inference-console"))
    return line if cell_len(line) <= width else line[: width - 1] + "…"


@pytest.mark.parametrize(
    ("age", "shown"),
    [(0.44, "0.4s"), (9.96, "10.0s"), (12.7, "12s"), (245, "4m05s"), (7380, "2h03m"), (-3, "0.0s")],
)
def test_format_age(age: float, shown: str) -> None:
    assert format_age(age) == shown


def test_format_age_unknown() -> None:
    assert format_age(None) == ""
    assert format_age(math.nan) == ""
    assert format_age(math.inf) == "ages"


def test_format_percent_and_burn() -> None:
    assert format_percent(5) == "5%"
    assert format_percent(2.5) == "2.5%"
    assert format_percent(100.0) == "100%"
    assert format_burn(12.3) == "$12.30/h"
    assert format_burn(1204) == "$1,204.00/h"
    assert format_burn(math.nan) == "$?/h"


def test_wide_shows_everything() -> None:
    line = text(FULL, 240)
    for part in (
        "inference-console",
        "llama-3-70b",
        "prometheus 127.0.0.1:9090",
        "5m",
        "updated 1m13s ago",
        "STALE",
        "canary 5% → 10%",
        "! degraded",
        "p99 TTFT +45% vs stable",
        "$12.30/h",
        "READ-ONLY",
        "⚠ prometheus: connection refused",
    ):
        assert part in line


def test_burn_goes_first_then_source_detail() -> None:
    full = cell_len(text(CALM, 500))
    without_burn = text(CALM, full - 1)
    assert "$3.00/h" not in without_burn and "sim:healthy" in without_burn
    narrower = text(CALM, cell_len(without_burn) - 1)
    assert "sim:healthy" not in narrower and "  sim  " in narrower


@pytest.mark.parametrize("width", [79, 60])
def test_essentials_survive_narrow_widths(width: int) -> None:
    line = text(FULL, width)
    assert "STALE" in line
    assert "degraded" in line
    assert "10%" in line
    assert "READ-ONLY" in line or " RO " in line
    assert "llama-3-70b" in line


def test_80_columns_fit_without_cutting_the_calm_case() -> None:
    line = text(CALM, 79)
    assert cell_len(line) <= 79
    assert "✓ healthy" in line and "updated 0.4s ago" in line


def test_no_data_and_no_canary() -> None:
    line = text(HeaderData("d", "sim", None, False, "5m", None, None, ""), 80)
    assert "no data yet" in line and HEALTH_BADGES["no canary"] in line
    assert "no data yet" in text(None, 80)


def test_unknown_health_is_spelled_out() -> None:
    pieces = header_pieces(
        HeaderData("d", "s", 1, False, "5m", 5, None, "[b]weird\x1b[2J"), 200, ""
    )
    assert ("? [b]weird", "inconclusive") in [(t.strip(), r) for t, r in pieces]


def test_long_names_are_cut() -> None:
    line = text(HeaderData("x" * 10_000, "s", 1, True, "5m", 5, 10, "failing"), 80)
    assert "x" * 32 not in line and "x…" in line
    assert "STALE" in line and "failing" in line


class HeaderApp(App[None]):
    def __init__(self, data: HeaderData | None) -> None:
        super().__init__()
        themes.register_themes(self)
        self.theme = themes.DEFAULT_THEME
        self._data = data
        self.clicks = 0

    def compose(self) -> ComposeResult:
        yield StatusHeader(self._data, id="status")

    def on_status_header_clicked(self, message: StatusHeader.Clicked) -> None:
        self.clicks += 1


async def test_one_line_at_80_columns() -> None:
    app = HeaderApp(FULL)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        header = app.query_one(StatusHeader)
        assert header.outer_size == (80, 1)
        line = header.plain
        assert len(line) == 80
        assert "STALE" in line and "degraded" in line and "READ-ONLY" in line
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert "p99 TTFT +45% vs stable" in header.plain
        await pilot.resize_terminal(240, 48)
        await pilot.pause()
        assert "$12.30/h" in header.plain


async def test_hostile_text_is_literal_and_the_app_survives() -> None:
    evil = "[bold]x[/x] [link=file:///etc/passwd]y[/link] \x1b]52;c;aGk=\x07\x1b[2J\x9b\x07"
    data = HeaderData(evil, evil, 1.0, False, evil, 5, 10, evil, evil, read_only=False, error=evil)
    app = HeaderApp(data)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        header = app.query_one(StatusHeader)
        line = header.plain
        assert "[bold]x[/x]" in line
        assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in line)
        header.show(CALM)
        await pilot.pause()
        assert "llama-3-70b" in header.plain


def badge_background(header: StatusHeader, word: str) -> str:
    for segment in header.render_line(0):
        if word in segment.text and segment.style and segment.style.bgcolor:
            return Color.from_rich_color(segment.style.bgcolor).hex.lower()
    raise AssertionError(f"no badge {word!r}")


async def test_badges_take_their_colours_from_the_theme() -> None:
    app = HeaderApp(FULL)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        header = app.query_one(StatusHeader)
        seen = set()
        for name in ("console-dark", "console-colorblind"):
            app.theme = name
            await pilot.pause()
            variables = app.current_theme.variables
            stale = badge_background(header, "STALE")
            degraded = badge_background(header, "degraded")
            assert stale == Color.parse(variables["stale"]).hex.lower()
            assert degraded == Color.parse(variables["canary-degraded"]).hex.lower()
            seen.add((stale, degraded))
        assert len(seen) == 2


async def test_click_posts_clicked() -> None:
    app = HeaderApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click("#status")
        await pilot.pause()
        assert app.clicks == 1
        assert "no data yet" in app.query_one(StatusHeader).plain


async def test_new_data_that_reads_the_same_is_not_repainted() -> None:
    from dataclasses import replace

    app = HeaderApp(CALM)
    async with app.run_test(size=(120, 3)) as pilot:
        await pilot.pause()
        header = app.query_one(StatusHeader)
        repaints = count_repaints(header)
        header.data = replace(CALM, age_s=0.41)  # still "0.4s ago"
        await pilot.pause()
        assert repaints == [] and "0.4s" in header.plain
        header.data = replace(CALM, age_s=3.0)
        await pilot.pause()
        assert repaints == [1] and "3.0s" in header.plain


def test_health_reason_gives_way_to_its_short_form_before_going() -> None:
    data = HeaderData(
        "llama",
        "sim:failing-canary",
        0.4,
        False,
        "5m",
        5,
        10,
        "failing",
        health_reason="canary 5xx share 9.59% over the 2.00% limit (stable 0.00%)",
        health_short="5xx 9.59% > 2.00%",
    )
    wide = text(data, 200)
    assert "over the 2.00% limit (stable 0.00%)" in wide
    middle = text(data, 80)
    assert "✗ failing" in middle and middle.endswith("5xx 9.59% > 2.00%")
    assert "…" not in middle
    narrow = text(data, 50)
    assert "5xx" not in narrow and "failing" in narrow and "…" not in narrow
