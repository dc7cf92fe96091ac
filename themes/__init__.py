"""Console themes: Textual Theme objects carrying the domain colour variables."""

from __future__ import annotations

from typing import Final

from textual.app import App

from themes.palette import THEME_VARIABLES, THEMES, make_theme

__all__ = ["DEFAULT_THEME", "THEMES", "THEME_VARIABLES", "make_theme", "register_themes"]

DEFAULT_THEME: Final = "console-dark"
"""The theme an app shows unless the operator picks another."""


def register_themes(app: App[object]) -> None:
    """Register every console theme with ``app`` (does not switch to one)."""
    for theme in THEMES:
        app.register_theme(theme)
