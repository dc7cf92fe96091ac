"""The cost screen and chart: a pilot flow in a tiny app and an 80×24 SVG snapshot."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

import themes
from console.cost import CostInputs, CostReport, Figure, compute
from console.tui.screens.cost import CostScreen
from widgets.cost_chart import API_MARK, BOTH_MARK, DEDICATED_MARK, CostChart, plot_rows


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
            assert chart.series[0][-1] == 6250 and chart.series[1][-1] == 5600
            assert "API" in str(chart.render()) and "7d" in str(chart.render())
            assert {b.id for b in screen.BINDINGS if hasattr(b, "id")} >= {
                "cost.close",
                "cost.close-c",
                "cost.close-q",
            }
            await pilot.press(key)
            await pilot.pause()
            assert app.cost_closed, key
            assert not isinstance(app.screen, CostScreen)


def test_plot_rows_draws_both_series_and_where_they_meet() -> None:
    rows = plot_rows([0, 5, 10], [0, 4, 8], width=9, height=5)
    assert len(rows) == 5 and all(len(r) == 9 for r in rows)
    assert rows[-1][0] == BOTH_MARK  # both start at zero
    assert rows[0][-1] == API_MARK  # API ends highest
    assert DEDICATED_MARK in "".join(rows)
    assert plot_rows([], [], 0, 3) == []


def test_cost_screen_snapshot_80x24(snap_compare: Any) -> None:
    assert snap_compare(CostApp(_report()), terminal_size=(80, 24))
