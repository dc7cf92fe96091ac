"""The canary bar: the step plan, current and next weight, warm-up progress, gates and share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets._strips import fit, pieces_width
from widgets.safe_text import clean
from widgets.strip_diff import changed_regions

__all__ = ["CanaryBar", "CanaryBarData"]


@dataclass(frozen=True, slots=True)
class CanaryBarData:
    """What the bar shows. ``activity`` is the running action's latest progress line."""

    steps: tuple[float, ...]
    current: float | None
    observed: float | None = None
    gates: str = ""  # pass | fail | inconclusive | ""
    gate_detail: str = ""
    gate_short: str = ""  # the detail in a few words, for when the whole one does not fit
    mirror: float | None = None
    activity: str = ""
    progress: tuple[int, int] | None = None  # ready, wanted
    read_only: bool = False


class CanaryBar(Widget):
    """One line under the header. Set ``bar.data``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "canary-bar--done",
        "canary-bar--current",
        "canary-bar--todo",
        "canary-bar--pass",
        "canary-bar--fail",
        "canary-bar--inconclusive",
        "canary-bar--activity",
        "canary-bar--muted",
    }

    DEFAULT_CSS = """
    CanaryBar { height: 1; background: $boost; }
    CanaryBar > .canary-bar--done { color: $text-muted; }
    CanaryBar > .canary-bar--current {
        background: $primary; color: $background; text-style: bold;
    }
    CanaryBar > .canary-bar--todo { color: $foreground; }
    CanaryBar > .canary-bar--pass { color: $canary-healthy; text-style: bold; }
    CanaryBar > .canary-bar--fail { color: $canary-failing; text-style: bold; }
    CanaryBar > .canary-bar--inconclusive { color: $canary-inconclusive; }
    CanaryBar > .canary-bar--activity { color: $accent; text-style: bold; }
    CanaryBar > .canary-bar--muted { color: $text-muted; }
    """

    # ``watch_data`` repaints, and only when the row reads differently (an observed share of
    # 5.31 % and then 5.34 % is the same "5.3%").
    data: reactive[CanaryBarData | None] = reactive(None, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: dict[str, Style] = {}
        self._row: tuple[int, Strip] | None = None  # (width, the row as built)

    def watch_data(self) -> None:
        shown, self._row = self._row, None
        if shown is None or not self.is_mounted:
            self.refresh()
            return
        row = self.render_line(0)
        if row == shown[1]:
            return
        regions = changed_regions([shown[1]], [row])  # only the cells that changed
        if regions is None:
            self.refresh()
        elif regions:
            self.refresh(*regions)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._row = None

    def _style(self, name: str) -> Style:
        if not self._styles:
            self._styles = {
                c.removeprefix("canary-bar--"): self.get_component_rich_style(c)
                for c in self.COMPONENT_CLASSES
            }
            self._styles[""] = self.rich_style
        return self._styles.get(name, self._styles[""])

    @property
    def plain(self) -> str:
        return self.render_line(0).text

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if y != 0:
            return Strip.blank(width, self._style(""))
        if self._row is None or self._row[0] != width:
            self._row = (width, self._build(width))
        return self._row[1]

    def _build(self, width: int) -> Strip:
        base = self._style("")
        data = self.data
        if data is None:
            return Strip.blank(width, base)
        pieces: list[tuple[str, Style]] = [(" plan ", self._style("muted"))]
        current = data.current or 0.0
        for step in data.steps:
            kind = "done" if step < current - 1e-9 else "todo"
            if abs(step - current) < 1e-9:
                kind = "current"
            pieces.append((f"{step:g}%", self._style(kind)))
            pieces.append((" ", base))
        if data.current is not None and not any(abs(s - current) < 1e-9 for s in data.steps):
            pieces.append((f"(now {current:g}%) ", self._style("current")))
        if data.observed is not None:
            pieces.append((f"│ observed {data.observed:.1f}% ", self._style("muted")))
        if data.mirror:
            pieces.append((f"│ mirror {data.mirror:g}% ", self._style("muted")))
        if data.gates:
            word = {"pass": "gates ✓", "fail": "gates ✗", "inconclusive": "gates ?"}
            pieces.append(("│ ", base))
            pieces.append((word.get(data.gates, data.gates) + " ", self._style(data.gates)))
        if data.activity:
            text = clean(data.activity)
            if data.progress is not None:
                ready, wanted = data.progress
                text = f"{text} {_meter(ready, wanted)}"
            pieces.append(("│ ", base))
            pieces.append((text, self._style("activity")))
        elif data.gate_detail and data.gates != "pass":
            room = width - pieces_width(pieces)
            detail = _whole(room, data.gate_detail, data.gate_short)
            if detail:
                pieces.append((detail, self._style("muted")))
        return fit(pieces, width, base)


def _whole(room: int, detail: str, short: str) -> str:
    """The gate detail as it fits: whole, without its parenthetical, in short, or not at all —
    never a reason cut off in the middle."""
    full = clean(detail)
    bare = _PARENTHETICAL.sub("", full).strip()
    for text in (full, bare, clean(short)):
        if text and cell_len(text) <= room:
            return text
    return ""


_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")


def _meter(ready: int, wanted: int, cells: int = 10) -> str:
    if wanted <= 0:
        return ""
    filled = round(cells * min(ready, wanted) / wanted)
    return "▕" + "█" * filled + "·" * (cells - filled) + "▏"
