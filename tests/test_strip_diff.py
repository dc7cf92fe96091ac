"""Repainting only what changed: the regions of a panel's rows that differ between renders."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

from tests.support import demo_app, wait_polls
from widgets.compare_panel import ComparePanel
from widgets.strip_diff import changed_regions

A, B = Style(color="red"), Style(color="blue")


def strip(*parts: tuple[str, Style]) -> Strip:
    return Strip([Segment(text, style) for text, style in parts])


def test_only_changed_runs_are_regions_and_near_runs_merge() -> None:
    old = [strip(("stable 11.1 req/s", A)), strip(("▁▂▃▄▅▆▇█", B))]
    new = [strip(("stable 11.3 req/s", A)), strip(("▁▂▃▄▅▆▇█", B))]
    assert changed_regions(old, new) == [Region(10, 0, 1, 1)]
    far = [strip(("x" + " " * 20 + "y", A))]
    assert changed_regions(far, [strip(("z" + " " * 20 + "w", A))]) == [
        Region(0, 0, 1, 1),
        Region(21, 0, 1, 1),
    ]
    near = changed_regions([strip(("abcdef", A))], [strip(("xbcdey", A))])
    assert near == [Region(0, 0, 6, 1)]


def test_a_style_change_is_a_change_and_shapes_that_differ_repaint_whole() -> None:
    assert changed_regions([strip(("ab", A))], [strip(("ab", B))]) == [Region(0, 0, 2, 1)]
    assert changed_regions([strip(("ab", A))], [strip(("ab", A)), strip(("c", A))]) is None
    assert changed_regions([strip(("名", A))], [strip(("字", A))]) is None  # two cells wide


async def test_a_refresh_repaints_only_the_changed_cells_of_a_panel() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app, 2)
        panel = app.screen.query_one("#panel-replicas", ComparePanel)
        await pilot.pause()
        data = panel.data
        assert data is not None
        seen: list[tuple[Region, ...]] = []
        original = panel.refresh

        def spy(*regions: Region, **kwargs: object) -> ComparePanel:
            seen.append(regions)
            return original(*regions, **kwargs)  # type: ignore[arg-type]

        panel.refresh = spy  # type: ignore[method-assign]
        stable = data.stable
        lines = ((stable.lines[0][0].__class__("4", "warn"), *stable.lines[0][1:]),)
        panel.data = data.__class__(**{**_fields(data), "stable": _with_lines(stable, lines)})
        assert seen and seen[-1], "a partial refresh, not the whole widget"
        width = panel.content_size.width
        assert all(region.width < width // 4 for region in seen[-1])


def _fields(data: object) -> dict[str, object]:
    return {name: getattr(data, name) for name in data.__slots__}  # type: ignore[attr-defined]


def _with_lines(column: object, lines: object) -> object:
    fields = {name: getattr(column, name) for name in column.__slots__}  # type: ignore[attr-defined]
    fields["lines"] = lines
    return column.__class__(**fields)
