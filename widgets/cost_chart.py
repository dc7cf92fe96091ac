"""A small text chart of two cumulative cost series (API and dedicated) over a horizon."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["CostChart", "plot_rows"]

API_MARK = "•"
DEDICATED_MARK = "▪"
BOTH_MARK = "◆"


def _resample(values: Sequence[float], width: int) -> list[float]:
    """``values`` linearly interpolated at ``width`` evenly spaced points."""
    if not values or width <= 0:
        return []
    if len(values) == 1:
        return [float(values[0])] * width
    out: list[float] = []
    last = len(values) - 1
    for i in range(width):
        x = i * last / max(width - 1, 1)
        lo = min(int(x), last - 1)
        frac = x - lo
        out.append(values[lo] * (1 - frac) + values[lo + 1] * frac)
    return out


def plot_rows(
    api: Sequence[float], dedicated: Sequence[float], width: int, height: int
) -> list[str]:
    """The plot area as ``height`` strings of ``width`` characters, top row first: each column
    carries the API mark, the dedicated mark, or both where they meet."""
    if width <= 0 or height <= 0:
        return []
    top = max([*api, *dedicated, 0.0])
    grid = [[" "] * width for _ in range(height)]
    for values, mark in ((api, API_MARK), (dedicated, DEDICATED_MARK)):
        for x, value in enumerate(_resample(values, width)):
            level = 0 if top <= 0 else round(max(value, 0.0) / top * (height - 1))
            row = height - 1 - level
            grid[row][x] = BOTH_MARK if grid[row][x] not in (" ", mark) else mark
    return ["".join(row) for row in grid]


def _money(value: float) -> str:
    if value >= 1e6:
        return f"${value / 1e6:,.1f}M"
    if value >= 1e4:
        return f"${value / 1e3:,.1f}k"
    return f"${value:,.0f}"


class CostChart(Widget):
    """Cumulative API cost against cumulative dedicated cost. The dearer series is drawn in
    ``$cost-over``, the cheaper one in ``$cost-under``; axes and labels in ``$text-muted``.

    Set ``series = (api, dedicated)`` and ``horizon_label`` (e.g. "7d") to update it."""

    DEFAULT_CSS = """
    CostChart {
        height: 7;
        width: 1fr;
    }
    CostChart > .cost-chart--over {
        color: $cost-over;
    }
    CostChart > .cost-chart--under {
        color: $cost-under;
    }
    CostChart > .cost-chart--axis {
        color: $text-muted;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "cost-chart--over",
        "cost-chart--under",
        "cost-chart--axis",
    }

    series: reactive[tuple[tuple[float, ...], tuple[float, ...]]] = reactive(((), ()))
    horizon_label: reactive[str] = reactive("")

    def __init__(
        self,
        api: Sequence[float] = (),
        dedicated: Sequence[float] = (),
        horizon_label: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(CostChart.series, (tuple(api), tuple(dedicated)))
        self.set_reactive(CostChart.horizon_label, horizon_label)

    def render(self) -> Text:
        api, dedicated = self.series
        axis = self.get_component_rich_style("cost-chart--axis", partial=True)
        over = self.get_component_rich_style("cost-chart--over", partial=True)
        under = self.get_component_rich_style("cost-chart--under", partial=True)
        api_end = api[-1] if api else 0.0
        dedicated_end = dedicated[-1] if dedicated else 0.0
        api_style, dedicated_style = (over, under) if api_end > dedicated_end else (under, over)
        if api_end == dedicated_end:
            api_style = dedicated_style = Style()
        top = max([*api, *dedicated, 0.0])
        gutter = max(len(_money(top)), 2) + 1
        width = max(self.size.width - gutter, 1)
        height = max(self.size.height - 2, 1)
        text = Text(no_wrap=True, overflow="crop")
        for i, row in enumerate(plot_rows(api, dedicated, width, height)):
            label = _money(top) if i == 0 else "$0" if i == height - 1 else ""
            text.append(f"{label:>{gutter - 1}}│", axis)
            for char in row:
                if char == API_MARK:
                    text.append(char, api_style)
                elif char == DEDICATED_MARK:
                    text.append(char, dedicated_style)
                else:
                    text.append(char, axis if char == BOTH_MARK else Style())
            text.append("\n")
        end = self.horizon_label
        text.append(" " * (gutter - 1) + "└" + "─" * width + "\n", axis)
        text.append(" " * gutter, axis)
        legend = Text(no_wrap=True)
        legend.append(f"{API_MARK} API", api_style)
        legend.append("  ")
        legend.append(f"{DEDICATED_MARK} dedicated", dedicated_style)
        room = width - len("0") - len(end)
        text.append("0", axis)
        pad = max(room - legend.cell_len, 2)
        text.append(" " * (pad // 2))
        text.append_text(legend)
        text.append(" " * (pad - pad // 2))
        text.append(end, axis)
        return text
