"""SVG snapshots of the dashboard at 80×24 and 160×48: fixed seed, frozen clock."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tests.support import demo_app, wait_logs, wait_polls


def _shot(
    snap_compare: Any,
    size: tuple[int, int],
    scenario: str = "healthy",
    theme: str | None = None,
    keys: tuple[str, ...] = (),
) -> bool:
    app = demo_app(scenario)
    if theme:
        app.theme = theme

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_polls(pilot, app)
        await wait_logs(pilot, app)
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    result: bool = snap_compare(app, terminal_size=size, run_before=run_before)
    return result


def test_dashboard_compact_80x24(snap_compare: Any) -> None:
    assert _shot(snap_compare, (80, 24))


def test_dashboard_wide_160x48(snap_compare: Any) -> None:
    assert _shot(snap_compare, (160, 48))


def test_failing_canary_light_theme_160x48(snap_compare: Any) -> None:
    assert _shot(snap_compare, (160, 48), "failing-canary", theme="console-light")


def test_slow_canary_colorblind_80x24(snap_compare: Any) -> None:
    assert _shot(snap_compare, (80, 24), "slow-canary", theme="console-colorblind")


def test_help_80x24(snap_compare: Any) -> None:
    assert _shot(snap_compare, (80, 24), keys=("question_mark",))
