"""The help screen: every key and command, generated from the one command table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from console.tui import keymap


def help_content() -> Content:
    """The key table as plain content (nothing in it is parsed as markup)."""
    parts: list[Content] = []
    group = ""
    for command in keymap.available():
        if command.group != group:
            group = command.group
            if parts:
                parts.append(Content("\n"))
            parts.append(Content.styled(f"{group}\n", "bold"))
        key = command.key_display or command.key
        parts.append(
            Content.assemble(
                (f"  {key:<6}", "bold"), f"{command.title:<12}", (command.help, "dim"), "\n"
            )
        )
    parts.append(Content("\nPress escape, q or ? to close."))
    return Content("").join(parts)


class HelpScreen(ModalScreen[None]):
    """Keys and commands; the same entries the command palette offers."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "dismiss", "Close", id="help-close"),
        Binding("q", "dismiss", "Close", show=False, id="help-close-q"),
        Binding("question_mark", "dismiss", "Close", show=False, id="help-close-?"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Content.styled("inference-console — keys", "bold"), id="help-title")
            yield Static(help_content(), id="help-body")
