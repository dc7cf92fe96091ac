"""Asks for the percentage of live traffic to mirror to the canary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class MirrorScreen(ModalScreen[float | None]):
    """Dismisses with a percentage in 0..100, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="mirror-cancel")]  # noqa: RUF012

    def __init__(self, current: float | None) -> None:
        super().__init__(id="mirror")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(
                f"Mirror traffic to the canary (now {self.current or 0:g}%)",
                id="confirm-title",
                markup=False,
            )
            yield Input(placeholder="percent, 0-100", id="mirror-input", type="number")
            yield Static("", id="mirror-error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = float(event.value)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 100:
            self.query_one("#mirror-error", Static).update(
                f"{event.value!r} is not a percentage between 0 and 100"
            )
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
