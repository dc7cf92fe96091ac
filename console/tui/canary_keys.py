"""The canary keys: plan in a worker, confirm in a dialog, check again on fresh data, run in a
worker with live progress. One action runs at a time, except that an emergency revert pre-empts
a running one: it is cancelled at its next safe point, then all traffic goes to stable. The
console never runs an action without a screen: quitting asks first, and a stop signal cancels
the action and quits once its outcome is audited."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.app import App

from console.canary.routers import router_for
from console.clock import speed_of
from console.errors import ConsoleError
from console.tui.messages import CanaryFinished, CanaryPlanned, CanaryProgress

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from console.canary import Action, CanaryController, Plan, Progress
    from console.canary.records import Result
    from console.context import AppContext
    from console.tui.screens.dashboard import DashboardScreen

SEVERITY: dict[Result, SeverityLevel] = {
    "ok": "information",
    "refused": "warning",
    "partial": "error",
    "failed": "error",
    "cancelled": "warning",
}

#: The key action names of the canary commands, by the controller's action.
KEY_ACTION: dict[str, str] = {"emergency-revert": "emergency_revert"}


class CanaryKeys(App[None]):
    """The app's canary keys (``ConsoleApp`` is one): ``s`` step, ``r`` revert, ``R`` emergency
    revert, ``m`` mirror, ``F`` finish, ``x`` cancel. Nothing is written before the confirmation
    dialog says yes."""

    ctx: AppContext
    dashboard: DashboardScreen

    canary_running: bool = False
    _canary_cancel: threading.Event | None = None
    _canary_thread: threading.Thread | None = None
    _running_action: str = ""
    #: An emergency revert confirmed while another action runs: started once that one stops.
    _pre_empting: tuple[CanaryController, Plan] | None = None
    #: Quit once the running action has stopped (asked by the operator or by a signal).
    _quit_when_idle: bool = False

    def canary_allows(self, action: str) -> bool:
        """Whether a canary key can act now (the app's ``check_action`` asks): keys that cannot
        are hidden from the key bar, the help and the palette."""
        if action == "cancel_canary":
            return self.canary_running and not self._quit_when_idle
        if self.ctx.read_only or self.ctx.cluster is None or self._quit_when_idle:
            return False
        if action == "emergency_revert":
            # Always, unless an emergency revert is already running or waiting.
            return self._running_action != "emergency-revert" and self._pre_empting is None
        if self.canary_running:
            return False
        snapshot = self.dashboard.snapshot
        canary = snapshot.canary if snapshot is not None else None
        if canary is None:
            return action != "finish"
        if action == "step":
            deployment = self.ctx.deployment
            if canary.weight_percent >= 100 - 1e-9:
                return False
            nxt = router_for(deployment.router.kind).next_percent(deployment, canary.weight_percent)
            return nxt is not None or deployment.router.kind == "replicas"
        if action == "finish":
            return canary.weight_percent >= 100 - 1e-9
        return True

    def action_step(self) -> None:
        self._plan("step")

    def action_revert(self) -> None:
        self._plan("revert")

    def action_emergency_revert(self) -> None:
        self._plan("emergency-revert")

    def action_finish(self) -> None:
        self._plan("finish")

    def action_mirror(self) -> None:
        from console.tui.screens.mirror import MirrorScreen

        if not self.canary_allows("mirror"):
            return
        snapshot = self.dashboard.snapshot
        current = snapshot.canary.mirror_percent if snapshot and snapshot.canary else None

        def chosen(percent: float | None) -> None:
            if percent is not None:
                self._plan("mirror", percent)

        self.push_screen(MirrorScreen(current), callback=chosen)

    def action_cancel_canary(self) -> None:
        if self._canary_cancel is not None:
            self._canary_cancel.set()
            self.notify(
                "Cancelling at the next safe point: nothing more will be written.", timeout=3
            )

    # Planning ---------------------------------------------------------------------------------

    def _plan(self, action: Action, percent: float | None = None) -> None:
        if not self.canary_allows(KEY_ACTION.get(action, action)):
            return
        # In the canary bar, not a toast: a toast would sit over the confirmation.
        if not self.canary_running:
            self.dashboard.show_activity(f"planning {action}…", None)
        self._plan_worker(action, percent)

    @work(thread=True, exclusive=True, group="canary-plan", exit_on_error=False)
    def _plan_worker(self, action: Action, percent: float | None) -> None:
        from console.factory import build_controller

        try:
            controller = build_controller(self.ctx)
            plan, snapshot = controller.plan(action, percent)
        except ConsoleError as err:
            self.post_message(CanaryFinished(None, str(err), planning=True))
            return
        except Exception as err:  # a planning bug must not take the console down
            text = f"could not plan: {type(err).__name__}"
            self.post_message(CanaryFinished(None, text, planning=True))
            return
        self.post_message(CanaryPlanned(controller, plan, snapshot))

    def on_canary_planned(self, message: CanaryPlanned) -> None:
        from console.tui.screens.confirm import ConfirmScreen

        plan = message.plan
        if not self.canary_running:
            self.dashboard.show_activity("", None)
        else:  # an emergency revert pre-empting the running action: say that it stops first
            first = f"cancel the running {self._running_action} at its next safe point"
            if plan.refusal:  # e.g. nothing shifted yet: stopping it is all there is to do
                first += f"; then nothing more ({plan.refusal})"
            plan = replace(plan, refusal="", lines=(first, *plan.lines))

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(message.controller, plan)

        clock = self.ctx.clock
        confirm = ConfirmScreen(plan, clock.now(), clock.now, speed_of(clock))
        self.push_screen(confirm, callback=answered)

    # Running ----------------------------------------------------------------------------------

    def _start(self, controller: CanaryController, plan: Plan) -> None:
        if self._quit_when_idle:
            return  # the console is on its way out: nothing new starts
        if self.canary_running:
            # Only an emergency revert gets here: stop what runs, then revert.
            self._pre_empting = (controller, plan)
            if self._canary_cancel is not None:
                self._canary_cancel.set()
            self.dashboard.show_activity("EMERGENCY revert: stopping the running action…", None)
            self.refresh_bindings()
            return
        self.canary_running = True
        self._running_action = plan.action
        self._canary_cancel = threading.Event()
        self.refresh_bindings()
        self.dashboard.show_activity(f"{plan.action}: checking the plan on fresh data", None)
        self._run_worker(controller, plan, self._canary_cancel)

    @work(thread=True, exclusive=True, group="canary-run", exit_on_error=False)
    def _run_worker(
        self, controller: CanaryController, confirmed: Plan, cancel: threading.Event
    ) -> None:
        """Plan again on fresh data at the moment of the yes; run it when it is the plan the
        operator saw (the gates are judged again; a refusal now is audited as one)."""
        self._canary_thread = threading.current_thread()

        def progress(event: Progress) -> None:
            self.post_message(CanaryProgress(event))

        try:
            percent = confirmed.after.mirror_percent if confirmed.action == "mirror" else None
            plan, snapshot = controller.plan(confirmed.action, percent)
            changed = plan_changed(confirmed, plan)
            if changed:
                self.post_message(
                    CanaryFinished(
                        None, f"the plan changed since it was shown ({changed}): nothing was done"
                    )
                )
                return
            outcome = controller.run(plan, snapshot, cancel, progress)
        except ConsoleError as err:
            self.post_message(CanaryFinished(None, f"{err}; nothing was changed"))
            return
        except Exception as err:
            self.post_message(CanaryFinished(None, f"action failed: {type(err).__name__}"))
            return
        self.post_message(CanaryFinished(outcome))

    def on_canary_progress(self, message: CanaryProgress) -> None:
        event = message.progress
        shown = None
        if event.ready is not None and event.wanted is not None:
            shown = (event.ready, event.wanted)
        if self._pre_empting is None:
            self.dashboard.show_activity(event.message, shown)

    def on_canary_finished(self, message: CanaryFinished) -> None:
        if message.planning:
            if not self.canary_running:
                self.dashboard.show_activity("", None)
            self.notify(message.error, title="Canary", severity="error", markup=False)
            return
        self.canary_running = False
        self._running_action = ""
        self._canary_cancel = None
        self._canary_thread = None
        self.refresh_bindings()
        self.dashboard.show_activity("", None)
        outcome = message.outcome
        if outcome is None:
            self.notify(message.error, title="Canary", severity="error", markup=False)
        else:
            title = f"{outcome.plan.action}: {outcome.outcome}"
            if self.ctx.demo:
                title += " (simulated fleet)"
            self.notify(
                outcome.message,
                title=title,
                severity=SEVERITY[outcome.outcome],
                markup=False,
                timeout=8,
            )
        if self._quit_when_idle:
            self.exit()
            return
        if self._pre_empting is not None:
            # The pre-empted action has stopped: the confirmed emergency revert runs now
            # (planned again in its worker on what the cluster reads after the stop).
            (controller, plan), self._pre_empting = self._pre_empting, None
            self._start(controller, plan)
            return
        self.dashboard.poll_now()

    # Leaving ----------------------------------------------------------------------------------

    def stop_and_quit(self) -> None:
        """Cancel the running action at its next safe point and quit once it has stopped (its
        outcome is audited first); a pending emergency revert is dropped: nothing new starts."""
        self._quit_when_idle = True
        self._pre_empting = None
        if self._canary_cancel is not None:
            self._canary_cancel.set()
        if not self.canary_running:
            self.exit()
            return
        self.dashboard.show_activity(
            "cancelling: the console quits when the action has stopped", None
        )
        self.refresh_bindings()

    def wait_for_action(self, timeout_s: float = 120.0) -> bool:
        """After the app has ended: cancel and wait for a still-running action's worker, so
        its outcome is audited before the process exits. True when none is left running."""
        if self._canary_cancel is not None:
            self._canary_cancel.set()
        thread = self._canary_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            return not thread.is_alive()
        return True


def plan_changed(shown: Plan, fresh: Plan) -> str:
    """What differs between the plan the operator confirmed and the same plan made now
    (empty: nothing that matters). A fresh refusal is not a change: it is run, and audited."""
    if fresh.refusal or fresh.action == "emergency-revert":
        return ""
    if fresh.after != shown.after:
        return f"{'; '.join(fresh.describe()[:2])}"
    if (fresh.warm_canary_to, fresh.warm_stable_to, fresh.trim_stable_to) != (
        shown.warm_canary_to,
        shown.warm_stable_to,
        shown.trim_stable_to,
    ):
        return "the replicas to warm differ"
    return ""
