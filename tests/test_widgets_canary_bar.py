"""The canary bar: plan with the current step, share, gates, warm-up meter, hostile text."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

import themes
from tests.support import count_repaints
from widgets.canary_bar import CanaryBar, CanaryBarData

STEPS = (1.0, 5.0, 10.0, 25.0, 50.0, 100.0)


class BarApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        themes.register_themes(self)
        self.theme = themes.DEFAULT_THEME

    def compose(self) -> ComposeResult:
        yield CanaryBar(id="bar")


async def shown(data: CanaryBarData | None, width: int = 120) -> tuple[str, CanaryBar]:
    app = BarApp()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(CanaryBar)
        bar.data = data
        await pilot.pause()
        return bar.plain, bar


async def test_plan_share_and_gates() -> None:
    text, _ = await shown(CanaryBarData(STEPS, 5.0, observed=5.3, gates="pass", mirror=10))
    assert text.startswith(" plan 1% 5% 10% 25% 50% 100% │ observed 5.3% │ mirror 10% │ gates ✓")


async def test_current_step_is_styled_apart_from_the_rest() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(CanaryBar)
        bar.data = CanaryBarData(STEPS, 10.0)
        await pilot.pause()
        segments = list(bar.render_line(0))
        styles = {seg.text: seg.style for seg in segments}
        assert styles["10%"] != styles["25%"] and styles["10%"] != styles["5%"]


async def test_weight_off_the_plan_is_named() -> None:
    text, _ = await shown(CanaryBarData(STEPS, 7.0))
    assert "(now 7%)" in text


async def test_warm_up_meter_and_activity() -> None:
    text, _ = await shown(
        CanaryBarData(STEPS, 5.0, gates="pass", activity="warming 3/4 ready", progress=(3, 4))
    )
    assert "│ warming 3/4 ready ▕" + "█" * 8 + "·" * 2 + "▏" in text


async def test_failing_gate_reason_is_shown_and_cleaned() -> None:
    text, _ = await shown(
        CanaryBarData(STEPS, 5.0, gates="fail", gate_detail="5xx \x1b]52;c;aGk=\x07share 9%")
    )
    assert "gates ✗" in text and "5xx share 9%" in text
    assert "\x1b" not in text and "\x07" not in text


async def test_nothing_to_show_is_blank_and_narrow_is_cut() -> None:
    text, _ = await shown(None, 40)
    assert text == " " * 40
    text, _ = await shown(CanaryBarData(STEPS, 5.0, observed=5.3, gates="pass"), 30)
    assert len(text) == 30


async def test_new_data_that_reads_the_same_is_not_repainted() -> None:
    app = BarApp()
    async with app.run_test(size=(100, 3)) as pilot:
        bar = app.query_one(CanaryBar)
        bar.data = CanaryBarData(STEPS, 5.0, observed=5.31, gates="pass")
        await pilot.pause()
        repaints = count_repaints(bar)
        bar.data = CanaryBarData(STEPS, 5.0, observed=5.34, gates="pass")  # still "5.3%"
        await pilot.pause()
        assert repaints == [] and "observed 5.3%" in bar.plain
        bar.data = CanaryBarData(STEPS, 5.0, observed=5.9, gates="pass")
        await pilot.pause()
        assert repaints == [1] and "observed 5.9%" in bar.plain


@pytest.mark.parametrize(
    ("width", "reason"),
    [
        (140, "canary 5xx share 9.59% over the 2.00% limit (stable 0.00%)"),
        (100, "canary 5xx share 9.59% over the 2.00% limit"),
        (80, "5xx 9.59% > 2.00%"),
    ],
)
async def test_gate_reason_is_whole_without_its_parenthetical_or_short(
    width: int, reason: str
) -> None:
    data = CanaryBarData(
        STEPS,
        5.0,
        observed=5.4,
        gates="fail",
        gate_detail="canary 5xx share 9.59% over the 2.00% limit (stable 0.00%)",
        gate_short="5xx 9.59% > 2.00%",
    )
    text, _ = await shown(data, width)
    assert text.rstrip().endswith(f"gates ✗ {reason}"), text
    assert "…" not in text


async def test_no_room_for_any_form_of_the_reason_leaves_it_out() -> None:
    data = CanaryBarData(STEPS, 5.0, gates="fail", gate_detail="x" * 80, gate_short="y" * 60)
    text, _ = await shown(data, 60)
    assert text.rstrip().endswith("gates ✗") and "…" not in text
