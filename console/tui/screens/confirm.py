"""Confirmation before anything changes the cluster: exactly what will happen, gates included."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from console.canary import Plan

TITLES = {
    "step": "Step the canary",
    "revert": "Revert to stable",
    "emergency-revert": "EMERGENCY revert",
    "mirror": "Mirror traffic to the canary",
}


def plan_content(plan: Plan) -> Content:
    """The plan as plain content: names and messages are never parsed as markup."""
    parts: list[Content | str | tuple[str, str]] = []
    for number, line in enumerate(plan.describe(), start=1):
        parts.append(f" {number}. {line}\n")
    if plan.observed_rps is not None:
        parts.append((f"\n observed {plan.observed_rps:.1f} req/s in total\n", "dim"))
    if plan.gates is not None:
        parts.append("\n gates:\n")
        for gate in plan.gates.results:
            mark = {"pass": "✓", "fail": "✗"}.get(gate.status.value, "?")
            parts.append(f"  {mark} {gate.detail}\n")
    if plan.refusal:
        parts.append(("\n refused: ", "bold"))
        parts.append(f"{plan.refusal}\n")
    return Content.assemble(*parts)


class ConfirmScreen(ModalScreen[bool]):
    """``y``/enter carries the plan out; ``n``/escape leaves everything as it is."""

    BINDINGS = [  # noqa: RUF012
        Binding("y", "answer(True)", "Yes, do it", id="confirm-yes"),
        Binding("enter", "answer(True)", "Yes", show=False, id="confirm-enter"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="confirm-escape"),
    ]

    def __init__(self, plan: Plan) -> None:
        super().__init__(id="confirm")
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        title = TITLES.get(plan.action, plan.action)
        with Vertical(id="confirm-box", classes="-refused" if plan.refusal else ""):
            yield Static(Content.styled(title, "bold"), id="confirm-title")
            yield Static(plan_content(plan), id="confirm-body")
            question = (
                "Cannot run. Press escape to close."
                if plan.refusal
                else "Carry this out? y = yes, n / escape = no"
            )
            yield Static(Content.styled(question, "bold"), id="confirm-question")

    def on_mount(self) -> None:
        # Toasts draw above screens: nothing may hide what is about to happen.
        self.app.clear_notifications()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes) and not self.plan.refusal)
