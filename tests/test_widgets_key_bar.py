"""The key bar: the screen's shown bindings on one row, the palette key on the right, clicks
press keys, disabled keys dimmed, what does not fit left out, and no markup from labels."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding

import themes
from widgets.key_bar import KeyBar, KeyEntry


class KeysApp(App[None]):
    BINDINGS = [  # noqa: RUF012
        Binding("w", "press('w')", "Window"),
        Binding("s", "press('s')", "Step"),
        Binding("x", "press('x')", "Hidden", show=False),
        Binding("r", "press('r')", "[bold]Revert[/]"),
    ]

    def __init__(self, disabled: frozenset[str] = frozenset()) -> None:
        super().__init__()
        themes.register_themes(self)
        self.theme = themes.DEFAULT_THEME
        self.pressed: list[str] = []
        self.disabled = disabled

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_press(self, key: str) -> None:
        self.pressed.append(key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "press" and parameters and parameters[0] in self.disabled:
            return None  # shown, but disabled (False would hide it)
        return True


def row(bar: KeyBar) -> str:
    return bar.render_line(0).text


async def test_shown_bindings_in_order_and_the_palette_on_the_right() -> None:
    app = KeysApp()
    async with app.run_test(size=(80, 3)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        text = row(bar)
        assert text.startswith(" w Window  s Step  r [bold]Revert[/] ")
        assert "Hidden" not in text
        assert text.rstrip().endswith("▏ ^p palette") and len(text) == 80


async def test_clicking_a_key_presses_it_and_a_disabled_one_does_not() -> None:
    app = KeysApp(disabled=frozenset({"s"}))
    async with app.run_test(size=(80, 3)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        step = next(e for e in bar.entries if e.key == "s")
        assert not step.enabled
        x = row(bar).index(" w ")
        await pilot.click(KeyBar, offset=(x + 1, 0))
        await pilot.click(KeyBar, offset=(row(bar).index(" s ") + 1, 0))
        await pilot.pause()
        assert app.pressed == ["w"]


async def test_disabled_keys_are_dimmed() -> None:
    app = KeysApp(disabled=frozenset({"s"}))
    async with app.run_test(size=(80, 3)) as pilot:
        await pilot.pause()
        styles = {seg.text.strip(): seg.style for seg in app.query_one(KeyBar).render_line(0)}
        assert styles["s"] is not None and styles["s"].dim
        assert styles["w"] is not None and not styles["w"].dim


async def test_keys_that_do_not_fit_are_left_out_whole() -> None:
    app = KeysApp()
    async with app.run_test(size=(36, 3)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        text = row(bar)
        assert text.startswith(" w Window  s Step ") and "Revert" not in text
        assert text.endswith("▏ ^p palette ") and len(text) == 36
        bar.show((KeyEntry("q", "q", "Quit"),))
        await pilot.pause()
        assert row(bar).startswith(" q Quit ") and "palette" not in row(bar)
