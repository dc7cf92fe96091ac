"""Pilot tests for ComparePanel: layout in both modes, hostile text, caching, colours, messages."""

from __future__ import annotations

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip

import themes
from tests.support import count_repaints
from widgets.compare_panel import ComparePanel
from widgets.data import Cell, Column, PanelData

HOSTILE = (
    "[bold]",
    "[/x]",
    "[link=file:///etc/passwd]x[/link]",
    "\x1b]52;c;aGk=\x07",
    "\x1b[2J",
    "\x9b",
    "\x07",
)
SPARK = tuple(float(i % 7) for i in range(60))


def column(label: str, *values: str, level: str = "normal") -> Column:
    cells = tuple(Cell(v, level) for v in values)
    return Column(label, lines=(cells, (Cell("p99", "muted"), Cell("1.2s", "warn"))), spark=SPARK)


def panel_data(title: str = "Latency") -> PanelData:
    return PanelData(
        title,
        column("stable", "120", "req/s"),
        column("canary", "9.5", "req/s", level="bad"),
        note="",
    )


class PanelApp(App[None]):
    def __init__(self, data: PanelData | None, *, compact: bool = False) -> None:
        super().__init__()
        themes.register_themes(self)
        self.theme = themes.DEFAULT_THEME
        self._data = data
        self._compact = compact
        self.selected: list[ComparePanel] = []

    def compose(self) -> ComposeResult:
        yield ComparePanel(self._data, id="panel")

    def on_mount(self) -> None:
        self.screen.set_class(self._compact, "-compact")

    def on_compare_panel_selected(self, message: ComparePanel.Selected) -> None:
        self.selected.append(message.panel)


def rows(panel: ComparePanel) -> list[str]:
    """The panel as displayed, border included."""
    width, height = panel.outer_size
    return [strip.text for strip in panel.render_lines(Region(0, 0, width, height))]


def segments_text(strips: list[Strip]) -> str:
    return "".join(segment.text for strip in strips for segment in strip)


async def test_normal_mode_layout_at_80_columns() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        assert panel.outer_size.height == 2 + 2 + 2  # border + value lines + 2-row sparkline
        text = rows(panel)
        assert all(len(line) == 80 for line in text)
        assert text[0].startswith("╭") and "Latency" in text[0]
        assert text[1].index("stable") < text[1].index("│", 1) < text[1].index("canary")
        assert "120 req/s" in text[1] and "9.5 req/s" in text[1]
        # the rule sits in the same column on every inner row
        rule = {line.index(" │ ") for line in text[1:-1]}
        assert len(rule) == 1
        # sparkline rows fill each half
        middle = rule.pop()
        for line in text[3:5]:
            left, right = line[2:middle], line[middle + 3 : -2]
            assert left.strip() and right.strip()
            assert set(left + right) <= set(" ▁▂▃▄▅▆▇█")


async def test_wide_layout_uses_the_width() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        spark_row = rows(panel)[4]
        assert len(spark_row) == 160
        assert spark_row.count("█") > 60


async def test_height_follows_the_longest_column() -> None:
    data = PanelData(
        "Replicas",
        Column("stable", lines=((Cell("a"),), (Cell("b"),), (Cell("c"),))),
        Column("canary", lines=((Cell("x"),),)),
    )
    app = PanelApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(ComparePanel).outer_size.height == 2 + 3 + 2


