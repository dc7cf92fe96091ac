"""Console themes: Textual Theme objects carrying the domain colour variables."""

from __future__ import annotations

from typing import Any, Final

from textual.app import App

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
]

DEFAULT_THEME: Final = "console-dark"
"""The theme an app shows unless the operator picks another."""


def register_themes(app: App[Any]) -> None:
    """Register every console theme with ``app`` (does not switch to one).

    Call it from the app's ``__init__`` and also return ``theme_variable_defaults(
    self.current_theme)`` from ``get_theme_variable_defaults``, so that the widgets' stylesheet
    variables exist under every theme, Textual's built-in ones included.
    """
    for theme in THEMES:
        app.register_theme(theme)
