"""Console themes: Textual ``Theme`` objects carrying the domain colour variables (``palette``:
dark, light and colour-blind safe) and the stylesheet ``console.tcss``, which uses variables
only. Colours are data here and nowhere else.

May import Textual only; never anything from ``console/`` or ``widgets/``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from textual.app import App
from textual.theme import Theme

from themes.palette import (
    THEME_VARIABLES,
    THEMES,
    domain_variables,
    make_theme,
    theme_variable_defaults,
)

__all__ = [
    "DEFAULT_THEME",
    "THEMES",
    "THEME_VARIABLES",
    "domain_variables",
    "make_theme",
    "register_themes",
    "theme_variable_defaults",
    "with_domain_variables",
]

DEFAULT_THEME: Final = "console-dark"
"""The theme an app shows unless the operator picks another."""


def with_domain_variables(theme: Theme) -> Theme:
    """A copy of ``theme`` that also defines every domain variable (its own values win)."""
    return replace(theme, variables={**theme_variable_defaults(theme), **theme.variables})


def register_themes(app: App[Any]) -> None:
    """Register every console theme with ``app`` (does not switch to one).

    The themes the app already knows (Textual's built-in ones) are re-registered with the domain
    variables added, so that picking one from the command palette cannot leave a stylesheet
    variable undefined. Call it from the app's ``__init__``, before the first screen is built.
    """
    for theme in THEMES:
        app.register_theme(theme)
    for theme in list(app.available_themes.values()):
        if not set(THEME_VARIABLES) <= theme.variables.keys():
            app.register_theme(with_domain_variables(theme))
    # The stylesheet took its variables from the current theme when the app was created.
    app.stylesheet.set_variables(app.get_css_variables())
