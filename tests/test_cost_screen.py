"""The cost screen and chart: a pilot flow in a tiny app and an 80×24 SVG snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

import themes
from console.cost import CostInputs, CostReport, Figure, compute
from console.cost.curve import cost_curve
from console.tui.screens.cost import CostScreen
from widgets.braille import plot
from widgets.cost_chart import CostChart, money_tick


def _report() -> CostReport:
    def f(value: float, provenance: str = "measured") -> Figure:
        return Figure(value=value, provenance=provenance)  # type: ignore[arg-type]

    inputs = CostInputs(
        input_tokens=f(1_000e6),
        output_tokens=f(500e6),
        price_in_per_mtok=f(1.25, "config"),
        price_out_per_mtok=f(10.0, "config"),
        gpu_hours=f(1_600),
        gpu_hour_price=f(3.50, "config"),
        engineering_hours_per_week=f(0, "default"),
        engineering_rate=f(0, "default"),
        horizon_s=f(86400 * 7, "default"),
        stable_gpu_hours=f(1_400),
        canary_gpu_hours=f(200),
        rollout_hours=f(48),
    )
    return compute(inputs, ["stable (llama-v1): \x1b[31m[b]markup[/b] and escapes stay literal"])


class CostApp(App[None]):
    def __init__(self, report: CostReport) -> None:
        super().__init__()
        themes.register_themes(self)
        self.theme = themes.DEFAULT_THEME
        self.report = report
        self.cost_closed = False

    def compose(self) -> ComposeResult:
        yield Static("dashboard", id="under")

    def on_mount(self) -> None:
        self.push_screen(
            CostScreen(self.report, "Cost of llama", "prometheus"), self._on_cost_closed
        )

    def _on_cost_closed(self, _: None) -> None:
        self.cost_closed = True


async def test_cost_screen_shows_the_breakdown_and_closes_on_each_key() -> None:
    for key in ("escape", "c", "q"):
        app = CostApp(_report())
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CostScreen)
            verdict = str(screen.query_one("#cost-verdict", Static).render())
            assert "dedicated GPUs are cheaper by $650.00" in verdict
            assert screen.query_one("#cost-verdict").has_class("-under")
            texts = " ".join(str(w.render()) for w in screen.query(Static))
            assert "$6,250.00" in texts and "$5,600.00" in texts
            assert "blue-green" in texts and "Crossover" in texts
            assert "[b]markup[/b]" in texts and "\x1b" not in texts
            chart = screen.query_one("#cost-chart", CostChart)
            drawn = "\n".join(chart.render_line(y).text for y in range(chart.size.height))
            assert "API" in drawn and "dedicated TCO" in drawn and "$ over 7d" in drawn
            assert "crossover 1.34k Mtok/wk ▲" in drawn and "▲ now 1.5k" in drawn and "$0" in drawn
            assert {b.id for b in screen.BINDINGS if hasattr(b, "id")} >= {
                "cost.close",
                "cost.close-c",
                "cost.close-q",
            }
            await pilot.press(key)
            await pilot.pause()
            assert app.cost_closed, key
            assert not isinstance(app.screen, CostScreen)


def test_braille_plot_draws_lines_and_joins_steep_steps() -> None:
    rows = plot([[0.0, 10.0], [5.0, 5.0]], width=4, height=2, top=10.0)
    assert len(rows) == 2 and all(len(r) == 4 for r in rows)
    assert rows[1][0][1] == 0 and rows[0][-1][1] == 0  # API from bottom left to top right
    flat = [cell for row in rows for cell in row if cell[1] == 1]
    assert flat, "the flat dedicated line is drawn"
    # A jump from 0 to the top in one step is drawn as a vertical run of dots, not two dots.
    steep = plot([[0.0, 10.0, 10.0]], width=2, height=2, top=10.0)
    assert all(cell[0] != " " for cell in (steep[0][0], steep[1][0]))
    assert plot([[1.0]], 0, 3, 1.0) == [] and plot([[float("nan")]], 2, 1, 1.0)[0][0][0] == " "


def test_the_curve_crosses_where_the_report_says() -> None:
    report = _report()
    curve = cost_curve(report)
    assert curve is not None and report.crossover_tokens_per_week is not None
    (cross_at, cross_label), (now_at, _) = curve.marks
    assert "crossover" in cross_label and "Mtok/wk" in cross_label
    # At the crossover mark the API line has reached the dedicated TCO.
    index = cross_at * (len(curve.api) - 1)
    lo = int(index)
    api_there = curve.api[lo] + (curve.api[lo + 1] - curve.api[lo]) * (index - lo)
    assert api_there == pytest.approx(report.tco)
    # Today's volume: the API line there is the report's API bill.
    index = now_at * (len(curve.api) - 1)
    lo = min(int(index), len(curve.api) - 2)
    api_now = curve.api[lo] + (curve.api[lo + 1] - curve.api[lo]) * (index - lo)
    assert api_now == pytest.approx(report.api_cost)
    assert set(curve.dedicated) == {report.tco}
    assert money_tick(0) == "$0" and money_tick(6250) == "$6.25k" and money_tick(2.5e6) == "$2.5M"


def test_cost_screen_snapshot_80x24(snap_compare: Any) -> None:
    assert snap_compare(CostApp(_report()), terminal_size=(80, 24))


async def test_outlandish_volumes_draw_without_crashing() -> None:
    def f(value: float, provenance: str = "measured") -> Figure:
        return Figure(value=value, provenance=provenance)  # type: ignore[arg-type]

    inputs = CostInputs(
        input_tokens=f(1e300),
        output_tokens=f(1e300),
        price_in_per_mtok=f(1e300, "config"),
        price_out_per_mtok=f(10.0, "config"),
        gpu_hours=f(1e308),
        gpu_hour_price=f(3.50, "config"),
        engineering_hours_per_week=f(0, "default"),
        engineering_rate=f(0, "default"),
        horizon_s=f(86400 * 7, "default"),
    )
    app = CostApp(compute(inputs))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        chart = app.screen.query_one("#cost-chart", CostChart)
        drawn = "\n".join(chart.render_line(y).text for y in range(chart.size.height))
        assert "dedicated TCO" in drawn and app.is_running