async def test_compact_single_line_panel_is_one_row_that_fits_80_columns() -> None:
    data = PanelData(
        "Utilization",
        Column("stable", lines=((Cell("gpu 97% mem 71% cpu 3.2 host 12GiB very long text"),),)),
        Column("canary", lines=((Cell("gpu 12%", "ok"),),), spark=SPARK),
    )
    app = PanelApp(data, compact=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        assert panel.compact
        assert panel.outer_size == (80, 1)
        (line,) = rows(panel)
        assert len(line) == 80
        assert "╭" not in line and line.startswith("Utilizat…")
        assert line.count(" │ ") == 1
        left, right = line.split(" │ ")
        assert "…" in left  # long values are cut, not wrapped
        assert "gpu 12%" in right
        # the canary sparkline got the rest of its half, at least 4 cells
        assert len(right.split("gpu 12% ")[1]) >= 4


async def test_compact_class_on_the_screen_switches_modes() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        assert panel.outer_size.height == 6
        app.screen.add_class("-compact")
        await pilot.pause()
        assert panel.outer_size.height == 2  # one row per value line
        first, second = rows(panel)
        assert first.startswith("Latency")
        assert second.startswith(" " * 10) and "p99 1.2s" in second
        app.screen.remove_class("-compact")
        await pilot.pause()
        assert panel.outer_size.height == 6
        assert rows(panel)[0].startswith("╭")


async def test_hostile_text_is_displayed_literally() -> None:
    evil = "".join(HOSTILE)
    data = PanelData(
        evil,
        Column(evil, lines=((Cell(evil, "bad"), Cell("[/]")),), spark_label=evil),
        Column("[red]canary", lines=((Cell(evil, "nonsense-level"),),), spark_label="x"),
        note=evil,
    )
    for compact in (False, True):
        app = PanelApp(data, compact=compact)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            panel = app.query_one(ComparePanel)
            strips = panel.render_lines(Region(0, 0, *panel.outer_size))
            shown = segments_text(strips)
            assert "[bold][/x][link=file:///etc/passwd]x[/link]" in shown
            assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
            if not compact:
                assert "[red]canary" in shown
            # the app is still alive and can update the panel
            panel.data = panel_data()
            await pilot.pause()
            assert "Latency" in segments_text(panel.render_lines(Region(0, 0, *panel.outer_size)))


async def test_no_data_draws_an_empty_box() -> None:
    app = PanelApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        text = rows(panel)
        assert text[0].startswith("╭") and text[-1].startswith("╰")
        panel.show(panel_data("Queue"))
        await pilot.pause()
        assert "Queue" in rows(panel)[0]


async def test_lines_are_cached_until_data_or_size_changes() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        first = panel.render_line(0)
        assert panel.render_line(0) is first
        panel.data = panel_data()  # equal data: nothing to redo
        await pilot.pause()
        assert panel.render_line(0) is first
        panel.data = panel_data("Volume")
        await pilot.pause()
        assert panel.render_line(0) is not first
        second = panel.render_line(0)
        await pilot.resize_terminal(100, 24)
        await pilot.pause()
        assert panel.render_line(0) is not second
        assert len(panel.render_line(0).text) == panel.content_size.width


def style_of(panel: ComparePanel, text: str) -> Style:
    for y in range(panel.content_size.height):
        for segment in panel.render_line(y):
            if segment.text == text and segment.style is not None:
                return segment.style
    raise AssertionError(f"{text!r} not rendered")


def theme_color(app: App[None], variable: str) -> str:
    return Color.parse(app.current_theme.variables[variable]).hex.lower()


async def test_levels_are_coloured_from_the_theme_and_follow_it() -> None:
    data = PanelData(
        "Codes",
        Column("stable", lines=((Cell("OK1", "ok"), Cell("WARN1", "warn")),)),
        Column("canary", lines=((Cell("BAD1", "bad"), Cell("OLD1", "stale")),)),
    )
    app = PanelApp(data)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        seen: dict[str, set[str]] = {}
        for name in ("console-dark", "console-light", "console-colorblind"):
            app.theme = name
            await pilot.pause()
            for text, variable in (("OK1", "level-ok"), ("BAD1", "level-bad"), ("OLD1", "stale")):
                style = style_of(panel, text)
                assert style.color is not None
                assert Color.from_rich_color(style.color).hex.lower() == theme_color(app, variable)
                seen.setdefault(text, set()).add(str(style.color))
        assert all(len(colors) == 3 for colors in seen.values())


async def test_click_posts_selected() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click("#panel")
        await pilot.pause()
        assert app.selected == [app.query_one(ComparePanel)]


async def test_shared_scale_makes_heights_comparable() -> None:
    def data(shared: bool) -> PanelData:
        return PanelData(
            "Latency",
            Column("stable", lines=((Cell("1"),),), spark=(1.0,) * 10),
            Column("canary", lines=((Cell("2"),),), spark=(2.0,) * 10),
            shared_scale=shared,
        )

    app = PanelApp(data(False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        top = rows(panel)[2]  # upper sparkline row
        middle = top.index(" │ ")
        assert "█" in top[:middle] and "█" in top[middle:]  # each fills its own scale
        panel.data = data(True)
        await pilot.pause()
        top = rows(panel)[2]
        assert "█" not in top[:middle] and "█" in top[middle:]  # stable is half the canary


async def test_new_data_that_reads_the_same_is_not_repainted() -> None:
    app = PanelApp(panel_data())
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        panel = app.query_one(ComparePanel)
        repaints = count_repaints(panel)
        # Other data that draws the same: each sparkline is scaled to its own range.
        same = panel_data()
        doubled = tuple(2 * v for v in SPARK)
        panel.data = PanelData(
            same.title,
            Column(same.stable.label, same.stable.lines, spark=doubled),
            Column(same.canary.label, same.canary.lines, spark=doubled),
            note=same.note,
            shared_scale=False,
        )
        await pilot.pause()
        assert panel.data != same and repaints == []
        changed = PanelData(
            "Latency", column("stable", "121", "req/s"), column("canary", "9.5", "req/s")
        )
        panel.data = changed
        await pilot.pause()
        assert repaints and "121" in "\n".join(rows(panel))
        repaints.clear()
        panel.data = PanelData("Tokens", changed.stable, changed.canary)  # a new title only
        await pilot.pause()
        assert repaints and "Tokens" in rows(panel)[0]  # on the top edge


@pytest.mark.parametrize("width", [4, 5, 7, 9, 12, 30])
async def test_the_box_is_whole_at_any_width(width: int) -> None:
    # The box is drawn with the rows: however narrow, it has its four corners and equal rows.
    app = PanelApp(panel_data("A title longer than the panel is wide"))
    async with app.run_test(size=(width, 12)) as pilot:
        await pilot.pause()
        text = rows(app.query_one(ComparePanel))
        assert text[0].startswith("╭") and text[0].endswith("╮"), text
        assert text[-1].startswith("╰") and text[-1].endswith("╯"), text
        assert all(row.startswith("│") and row.endswith("│") for row in text[1:-1]), text
        assert {len(row) for row in text} == {width}
