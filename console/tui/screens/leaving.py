"""Asked when the operator quits while a canary action runs: the console never leaves an
action running without a screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class LeavingScreen(ModalScreen[bool]):
    """``c`` cancels the action at its next safe point and quits once its outcome is audited;
    ``w``/escape keeps waiting with the console open."""

    BINDINGS = [  # noqa: RUF012
        Binding("c", "answer(True)", "Cancel it and quit", id="leaving-cancel"),
        Binding("w", "answer(False)", "Keep waiting", id="leaving-wait"),
        Binding("escape", "answer(False)", "Keep waiting", show=False, id="leaving-escape"),
    ]

    def __init__(self, action: str) -> None:
        super().__init__(id="leaving")
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Content.styled(f"A {self.action} is running", "bold"), id="confirm-title")
            yield Static(
                Content(
                    "Quitting now would leave it running with nobody watching.\n"
                    "Cancel it: it stops at its next safe point, nothing more is written, "
                    "its outcome is audited, then the console quits.\n"
                    "Or keep waiting with the console open."
                ),
                id="confirm-body",
            )
            yield Static(
                Content.styled("c = cancel it and quit, w / escape = keep waiting", "bold"),
                id="confirm-question",
            )

    def action_answer(self, cancel: bool) -> None:
        self.dismiss(bool(cancel))
