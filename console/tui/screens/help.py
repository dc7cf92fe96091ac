"""The help screen: every key and command, generated from the one command table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from console.tui import keymap


def help_content(read_only: str = "") -> Content:
    """The key table as plain content (nothing in it is parsed as markup). ``read_only`` (why
    the console is read-only) leaves out the commands that change the cluster, and says so."""
    parts: list[Content] = []
    group = ""
    commands = [c for c in keymap.available() if not (read_only and c.writes)]
    # Columns as wide as their widest entry plus a gap, so a long title never runs into its help.
    key_width = max((len(c.key_display or c.key) for c in commands), default=0) + 2
    title_width = max((len(c.title) for c in commands), default=0) + 2
    if read_only:
        said = f"read-only ({read_only}): no command changes the cluster\n\n"
        parts.append(Content.styled(said, "bold"))
    for command in commands:
        if command.group != group:
            group = command.group
            if parts:
                parts.append(Content("\n"))
            parts.append(Content.styled(f"{group}\n", "bold"))
        key = command.key_display or command.key
        parts.append(
            Content.assemble(
                (f"  {key:<{key_width}}", "bold"),
                f"{command.title:<{title_width}}",
                (command.help, "dim"),
                "\n",
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
            ctx = getattr(self.app, "ctx", None)
            read_only = ""
            if ctx is not None and ctx.read_only:
                read_only = ctx.read_only_reason or "read-only"
            yield Static(help_content(read_only), id="help-body")
