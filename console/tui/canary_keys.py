"""The canary keys: plan in a worker, confirm in a dialog, run in a worker with live progress."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work

from console.errors import ConsoleError
from console.tui.messages import CanaryFinished, CanaryPlanned, CanaryProgress

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from console.canary import Action, CanaryController, Plan, Progress
    from console.canary.records import Result
    from console.model import FleetSnapshot
    from console.tui.app import ConsoleApp

SEVERITY: dict[Result, SeverityLevel] = {
    "ok": "information",
    "refused": "warning",
    "partial": "error",
    "failed": "error",
    "cancelled": "warning",
}


class CanaryKeys:
    """Mixed into the app: ``s`` step, ``r`` revert, ``R`` emergency revert, ``m`` mirror,
    ``x`` cancel. Nothing is written before the confirmation dialog says yes."""

    canary_running: bool = False
    _canary_cancel: threading.Event | None = None

    def _console(self) -> ConsoleApp:
        return self  # type: ignore[return-value]

    def canary_allows(self, action: str) -> bool:
        """Whether a canary action makes sense now (the app's ``check_action`` asks)."""
        app = self._console()
        if action == "cancel_canary":
            return self.canary_running
        if self.canary_running or app.ctx.read_only or app.ctx.cluster is None:
            return False
        snapshot = app.dashboard.snapshot
        if action == "step" and snapshot is not None and snapshot.canary is not None:
            return snapshot.canary.next_weight is not None
        return True

    def action_step(self) -> None:
        self._plan("step")

    def action_revert(self) -> None:
        self._plan("revert")

    def action_emergency_revert(self) -> None:
        self._plan("emergency-revert")

    def action_mirror(self) -> None:
        from console.tui.screens.mirror import MirrorScreen

        app = self._console()
        if not self.canary_allows("mirror"):
            return
        snapshot = app.dashboard.snapshot
        current = snapshot.canary.mirror_percent if snapshot and snapshot.canary else None

        def chosen(percent: float | None) -> None:
            if percent is not None:
                self._plan("mirror", percent)

        app.push_screen(MirrorScreen(current), callback=chosen)

    def action_cancel_canary(self) -> None:
        if self._canary_cancel is not None:
            self._canary_cancel.set()
            self._console().notify("Cancelling: traffic will not be shifted.", timeout=3)

    def _plan(self, action: Action, percent: float | None = None) -> None:
        app = self._console()
        if not self.canary_allows(action if action != "emergency-revert" else "revert"):
            return
        # In the canary bar, not a toast: a toast would sit over the confirmation.
        app.dashboard.show_activity(f"planning {action}…", None)
        self._plan_worker(action, percent)

    @work(thread=True, exclusive=True, group="canary-plan", exit_on_error=False)
    def _plan_worker(self, action: Action, percent: float | None) -> None:
        from console.factory import build_controller

        app = self._console()
        try:
            controller = build_controller(app.ctx)
            plan, snapshot = controller.plan(action, percent)
        except ConsoleError as err:
            app.post_message(CanaryFinished(None, str(err)))
            return
        except Exception as err:  # a planning bug must not take the console down
            app.post_message(CanaryFinished(None, f"could not plan: {type(err).__name__}"))
            return
        app.post_message(CanaryPlanned(controller, plan, snapshot))

    def on_canary_planned(self, message: CanaryPlanned) -> None:
        from console.tui.screens.confirm import ConfirmScreen

        plan = message.plan
        self._console().dashboard.show_activity("", None)

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(message.controller, plan, message.snapshot)

        self._console().push_screen(ConfirmScreen(plan), callback=answered)

    def _start(self, controller: CanaryController, plan: Plan, snapshot: FleetSnapshot) -> None:
        app = self._console()
        self.canary_running = True
        self._canary_cancel = threading.Event()
        app.refresh_bindings()
        app.dashboard.show_activity(f"{plan.action}: starting", None)
        self._run_worker(controller, plan, snapshot, self._canary_cancel)

    @work(thread=True, exclusive=True, group="canary-run", exit_on_error=False)
    def _run_worker(
        self,
        controller: CanaryController,
        plan: Plan,
        snapshot: FleetSnapshot,
        cancel: threading.Event,
    ) -> None:
        app = self._console()

        def progress(event: Progress) -> None:
            app.post_message(CanaryProgress(event))

        try:
            outcome = controller.run(plan, snapshot, cancel, progress)
        except ConsoleError as err:
            app.post_message(CanaryFinished(None, f"{err}; nothing was changed"))
            return
        except Exception as err:
            app.post_message(CanaryFinished(None, f"action failed: {type(err).__name__}"))
            return
        app.post_message(CanaryFinished(outcome))

    def on_canary_progress(self, message: CanaryProgress) -> None:
        event = message.progress
        shown = None
        if event.ready is not None and event.wanted is not None:
            shown = (event.ready, event.wanted)
        self._console().dashboard.show_activity(event.message, shown)

    def on_canary_finished(self, message: CanaryFinished) -> None:
        app = self._console()
        self.canary_running = False
        self._canary_cancel = None
        app.refresh_bindings()
        app.dashboard.show_activity("", None)
        outcome = message.outcome
        if outcome is None:
            app.notify(message.error, title="Canary", severity="error", markup=False)
            return
        title = f"{outcome.plan.action}: {outcome.outcome}"
        app.notify(
            outcome.message,
            title=title,
            severity=SEVERITY[outcome.outcome],
            markup=False,
            timeout=8,
        )
        app.dashboard.poll_now()
