"""The console colour themes as data: Theme objects with the domain variables filled in."""

from __future__ import annotations

from typing import Final

from textual.theme import Theme

__all__ = ["THEMES", "THEME_VARIABLES", "domain_variables", "make_theme", "theme_variable_defaults"]

THEME_VARIABLES: Final[tuple[str, ...]] = (
    "level-ok",
    "level-warn",
    "level-bad",
    "stale",
    "canary-healthy",
    "canary-degraded",
    "canary-failing",
    "canary-inconclusive",
    "spark-stable",
    "spark-canary",
    "cost-over",
    "cost-under",
)
"""Domain variables (used as ``$name`` in stylesheets) that every console theme defines."""


def domain_variables(
    *, success: str, warning: str, error: str, primary: str, secondary: str, accent: str
) -> dict[str, str]:
    """Every domain variable, derived from a theme's base colours."""
    return {
        "level-ok": success,
        "level-warn": warning,
        "level-bad": error,
        "stale": warning,
        "canary-healthy": success,
        "canary-degraded": warning,
        "canary-failing": error,
        "canary-inconclusive": secondary,
        "spark-stable": primary,
        "spark-canary": accent,
        "cost-over": error,
        "cost-under": success,
    }


def theme_variable_defaults(theme: Theme) -> dict[str, str]:
    """Domain variables for any theme, derived from its colours: what Textual's built-in themes
    (which know nothing of them) get; an app may also return this from
    ``App.get_theme_variable_defaults`` to cover themes registered after ``register_themes``.
    """
    colors = theme.to_color_system().generate()
    return domain_variables(
        success=colors["success"],
        warning=colors["warning"],
        error=colors["error"],
        primary=colors["primary"],
        secondary=colors["secondary"],
        accent=colors["accent"],
    )


def make_theme(
    name: str,
    *,
    primary: str,
    secondary: str,
    accent: str,
    success: str,
    warning: str,
    error: str,
    dark: bool = True,
    background: str | None = None,
    surface: str | None = None,
    panel: str | None = None,
    foreground: str | None = None,
    overrides: dict[str, str] | None = None,
) -> Theme:
    """A Theme whose domain variables default to its success/warning/error/primary/accent colours.

    ``overrides`` replaces any domain variable (or any Textual variable) by name.
    """
    variables = domain_variables(
        success=success,
        warning=warning,
        error=error,
        primary=primary,
        secondary=secondary,
        accent=accent,
    )
    variables.update(overrides or {})
    missing = set(THEME_VARIABLES) - variables.keys()
    assert not missing, f"theme {name} lacks {sorted(missing)}"
    return Theme(
        name=name,
        primary=primary,
        secondary=secondary,
        accent=accent,
        success=success,
        warning=warning,
        error=error,
        dark=dark,
        background=background,
        surface=surface,
        panel=panel,
        foreground=foreground,
        variables=variables,
    )


CONSOLE_DARK: Final = make_theme(
    "console-dark",
    primary="#4EA1E8",
    secondary="#8A9BB0",
    accent="#E8A33D",
    success="#4EBF71",
    warning="#E8B43D",
    error="#E5534B",
    background="#101418",
    surface="#171C22",
    panel="#1F262E",
    foreground="#DDE3EA",
    # Textual's default muted text is "auto 60%", which a component style (a log line's time,
    # a panel's label) resolves without its background — white. A colour keeps it legible.
    overrides={
        "stale": "#C678DD",
        "text-muted": "#97A3B0",
        # A scrollbar's thumb stands 3:1 from its track (Textual's default is about 2:1).
        "scrollbar": "#6B7A8C",
        "scrollbar-hover": "#8A9BB0",
    },
)

CONSOLE_LIGHT: Final = make_theme(
    "console-light",
    primary="#1F5FA8",
    secondary="#4E5C6D",
    accent="#8F4A00",
    success="#17692F",
    warning="#7F5300",
    error="#B3261E",
    dark=False,
    background="#F6F7F9",
    surface="#ECEEF2",
    panel="#DDE1E7",
    foreground="#1B2027",
    overrides={
        "stale": "#8E3FA8",
        "text-muted": "#4F5A68",
        "scrollbar": "#6B7686",
        "scrollbar-hover": "#5B6B7E",
    },
)

# Okabe-Ito: status never depends on telling red from green. Blue means ok (the sky blue, which
# keeps its contrast on a dark background; Okabe-Ito's darker blue is 3.4:1 there, so it is not
# used for text), orange warns, vermillion is bad; the header also spells every state out in
# words.
_OI_BLACK = "#000000"
_OI_ORANGE = "#E69F00"
_OI_SKY_BLUE = "#56B4E9"
_OI_YELLOW = "#F0E442"
_OI_REDDISH_PURPLE = "#CC79A7"
# Okabe-Ito's own vermillion and bluish green fall under 4.5:1 as text on the panel colour
# (3.9:1, 4.4:1); the same hues, lighter, keep AA everywhere they are drawn.
_VERMILLION_LIGHT = "#F07F3C"
_BLUISH_GREEN_LIGHT = "#00B383"

CONSOLE_COLORBLIND: Final = make_theme(
    "console-colorblind",
    primary=_OI_SKY_BLUE,
    secondary=_OI_REDDISH_PURPLE,
    accent=_OI_ORANGE,
    success=_OI_SKY_BLUE,
    warning=_OI_ORANGE,
    error=_VERMILLION_LIGHT,
    background="#111111",
    surface="#1A1A1A",
    panel="#262626",
    foreground="#EEEEEE",
    overrides={
        "stale": _OI_YELLOW,
        "text-muted": "#B0B0B0",
        "scrollbar": "#8C8C8C",
        "scrollbar-hover": "#A8A8A8",
        "spark-stable": _OI_SKY_BLUE,
        "spark-canary": _OI_ORANGE,
        "canary-inconclusive": _OI_REDDISH_PURPLE,
        "cost-under": _BLUISH_GREEN_LIGHT,
        "block-cursor-foreground": _OI_BLACK,
    },
)

THEMES: Final[tuple[Theme, ...]] = (CONSOLE_DARK, CONSOLE_LIGHT, CONSOLE_COLORBLIND)
"""Every console theme; the first is the default."""
