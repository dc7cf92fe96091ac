"""One metric group with the stable and canary tracks side by side, values and sparklines."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets._strips import Segments, fit, fit_segments, fit_text, pieces_width, strip_of
from widgets.cell_fit import fit_lines
from widgets.data import Cell, Column, PanelData
from widgets.safe_text import clean
from widgets.spark_axis import axis_row, mark_row
from widgets.sparkline import finite_values, render_sparkline
from widgets.strip_diff import changed_regions

__all__ = ["Cell", "Column", "ComparePanel", "PanelData"]

Pieces = list[tuple[str, Style]]

SPARK_ROWS = 2
"""Sparkline height in normal mode."""
MIN_SPARK = 4
"""Narrowest sparkline in compact mode; values give up short forms and low-priority cells to
leave it room (never digits)."""
RULE = " │ "
FRAME = 2
"""Cells on each side taken by the box: its edge and one blank."""


class ComparePanel(Widget):
    """A titled box: stable on the left, canary on the right, each with values and a sparkline.

    Set ``panel.data`` (or call ``show``) with a ``PanelData`` to update it. The box, its title
    (top) and subtitle (bottom) are drawn with the rows, not by a CSS border: a bordered widget
    costs Textual's compositor several times as much per repainted row. When the panel or any
    ancestor has the CSS class ``-compact`` it draws borderless rows instead, one per value line:
    ``Title  <stable values> <spark> │ <canary values> <spark>`` (sparklines on the first row).
    Clicking it posts ``ComparePanel.Selected``.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "compare-panel--ok",
        "compare-panel--warn",
        "compare-panel--bad",
        "compare-panel--muted",
        "compare-panel--stale",
        "compare-panel--spark-stable",
        "compare-panel--spark-canary",
        "compare-panel--label",
        "compare-panel--track-stable",
        "compare-panel--track-canary",
        "compare-panel--marker",
        "compare-panel--frame",
        "compare-panel--title",
        "compare-panel--subtitle",
    }

    SCOPED_CSS = False  # the compact rule must match ``.-compact ComparePanel`` from an ancestor

    DEFAULT_CSS = """
    ComparePanel {
        height: auto;
    }
    /* A rule of its own for the compact layout (which no style tells apart) so that the class
       changing on an ancestor re-styles the panel, and so re-measures and redraws it. */
    ComparePanel.-compact, .-compact ComparePanel {
        min-height: 1;
    }
    ComparePanel > .compare-panel--ok { color: $level-ok; }
    ComparePanel > .compare-panel--warn { color: $level-warn; text-style: bold; }
    ComparePanel > .compare-panel--bad { color: $level-bad; text-style: bold; }
    ComparePanel > .compare-panel--muted { color: $text-muted; }
    ComparePanel > .compare-panel--stale { color: $stale; text-style: italic; }
    ComparePanel > .compare-panel--spark-stable { color: $spark-stable; }
    ComparePanel > .compare-panel--spark-canary { color: $spark-canary; }
    ComparePanel > .compare-panel--label { color: $text-muted; text-style: bold; }
    ComparePanel > .compare-panel--track-stable { color: $spark-stable; text-style: bold; }
    ComparePanel > .compare-panel--track-canary { color: $spark-canary; text-style: bold; }
    ComparePanel > .compare-panel--marker { color: $foreground; text-style: bold reverse; }
    ComparePanel > .compare-panel--frame { color: $panel-lighten-2; }
    ComparePanel > .compare-panel--title { color: $text; text-style: bold; }
    ComparePanel > .compare-panel--subtitle { color: $text-muted; }
    """

    compact_title_width: ClassVar[int] = 10
    """Cells given to the title in compact mode, so that stacked panels line up."""

    data: reactive[PanelData | None] = reactive(None, repaint=False)
    """What the panel shows; None draws an empty box. (``watch_data`` repaints, and only when
    the panel reads differently.)"""

    class Selected(Message):
        """The operator clicked the panel (e.g. to zoom into this metric group)."""

        def __init__(self, panel: ComparePanel) -> None:
            super().__init__()
            self.panel = panel

        @property
        def control(self) -> ComparePanel:
            return self.panel

    def __init__(
        self,
        data: PanelData | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._cache_key: tuple[object, ...] | None = None
        self._cache: list[Strip] = []
        self._styles: dict[str, Style] = {}
        self._scale: tuple[float | None, float | None] = (None, None)
        self._titles: tuple[str | None, str | None] = (None, None)
        self.set_reactive(ComparePanel.data, data)
        self._update_titles(data)

    def show(self, data: PanelData | None) -> None:
        """Display ``data`` (same as assigning ``panel.data``)."""
        self.data = data

    @property
    def compact(self) -> bool:
        """True when this panel or an ancestor has the ``-compact`` class."""
        return any(node.has_class("-compact") for node in self.ancestors_with_self)

    def watch_data(self, old: PanelData | None, data: PanelData | None) -> None:
        self._update_titles(data)
        shown = self._cache if self._cache_key is not None else None
        self._cache_key = None
        if _rows(old) != _rows(data):
            self.refresh(layout=True)  # another number of value lines: another height
        elif shown is None or not self.is_mounted:
            self.refresh()
        else:
            self.render_line(0)  # rebuilds the rows
            if self._cache != shown:  # values that read the same (and flat sparklines): no paint
                # Only the cells that changed go to the terminal (a number, a sparkline's end).
                regions = changed_regions(shown, self._cache)
                if regions is None:
                    self.refresh()
                elif regions:
                    self.refresh(*regions)

    def _update_titles(self, data: PanelData | None) -> None:
        title = subtitle = None
        if data is not None:
            title = clean(data.title)
            labels = dict.fromkeys((data.stable.spark_label, data.canary.spark_label))
            spark = " │ ".join(label for label in labels if label)
            if spark and data.chart_window:
                spark = f"chart {spark} over {data.chart_window}"
            values = f"values over last {data.value_window}" if data.value_window else ""
            parts = (spark, data.note, values)
            subtitle = clean(" · ".join(part for part in parts if part)) or None
        self._titles = (title, subtitle)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache_key = None
        self._styles = {}

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Selected(self))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        data = self.data
        rows = 1 if data is None else max(1, len(data.stable.lines), len(data.canary.lines))
        if self.compact:
            return rows + (1 if data is not None and data.heading else 0)
        axis = 1 if data is not None and data.chart_window else 0
        return rows + SPARK_ROWS + axis + 2  # and the box's top and bottom

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        compact = self.compact
        key = (self.data, width, height, compact)
        if key != self._cache_key:
            self._cache = self._build(width, compact)
            self._cache_key = key
        if 0 <= y < len(self._cache):
            return self._cache[y]
        return Strip.blank(width, self.rich_style)

    # Rendering -----------------------------------------------------------------------------

    def _style(self, level: str) -> Style:
        return self._styles.get(level, self._styles["normal"])

    def _load_styles(self) -> None:
        """Resolve the component styles once per style change: looking them up walks the DOM."""
        styles = {"normal": self.rich_style}
        for name in (
            "ok",
            "warn",
            "bad",
            "muted",
            "stale",
            "label",
            "spark-stable",
            "spark-canary",
            "track-stable",
            "track-canary",
            "marker",
            "frame",
            "title",
            "subtitle",
        ):
            styles[name] = self.get_component_rich_style(f"compare-panel--{name}")
        self._styles = styles

    def _cells(self, cells: tuple[Cell, ...]) -> Pieces:
        return self._fitted((cells,), 1 << 16)[0]

    def _fitted(
        self, lines: tuple[tuple[Cell, ...], ...], width: int, aligned: bool = False
    ) -> list[Pieces]:
        """The lines fitted into ``width`` (short forms, then low-priority cells left out)."""
        return [
            [(text, self._style(level)) for text, level in line]
            for line in fit_lines(lines, width, aligned=aligned)
        ]

    def _spark_scale(self, data: PanelData) -> tuple[float | None, float | None]:
        if not data.shared_scale:
            return None, None
        finite = finite_values([*data.stable.spark, *data.canary.spark])
        if not finite:
            return None, None
        return min(0.0, min(finite)), max(finite)

    def _spark(self, column: Column, track: str, width: int, rows: int) -> list[Pieces]:
        lo, hi = self._scale
        style = self._style(f"spark-{track}")
        lines = render_sparkline(
            column.spark, width, rows, lo=lo, hi=hi, offset=column.spark_offset
        )
        return [[(line, style)] for line in lines]

    def _build(self, width: int, compact: bool) -> list[Strip]:
        if not self._styles:
            self._load_styles()
        data = self.data
        if width < (1 if compact else 2 * FRAME):
            return []  # blank rows (``render_line``)
        if data is None:  # compact: nothing; otherwise an empty box
            return [] if compact else self._framed([], width)
        self._scale = self._spark_scale(data)
        if compact:
            return self._build_compact(data, width)
        return self._framed(self._build_wide(data, width - 2 * FRAME), width)

    def _framed(self, rows: list[Segments], width: int) -> list[Strip]:
        """``rows`` in a rounded box one cell in from its sides, the title on its top edge and
        the subtitle on its bottom edge (right-aligned), as Textual draws a round border."""
        base = self._styles["normal"]
        frame = self._style("frame")
        title, subtitle = self._titles
        inner = width - 2

        def edge(left: str, right: str, label: str | None, style: Style, end: bool) -> Strip:
            pieces: Pieces = []
            if label and inner >= 4:
                text = fit_text(f" {label} ", inner - 2)
                fill = inner - 1 - cell_len(text)
                if end:
                    pieces = [(left + "─" * fill, frame), (text, style), ("─" + right, frame)]
                else:
                    pieces = [(left + "─", frame), (text, style), ("─" * fill + right, frame)]
            else:
                pieces = [(left + "─" * inner + right, frame)]
            return fit(pieces, width, base)

        want = self.content_size.height - 2  # no data, or a very narrow panel: fewer rows
        if len(rows) < want:
            rows = rows + [fit_segments([], inner - 2, base)] * (want - len(rows))
        side = fit_segments([("│", frame), (" ", base)], FRAME, base)
        end = fit_segments([(" ", base), ("│", frame)], FRAME, base)
        body = [strip_of((side, row, end), width) for row in rows]
        top = edge("╭", "╮", title, self._style("title"), end=False)
        bottom = edge("╰", "╯", subtitle, self._style("subtitle"), end=True)
        return [top, *body, bottom]

    def _build_wide(self, data: PanelData, width: int) -> list[Segments]:
        base = self._styles["normal"]
        left = (width - len(RULE)) // 2
        right = width - len(RULE) - left
        if left < 1:
            first = data.stable.lines[0] if data.stable.lines else ()
            return [fit_segments(self._cells(first), width, base)]
        stable = self._half(data.stable, "stable", left, self._gutter(data, left))
        canary = self._half(data.canary, "canary", right, self._gutter(data, right))
        divider = fit_segments([(RULE, self._style("muted"))], len(RULE), base)
        blank_left = fit_segments([], left, base)
        blank_right = fit_segments([], right, base)
        return [
            [
                *(stable[index] if index < len(stable) else blank_left),
                *divider,
                *(canary[index] if index < len(canary) else blank_right),
            ]
            for index in range(max(len(stable), len(canary)))
        ]

    def _gutter(self, data: PanelData, half: int) -> int:
        labels = (cell_len(clean(data.stable.label)), cell_len(clean(data.canary.label)))
        widest = min(10, max(labels))
        return widest + 1 if widest and half >= 3 * (widest + 1) else 0

    def _half(self, column: Column, track: str, width: int, gutter: int) -> list[Segments]:
        base = self._styles["normal"]
        data = self.data
        assert data is not None
        rows = max(1, len(data.stable.lines), len(data.canary.lines))
        label = clean(column.label)
        fitted = self._fitted(column.lines, width - gutter, data.aligned)
        lines = []
        for index in range(rows):
            pieces: Pieces = []
            if gutter:
                text = label if index == 0 else ""
                pieces.append((text, self._style(f"track-{track}")))
                pad = gutter - cell_len(text)
                pieces.append((" " * max(1, pad), base))
            if index < len(fitted):
                pieces.extend(fitted[index])
            elif index == 0:
                pieces.append(("no data", self._style("muted")))
            lines.append(fit_segments(pieces, width, base))
        sparks = self._spark(column, track, width, SPARK_ROWS)
        lines.extend(fit_segments(line, width, base) for line in sparks)
        if data.chart_window:
            axis = self._axis(data.chart_window, width)
            lines.append(fit_segments(self._mark(axis, data.markers, width), width, base))
        return lines

    def _axis(self, window: str, width: int) -> Pieces:
        return axis_row(window, width, self._style("muted"))

    def _mark(self, row: Pieces, markers: tuple[tuple[float, str], ...], width: int) -> Pieces:
        return mark_row(row, markers, width, self._styles["normal"], self._style("marker"))

    def _heading(self, track: str, width: int) -> Segments:
        """The compact layout's column heading: the track's word in its colour, the windows."""
        data = self.data
        assert data is not None
        cells = [Cell(track, f"track-{track}")]
        if data.value_window:
            cells.append(Cell(f"last {data.value_window}", "muted", short=data.value_window))
        if data.chart_window:
            cells.append(Cell(f"· chart -{data.chart_window}→now", "muted", drop=1))
        fitted = self._fitted((tuple(cells),), width)[0]
        return fit_segments(fitted, width, self._styles["normal"])

    def _build_compact(self, data: PanelData, width: int) -> list[Strip]:
        base = self._styles["normal"]
        title_width = min(self.compact_title_width, max(0, width // 4))
        rest = width - title_width
        left = (rest - len(RULE)) // 2
        right = rest - len(RULE) - left
        if left < 1:
            return [fit([(clean(data.title), base)], width, base)]
        stable = self._compact_half(data.stable, "stable", left)
        canary = self._compact_half(data.canary, "canary", right)
        # The title's column: the title, then the note (``tok/req``) when it fits under it.
        titles: Pieces = [(clean(data.title), base + Style(bold=True))]
        note = clean(data.note)
        if note and cell_len(note) < title_width:
            titles.append((note, self._style("muted")))
        if data.heading:
            stable.insert(0, self._heading("stable", left))
            canary.insert(0, self._heading("canary", right))
            titles.insert(0, ("", base))
        rule = fit_segments([(RULE, self._style("muted"))], len(RULE), base)
        blank_left = fit_segments([], left, base)
        blank_right = fit_segments([], right, base)
        strips = []
        for index in range(max(len(stable), len(canary))):
            piece = titles[index] if index < len(titles) else ("", base)
            # The title's column, then one blank cell before the values.
            title = fit_segments([piece], max(title_width - 1, 0), base)
            gap = fit_segments([], 1 if title_width else 0, base)
            parts = (
                title,
                gap,
                stable[index] if index < len(stable) else blank_left,
                rule,
                canary[index] if index < len(canary) else blank_right,
            )
            strips.append(strip_of(parts, width))
        return strips

    def _compact_half(self, column: Column, track: str, width: int) -> list[Segments]:
        """One row per value line; the sparkline follows the ``spark_row`` line."""
        base = self._styles["normal"]
        data = self.data
        assert data is not None
        spark_min = min(MIN_SPARK, max(0, width - 2))
        room = width - spark_min - 1
        lines = self._fitted(column.lines, room, data.aligned) if column.lines else []
        lines = lines or [[("–", self._style("muted"))]]
        values_width = min(max(pieces_width(p) for p in lines), room)
        if values_width <= 0:
            return [fit_segments(self._spark(column, track, width, 1)[0], width, base)]
        spark_width = width - values_width - 1
        line = self._spark(column, track, spark_width, 1)[0]
        spark = fit_segments(self._mark(line, data.markers, spark_width), spark_width, base)
        row = min(max(data.spark_row, 0), len(lines) - 1)
        out = []
        for index, pieces in enumerate(lines):
            if index == row:
                values = fit_segments(pieces, values_width, base)
                out.append([*values, *fit_segments([], 1, base), *spark])
            else:
                out.append(fit_segments(pieces, width, base))
        return out


def _rows(data: PanelData | None) -> tuple[int, bool, bool]:
    """What decides the panel's height (the value lines, a heading row, an axis row)."""
    if data is None:
        return (0, False, False)
    lines = max(len(data.stable.lines), len(data.canary.lines))
    return (lines, data.heading, bool(data.chart_window))
