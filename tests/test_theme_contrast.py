"""Legible themes, measured on the rendered screen: the real console over the simulated fleet,
in each theme, with every colour pair the compositor draws held to WCAG AA (text 4.5:1,
sparklines and bars 3:1) — the dashboard in both layouts, log lines of every level with filter
highlights, and the help screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region

from console.tui.app import ConsoleApp
from console.tui.screens.help import HelpScreen
from tests.contrast import failures, ratio
from tests.support import demo_app, file_app, log_stream, wait_polls, wait_until
from themes import THEMES

NAMES = [theme.name for theme in THEMES]


def check(
    app: ConsoleApp, what: str, minimum_pairs: int = 50, region: Region | None = None
) -> None:
    strips = app.screen._compositor.render_strips()
    if region is not None:  # a modal: what it covers is dimmed on purpose, not to be read
        strips = [s.crop(region.x, region.right) for s in strips[region.y : region.bottom]]
    found, checked = failures(strips)
    assert checked >= minimum_pairs, f"{what}: only {checked} pairs drawn"
    assert not found, f"{what} in {app.theme}:\n" + "\n".join(map(str, found[:20]))


def test_the_checker_catches_what_the_issue_saw() -> None:
    # The light theme's log text was #ffffff on #eceef2; Okabe-Ito blue on #1a1a1a.
    assert ratio((255, 255, 255), (0xEC, 0xEE, 0xF2)) < 1.2
    assert 3.3 < ratio((0x00, 0x72, 0xB2), (0x1A, 0x1A, 0x1A)) < 3.4


@pytest.mark.parametrize("theme", NAMES)
@pytest.mark.parametrize(
    ("size", "scenario"),
    [((80, 24), "failing-canary"), ((160, 48), "failing-canary"), ((120, 40), "cold-start")],
)
async def test_dashboard_is_legible(theme: str, size: tuple[int, int], scenario: str) -> None:
    app = demo_app(scenario)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await wait_polls(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.gates is not None, "the gates")
        await wait_polls(pilot, app)
        check(app, f"dashboard {size} {scenario}", minimum_pairs=150)


@pytest.mark.parametrize("theme", NAMES)
async def test_log_levels_and_filter_highlights_are_legible(theme: str, tmp_path: Path) -> None:
    lines = [
        "ERROR 12-04 10:00:00 engine.py:1 req-1 CUDA out of memory",
        "WARNING 12-04 10:00:01 scheduler.py:2 req-2 preempted",
        "INFO 12-04 10:00:02 loggers.py:3 req-3 Avg prompt throughput",
        "DEBUG 12-04 10:00:03 worker.py:4 req-4 step done",
    ]
    app = file_app(tmp_path, lines)
    async with app.run_test(size=(120, 30)) as pilot:
        app.theme = theme
        await wait_until(pilot, lambda: log_stream(app).status.total == 4, "the file's lines")
        await pilot.press("slash")
        await pilot.press(*"req", "enter")
        await wait_until(pilot, lambda: log_stream(app).status.filter == "req", "the filter")
        await wait_polls(pilot, app)
        check(app, "logs with a filter")


@pytest.mark.parametrize("theme", NAMES)
async def test_help_is_legible(theme: str) -> None:
    app = demo_app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.theme = theme
        await wait_polls(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await pilot.pause()
        check(app, "help", region=app.screen.query_one("#help-box").region)


@pytest.mark.parametrize("theme", NAMES)
async def test_confirm_dialog_and_cost_screen_are_legible(theme: str) -> None:
    from console.tui.screens.confirm import ConfirmScreen
    from console.tui.screens.cost import CostScreen

    app = demo_app()
    async with app.run_test(size=(100, 40)) as pilot:
        app.theme = theme
        await wait_polls(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        await pilot.pause()
        check(app, "confirm", region=app.screen.query_one("#confirm-box").region)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "closed")
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CostScreen), "the cost screen")
        await pilot.pause(0.2)
        check(app, "cost")
