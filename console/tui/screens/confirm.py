"""Confirmation before anything changes the cluster: exactly what will happen, gates included.

The plan scrolls and the question stays on screen at every size. The plan's age is shown while
the dialog is open, and a yes plans again on fresh data before anything is written."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from console.canary import Plan
from console.outside import inert
from console.units import format_duration

TITLES = {
    "step": "Step the canary",
    "revert": "Revert to stable",
    "emergency-revert": "EMERGENCY revert",
    "mirror": "Mirror traffic to the canary",
    "finish": "Finish the release",
}


def plan_content(plan: Plan) -> Content:
    """The plan as plain content: names and messages are never parsed as markup."""
    parts: list[Content | str | tuple[str, str]] = []
    for number, line in enumerate(plan.describe(), start=1):
        parts.append(f" {number}. {inert(line)}\n")
    if plan.observed_rps is not None:
        parts.append((f"\n observed {plan.observed_rps:.1f} req/s in total\n", "dim"))
    if plan.gates is not None:
        parts.append("\n gates:\n")
        for gate in plan.gates.results:
            mark = {"pass": "✓", "fail": "✗"}.get(gate.status.value, "?")
            parts.append(f"  {mark} {inert(gate.detail)}\n")
    if plan.refusal:
        parts.append(("\n refused: ", "bold"))
        parts.append(f"{inert(plan.refusal)}\n")
    return Content.assemble(*parts)


class ConfirmScreen(ModalScreen[bool]):
    """``y``/enter carries the plan out; ``n``/escape leaves everything as it is."""

    BINDINGS = [  # noqa: RUF012
        Binding("y", "answer(True)", "Yes, do it", id="confirm-yes"),
        Binding("enter", "answer(True)", "Yes", show=False, id="confirm-enter"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="confirm-escape"),
    ]

    def __init__(
        self,
        plan: Plan,
        planned_at: float | None = None,
        now: Callable[[], float] | None = None,
        speed: float = 1.0,
    ) -> None:
        super().__init__(id="confirm")
        self.speed = speed  # clock seconds per wall second (a fast simulated fleet)
        self.plan = plan
        self.planned_at = planned_at
        self.now = now

    def compose(self) -> ComposeResult:
        plan = self.plan
        title = TITLES.get(plan.action, plan.action)
        with Vertical(id="confirm-box", classes="-refused" if plan.refusal else ""):
            yield Static(Content.styled(title, "bold"), id="confirm-title")
            with VerticalScroll(id="confirm-scroll"):
                yield Static(plan_content(plan), id="confirm-body")
            yield Static("", id="confirm-age")
            question = (
                "Cannot run. Press escape to close."
                if plan.refusal
                else "Carry this out? y = yes, n / escape = no"
            )
            yield Static(Content.styled(question, "bold"), id="confirm-question")

    def on_mount(self) -> None:
        # Toasts draw above screens: nothing may hide what is about to happen.
        self.app.clear_notifications()
        self._show_age()
        self.set_interval(1.0, self._show_age, name="plan-age")

    def _show_age(self) -> None:
        if self.planned_at is None or self.now is None:
            return
        now = self.now()
        age = format_duration(max(now - self.planned_at, 0.0) / self.speed)
        text = f"planned {age} ago; a yes checks the gates again on fresh data first"
        self.query_one("#confirm-age", Static).update(Content.styled(text, "dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(bool(yes) and not self.plan.refusal)
