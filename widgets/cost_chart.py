"""A braille line chart of two cost lines (API and dedicated) with a $ axis and marked points."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.braille import plot
from widgets.data import CostCurve
from widgets.safe_text import clean

__all__ = ["CostChart", "CostCurve", "money_tick"]

SERIES = ("API", "dedicated TCO")


def money_tick(value: float) -> str:
    """A short axis label: ``$0``, ``$950``, ``$12k``, ``$3.4M``."""
    if not math.isfinite(value):
        return "$?"
    if value >= 1e6:
        return f"${value / 1e6:.3g}M"
    if value >= 1e3:
        return f"${value / 1e3:.3g}k"
    return f"${value:.0f}"


class CostChart(Widget):
    """API cost against dedicated cost as braille lines over a $ axis, with vertical marks (the
    crossover, today's volume) labelled under the x axis. The dearer line at the right edge is
    drawn in ``$cost-over``, the cheaper in ``$cost-under``. Set ``chart.curve``."""

    DEFAULT_CSS = """
    CostChart {
        height: 12;
        width: 1fr;
    }
    CostChart > .cost-chart--over { color: $cost-over; }
    CostChart > .cost-chart--under { color: $cost-under; }
    CostChart > .cost-chart--axis { color: $text-muted; }
    CostChart > .cost-chart--mark { color: $foreground; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "cost-chart--over",
        "cost-chart--under",
        "cost-chart--axis",
        "cost-chart--mark",
    }

    curve: reactive[CostCurve | None] = reactive(None)

    def __init__(
        self,
        curve: CostCurve | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(CostChart.curve, curve)

    def _styles(self) -> dict[str, Style]:
        return {
            n: self.get_component_rich_style(f"cost-chart--{n}", partial=True)
            for n in ("over", "under", "axis", "mark")
        }

    def render(self) -> Text:
        curve = self.curve
        text = Text(no_wrap=True, overflow="crop")
        if curve is None:
            return Text("no token volume to chart", no_wrap=True)
        s = self._styles()
        finite = [v for v in (*curve.api, *curve.dedicated) if math.isfinite(v)]
        top = max([*finite, 0.0]) * 1.05 or 1.0
        api_end = curve.api[-1] if curve.api else 0.0
        dedicated_end = curve.dedicated[-1] if curve.dedicated else 0.0
        dearer_api = api_end > dedicated_end
        series_styles = (s["over"], s["under"]) if dearer_api else (s["under"], s["over"])
        gutter = max(len(money_tick(top)), len(money_tick(top / 2))) + 1
        width = max(self.size.width - gutter - 1, 4)
        height = max(self.size.height - 3 - len(curve.marks), 2)
        mark_columns = {
            min(round(f * (width - 1)), width - 1): label for f, label in curve.marks if 0 <= f <= 1
        }
        rows = plot((curve.api, curve.dedicated), width, height, top)
        for index, row in enumerate(rows):
            value = top * (1 - index / (height - 1)) if height > 1 else top
            tick = index in (0, (height - 1) // 2, height - 1)
            label = money_tick(0.0 if index == height - 1 else value) if tick else ""
            text.append(f"{label:>{gutter}}", s["axis"])
            text.append("┤" if tick else "│", s["axis"])
            for column, (char, owner) in enumerate(row):
                if owner >= 0:
                    text.append(char, series_styles[owner])
                elif column in mark_columns:
                    text.append("┊", s["mark"])
                else:
                    text.append(" ")
            text.append("\n")
        text.append(" " * gutter + "└" + "─" * width + "\n", s["axis"])
        text.append_text(self._x_labels(curve, gutter, width, s))
        text.append("\n")
        for column, label in sorted(mark_columns.items()):
            text.append_text(self._mark_label(column, label, gutter, width, s["mark"]))
            text.append("\n")
        text.append(" " * (gutter + 1))
        text.append(f"⣀ {SERIES[0]}", series_styles[0])
        text.append("  ")
        text.append(f"⣀ {SERIES[1]}", series_styles[1])
        text.append(f"   {clean(curve.y_label)}", s["axis"])
        return text

    @staticmethod
    def _x_labels(curve: CostCurve, gutter: int, width: int, s: dict[str, Style]) -> Text:
        """``0`` under the left edge, the right edge's volume under the right."""
        end = clean(curve.x_max_label)[: max(width - 2, 0)]
        out = Text(" " * (gutter + 1), no_wrap=True)
        out.append("0", s["axis"])
        out.append(" " * max(width - 1 - len(end), 1))
        out.append(end, s["axis"])
        return out

    @staticmethod
    def _mark_label(column: int, label: str, gutter: int, width: int, style: Style) -> Text:
        """A mark's label on its own line, pointing up at its column from the left or, when it
        would run past the right edge, from the right."""
        text = clean(label)
        out = Text(" " * (gutter + 1), no_wrap=True)
        if column + 2 + len(text) <= width:
            out.append(" " * column)
            out.append(f"▲ {text}", style)
        else:
            out.append(" " * max(column - len(text) - 1, 0))
            out.append(f"{text} ▲", style)
        return out
