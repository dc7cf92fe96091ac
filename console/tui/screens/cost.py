"""The cost screen: API vs dedicated vs TCO, the verdict, the crossover and the rollout cost."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from console.cost import CostReport
from console.cost.curve import cost_curve
from console.cost.wording import breakdown, inputs_table, summary
from console.units import format_duration
from widgets.cost_chart import CostChart
from widgets.safe_text import clean


class CostScreen(Screen[None]):
    """Full cost breakdown for one report; escape, ``c`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="cost.close"),
        Binding("c", "close", "Close", show=False, id="cost.close-c"),
        Binding("q", "close", "Close", show=False, id="cost.close-q"),
    ]

    DEFAULT_CSS = """
    CostScreen {
        background: $background;
    }
    CostScreen #cost-body {
        padding: 0 1;
    }
    CostScreen .cost-title {
        text-style: bold;
    }
    CostScreen .-over {
        color: $cost-over;
    }
    CostScreen .-under {
        color: $cost-under;
    }
    CostScreen .cost-muted {
        color: $text-muted;
    }
    CostScreen .cost-section {
        margin-top: 1;
        text-style: bold;
    }
    CostScreen #cost-hint {
        dock: bottom;
        height: 1;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, report: CostReport, title: str = "Cost", source: str = "") -> None:
        super().__init__()
        self.report = report
        self.heading = title
        self.source = source

    def compose(self) -> ComposeResult:
        report = self.report
        horizon = format_duration(report.inputs.horizon_s.value)
        with VerticalScroll(id="cost-body"):
            heading = Text(clean(f"{self.heading} over {horizon}"), no_wrap=True)
            if self.source:
                heading.append(clean(f"  ({self.source})"), "")
            yield Static(heading, classes="cost-title", id="cost-title")
            verdict_class = {"dedicated": "-under", "api": "-over", "even": ""}[report.cheaper]
            for label, text in summary(report):
                classes = verdict_class if label == "Verdict" else ""
                ident = f"cost-{label.lower().replace(' ', '-')}"
                yield Static(self._row(label, text), classes=classes, id=ident)
            yield Static(Text("Breakdown"), classes="cost-section")
            for line in breakdown(report):
                row = Text(no_wrap=True, overflow="ellipsis")
                row.append(f"{line.label:<15}")
                row.append(f"{line.amount:>12}  ")
                row.append(clean(line.detail))
                yield Static(row, classes=f"-{line.tone}" if line.tone else "")
            yield Static(
                Text(f"Cost over {horizon} by weekly token volume (same input/output mix)"),
                classes="cost-section",
            )
            yield CostChart(cost_curve(report), id="cost-chart")
            if report.warnings:
                yield Static(Text("Warnings"), classes="cost-section")
                for warning in report.warnings:
                    yield Static(Text(f"! {clean(warning)}"), classes="-over cost-warning")
            yield Static(Text("Inputs"), classes="cost-section")
            for label, value, provenance in inputs_table(report):
                row = Text(no_wrap=True)
                row.append(f"{label:<20}{value:>16}  ")
                row.append(provenance, "dim")
                yield Static(row)
        yield Static(Text("esc/c/q close · ↑↓ scroll"), id="cost-hint")

    @staticmethod
    def _row(label: str, text: str) -> Text:
        row = Text()
        row.append(f"{label + ':':<12} ")
        row.append(clean(text))
        return row

    def action_close(self) -> None:
        self.dismiss(None)
