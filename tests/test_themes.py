"""Theme tests: every theme defines what the stylesheets use, and stylesheets use no literals."""

from __future__ import annotations

import colorsys
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from textual._color_constants import COLOR_NAME_TO_RGB
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widget import Widget

import themes
import widgets
from console.config.sections import THEME_NAMES
from widgets.compare_panel import ComparePanel
from widgets.data import Cell, Column, HeaderData, PanelData
from widgets.status_header import StatusHeader

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"\$([A-Za-z_][\w-]*)")
HEX = re.compile(r"#[0-9A-Fa-f]{3,8}\b")
WORD = re.compile(r"(?<![\w$-])([A-Za-z_][\w-]*)")
ALLOWED_WORDS = {"transparent"}  # not a colour choice


def widget_stylesheets() -> dict[str, str]:
    """DEFAULT_CSS of every widget class defined in the widgets package."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(widgets.__path__):
        module = importlib.import_module(f"widgets.{info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Widget)
                and obj.__module__ == module.__name__
                and "DEFAULT_CSS" in vars(obj)
            ):
                found[f"{module.__name__}.{name}"] = obj.DEFAULT_CSS
    return found


def theme_stylesheets() -> dict[str, str]:
    return {str(path): path.read_text() for path in (ROOT / "themes").glob("*.tcss")}


def all_stylesheets() -> dict[str, str]:
    return {**widget_stylesheets(), **theme_stylesheets()}


def declaration_values(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [value for value in re.findall(r":\s*([^;{}]+);", css)]


def defined_variables(theme: Theme) -> set[str]:
    return set(theme.to_color_system().generate()) | set(theme.variables)


def test_widget_stylesheets_are_found() -> None:
    sheets = widget_stylesheets()
    assert "widgets.compare_panel.ComparePanel" in sheets
    assert "widgets.status_header.StatusHeader" in sheets


def test_the_three_themes() -> None:
    names = [theme.name for theme in themes.THEMES]
    assert names == ["console-dark", "console-light", "console-colorblind"]
    assert tuple(names) == THEME_NAMES  # what the settings and --theme accept
    assert themes.DEFAULT_THEME == "console-dark"
    light = {theme.name: theme.dark for theme in themes.THEMES}
    assert light == {"console-dark": True, "console-light": False, "console-colorblind": True}


@pytest.mark.parametrize("theme", themes.THEMES, ids=lambda t: t.name)
def test_every_domain_variable_is_a_colour(theme: Theme) -> None:
    for name in themes.THEME_VARIABLES:
        Color.parse(theme.variables[name])


def _hue(hex_colour: str) -> float:
    rgb = Color.parse(hex_colour).rgb
    return colorsys.rgb_to_hsv(*(c / 255 for c in rgb))[0] * 360


def _okabe_ito_hue(hex_colour: str) -> str:
    """The Okabe-Ito colour whose hue ``hex_colour`` has (within 5°): a lighter shade of the
    same hue keeps the palette's distinctions and can reach AA contrast where the original
    does not."""
    okabe_ito = {
        "#E69F00": "orange",
        "#56B4E9": "sky blue",
        "#009E73": "bluish green",
        "#F0E442": "yellow",
        "#0072B2": "blue",
        "#D55E00": "vermillion",
        "#CC79A7": "reddish purple",
    }
    for hex_oi, name in okabe_ito.items():
        distance = abs(_hue(hex_colour) - _hue(hex_oi))
        if min(distance, 360 - distance) <= 5:
            return name
    return ""


def test_colorblind_theme_uses_okabe_ito_hues_and_no_red_green_pair() -> None:
    (theme,) = [t for t in themes.THEMES if t.name == "console-colorblind"]
    for name in themes.THEME_VARIABLES:
        assert _okabe_ito_hue(theme.variables[name]), name
    assert _okabe_ito_hue(theme.variables["level-ok"]) in {"sky blue", "blue"}  # blue = ok
    assert _okabe_ito_hue(theme.variables["level-warn"]) == "orange"  # orange = warn
    assert _okabe_ito_hue(theme.variables["level-bad"]) == "vermillion"  # vermillion = bad


@pytest.mark.parametrize("name", sorted(all_stylesheets()))
def test_no_literal_colours_in_stylesheets(name: str) -> None:
    css = all_stylesheets()[name]
    for value in declaration_values(css):
        assert not HEX.search(value), f"{name}: hex colour in {value!r}"
        for word in WORD.findall(value):
            lowered = word.lower()
            assert lowered in ALLOWED_WORDS or lowered not in COLOR_NAME_TO_RGB, (
                f"{name}: named colour {word!r} in {value!r}"
            )


@pytest.mark.parametrize("name", sorted(all_stylesheets()))
def test_every_variable_is_defined_by_every_theme(name: str) -> None:
    used = set(VARIABLE.findall(all_stylesheets()[name]))
    for theme in themes.THEMES:
        missing = used - defined_variables(theme)
        assert not missing, f"{name} uses {sorted(missing)}, undefined in {theme.name}"


def test_domain_variables_default_from_the_base_colours() -> None:
    theme = themes.make_theme(
        "t",
        primary="#000001",
        secondary="#000002",
        accent="#000003",
        success="#000004",
        warning="#000005",
        error="#000006",
        overrides={"stale": "#000007"},
    )
    v = theme.variables
    assert v["level-ok"] == v["canary-healthy"] == v["cost-under"] == "#000004"
    assert v["level-warn"] == v["canary-degraded"] == "#000005"
    assert v["level-bad"] == v["canary-failing"] == v["cost-over"] == "#000006"
    assert v["spark-stable"] == "#000001" and v["spark-canary"] == "#000003"
    assert v["stale"] == "#000007"


class ThemedApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        themes.register_themes(self)  # note: the theme is left at Textual's default

    def compose(self) -> ComposeResult:
        yield StatusHeader(HeaderData("d", "sim", 1.0, True, "5m", 5, 10, "failing"))
        yield ComparePanel(
            PanelData(
                "Latency",
                Column("stable", lines=((Cell("1", "ok"),),), spark=(1.0, 2.0)),
                Column("canary", lines=((Cell("2", "bad"),),), spark=(2.0, 1.0)),
            )
        )


async def test_register_themes_makes_every_available_theme_usable() -> None:
    app = ThemedApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name in themes.THEMES:
            assert name.name in app.available_themes
        panel = app.query_one(ComparePanel)
        colours = set()
        for name in sorted(app.available_themes):
            app.theme = name
            await pilot.pause()
            assert app.is_running
            assert defined_variables(app.current_theme) >= set(themes.THEME_VARIABLES)
            colours.add(str(panel.get_component_rich_style("compare-panel--bad").color))
        assert len(colours) > 5  # the colour really follows the theme


async def test_console_themes_differ_in_component_styles() -> None:
    app = ThemedApp()
    async with app.run_test(size=(80, 24)) as pilot:
        header = app.query_one(StatusHeader)
        styles = {}
        for theme in themes.THEMES:
            app.theme = theme.name
            await pilot.pause()
            styles[theme.name] = (
                header.get_component_rich_style("status-header--failing").bgcolor,
                header.get_component_rich_style("status-header--stale").bgcolor,
            )
        assert len(set(styles.values())) == len(themes.THEMES)


def test_theme_variable_defaults_cover_builtin_themes() -> None:
    from textual.theme import BUILTIN_THEMES

    for theme in BUILTIN_THEMES.values():
        defaults = themes.theme_variable_defaults(theme)
        assert set(defaults) == set(themes.THEME_VARIABLES)
        patched = themes.with_domain_variables(theme)
        assert patched.name == theme.name
        assert set(themes.THEME_VARIABLES) <= set(patched.variables)
