"""Pilot flows for the canary keys: step with warm-up progress, revert from a trimmed stable,
and read-only mode refusing everything that writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from console.clock import ManualClock
from console.config import RouterConfig, demo_audit_path
from console.model import Track
from console.tui.app import ConsoleApp
from console.tui.screens.confirm import ConfirmScreen
from tests.support import T0, demo_app, demo_context, wait_logs, wait_polls
from tests.waiting import wait_until
from widgets.canary_bar import CanaryBar
from widgets.log_stream import LogStream
from widgets.status_header import StatusHeader


def app_with(clock: ManualClock, **changes: Any) -> ConsoleApp:
    ctx = demo_context(clock=clock)
    ctx.deployments[0] = ctx.deployments[0].model_copy(update=changes)
    return ConsoleApp(ctx)


async def finish_running(pilot: Any, app: ConsoleApp, clock: ManualClock) -> list[str]:
    """Move simulated time on while the action runs; return what the canary bar showed."""
    shown: list[str] = []
    await wait_until(pilot, lambda: app.canary_running, "the action to start")
    for _ in range(400):
        if not app.canary_running:
            return shown
        shown.append(app.dashboard.query_one(CanaryBar).plain)
        clock.advance(5)
        await pilot.pause(0.02)
    raise AssertionError("the canary action did not finish")


def audit_records() -> list[dict[str, Any]]:
    return [json.loads(x) for x in demo_audit_path().read_text().splitlines()]


async def test_step_confirms_warms_shifts_and_audits() -> None:
    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "scale canary 1 → " in body and "95/5 → 90/10" in body
        assert "✓" in body  # gate results are shown before anything is done
        assert not demo_audit_path().exists()  # nothing written before yes
        await pilot.press("y")
        shown = await finish_running(pilot, app, clock)
        assert any("warming" in line for line in shown), shown
        state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
        assert (state.route.stable_weight, state.route.canary_weight) == (90, 10)
        assert state.canary.ready >= 2
        records = audit_records()
        assert [(r["action"], r["phase"], r["outcome"]) for r in records] == [
            ("step", "intent", None),
            ("step", "outcome", "ok"),
        ]
        audit = app.dashboard.query_one("#audit-log", LogStream)
        await wait_until(
            pilot,
            lambda: any("outcome=ok" in line for line in audit.lines_for_save()),
            "the outcome in the audit pane",
        )


async def test_revert_from_a_trimmed_stable_warms_stable_first() -> None:
    clock = ManualClock(T0)
    app = app_with(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        cluster = app.ctx.cluster
        spec = app.ctx.deployment.spec()
        assert cluster is not None
        state = cluster.read(spec)
        cluster.set_weights(spec, 50, 50, state.route.resource_version)
        cluster.scale(spec, Track.STABLE, 2)  # trimmed while the canary carried half
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "scale stable 2 → " in body
        assert body.index("scale stable") < body.index("50/50 → 100/0")
        await pilot.press("y")
        await finish_running(pilot, app, clock)
        state = cluster.read(spec)
        assert (state.route.stable_weight, state.route.canary_weight) == (100, 0)
        assert state.stable.ready > 2 and state.canary.desired == 0
        assert audit_records()[-1]["outcome"] == "ok"


async def test_read_only_refuses_every_write() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock, read_only=True)
    app = ConsoleApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        for action in ("step", "revert", "emergency_revert", "mirror"):
            assert app.check_action(action, ()) is False
        for key in ("s", "r", "R", "m"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.dashboard, f"{key} opened {app.screen}"
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(t.startswith(("Step", "Revert", "Emergency", "Mirror")) for t in titles)
        await pilot.press("question_mark")
        assert "READ-ONLY" in app.dashboard.query_one("#status").plain  # type: ignore[attr-defined]
        state = ctx.cluster.read(ctx.deployment.spec())  # type: ignore[union-attr]
        assert state.route.canary_weight == 5
        assert not Path(demo_audit_path()).exists()


def test_confirm_dialog_80x24(snap_compare: Any) -> None:
    app = demo_app("healthy")

    async def run_before(pilot: Pilot[object]) -> None:
        await wait_polls(pilot, app)
        await wait_logs(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


async def test_cancel_key_stops_the_warm_up_before_traffic_moves() -> None:
    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        await pilot.press("y")
        bar = app.dashboard.query_one(CanaryBar)
        await wait_until(pilot, lambda: "warming" in bar.plain, "warming in the canary bar")
        assert app.check_action("cancel_canary", ()) is True
        assert app.check_action("step", ()) is False  # one action at a time
        await pilot.press("x")
        await wait_until(pilot, lambda: not app.canary_running, "the action to stop")
        state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
        assert state.route.canary_weight == 5
        last = audit_records()[-1]
        assert (last["phase"], last["outcome"]) == ("outcome", "cancelled")
        assert "cancelled" in last["error"]


async def test_mirror_asks_for_a_percentage_then_confirms() -> None:
    clock = ManualClock(T0)
    app = app_with(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("m")
        await wait_until(pilot, lambda: app.screen.id == "mirror", "the percentage prompt")
        await pilot.press(*"150", "enter")
        error = app.screen.query_one("#mirror-error").render()
        assert "'150' is not a percentage between 0 and 100" in str(error)
        await pilot.press("backspace", "backspace", "backspace", *"20", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        body = str(app.screen.query_one("#confirm-body").render())
        assert "mirror 0% → 20% to canary" in body
        assert "scale canary 1 → 2 and wait ready" in body  # sized for the mirrored load
        await pilot.press("y")
        await finish_running(pilot, app, clock)
        await wait_until(
            pilot,
            lambda: demo_audit_path().exists() and len(audit_records()) == 2,
            "the outcome record",
        )
        state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
        assert state.route.mirror_percent == 20
        last = audit_records()[-1]
        assert (last["action"], last["outcome"]) == ("mirror", "ok")


async def test_the_header_names_no_next_step_with_the_replica_ratio_router() -> None:
    """A replica-ratio step goes as far as whole replicas reach, possibly past the next
    configured step: the header shows the share only, the step's plan says where it goes."""
    for kind, arrow in (("httproute", True), ("replicas", False)):
        app = app_with(ManualClock(T0), router=RouterConfig(kind=kind))
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_polls(pilot, app)
            header = app.dashboard.query_one(StatusHeader).render_line(0).text
            assert "canary 5%" in header, header
            assert ("canary 5% → 10%" in header) is arrow, header


async def start_warming(pilot: Any, app: ConsoleApp) -> None:
    """Press s and y, and wait until the step is warming its canary (the clock stands still)."""
    await wait_polls(pilot, app)
    await pilot.press("s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
    await pilot.press("y")
    bar = app.dashboard.query_one(CanaryBar)
    await wait_until(pilot, lambda: "warming" in bar.plain, "warming in the canary bar")


async def test_emergency_revert_pre_empts_a_warming_step() -> None:
    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_warming(pilot, app)
        # While the step warms: x and R can act, and they are shown; s cannot.
        assert app.check_action("cancel_canary", ()) is True
        assert app.check_action("emergency_revert", ()) is True
        assert app.check_action("step", ()) is False
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the R dialog")
        assert app.screen.plan.action == "emergency-revert"  # type: ignore[attr-defined]
        await pilot.press("y")
        await wait_until(
            pilot, lambda: not app.canary_running and len(audit_records()) == 4, "both outcomes"
        )
        state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
        assert state.route.canary_weight == 0
        done = [(r["action"], r["phase"], r["outcome"]) for r in audit_records()]
        assert done == [
            ("step", "intent", None),
            ("step", "outcome", "cancelled"),  # stopped before its shift
            ("emergency-revert", "intent", None),
            ("emergency-revert", "outcome", "ok"),
        ]


async def test_q_during_a_warm_up_asks_and_keep_waiting_keeps_the_action() -> None:
    from console.tui.screens.leaving import LeavingScreen

    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_warming(pilot, app)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, LeavingScreen), "the question")
        await pilot.press("w")
        await wait_until(pilot, lambda: not isinstance(app.screen, LeavingScreen), "closed")
        assert app.is_running and app.canary_running
        await finish_running(pilot, app, clock)
        assert audit_records()[-1]["outcome"] == "ok"
        state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
        assert state.route.canary_weight == 10


async def test_q_during_a_warm_up_then_cancel_stops_audits_and_quits() -> None:
    from console.tui.screens.leaving import LeavingScreen

    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_warming(pilot, app)
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, LeavingScreen), "the question")
        await pilot.press("c")
        await wait_until(pilot, lambda: not app.is_running, "the console to quit")
    assert not app.canary_running
    last = audit_records()[-1]
    assert (last["action"], last["phase"], last["outcome"]) == ("step", "outcome", "cancelled")
    state = app.ctx.cluster.read(app.ctx.deployment.spec())  # type: ignore[union-attr]
    assert state.route.canary_weight == 5  # no shift after the operator left


async def test_a_stop_signal_during_a_warm_up_cancels_then_quits() -> None:
    clock = ManualClock(T0)
    app = app_with(clock, replica_capacity_rps=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_warming(pilot, app)
        app.stop_and_quit()  # what SIGHUP/SIGTERM/SIGINT/SIGQUIT run in the app's loop
        await wait_until(pilot, lambda: not app.is_running, "the console to quit")
    assert audit_records()[-1]["outcome"] == "cancelled"
    assert app.wait_for_action()


async def test_at_100_percent_step_is_hidden_and_finish_is_offered() -> None:
    clock = ManualClock(T0)
    app = app_with(clock)
    assert app.ctx.cluster is not None
    spec = app.ctx.deployment.spec()
    route = app.ctx.cluster.read(spec).route
    app.ctx.cluster.set_weights(spec, 0, 100, route.resource_version)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                app.dashboard.snapshot is not None
                and app.dashboard.snapshot.canary is not None
                and app.dashboard.snapshot.canary.weight_percent == 100
            ),
            "100% on screen",
        )
        assert app.check_action("step", ()) is False
        assert app.check_action("finish", ()) is True
        await pilot.press("F")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        assert app.screen.plan.action == "finish"  # type: ignore[attr-defined]


async def test_polling_goes_on_under_a_dialog() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: app.screen is not app.dashboard, "the help screen")
        await wait_polls(pilot, app, 2)  # the header is never STALE behind a dialog
        assert not app.dashboard.is_stale()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_question_stays_on_screen_whatever_the_plan_length(
    size: tuple[int, int],
) -> None:
    from dataclasses import replace

    app = app_with(ManualClock(T0))
    async with app.run_test(size=size) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
        plan = app.screen.plan  # type: ignore[attr-defined]
        await pilot.press("escape")
        long = replace(plan, lines=tuple(f"line {i} of a long plan" for i in range(60)))
        app.push_screen(ConfirmScreen(long))
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "again")
        await pilot.pause(0.05)
        question = app.screen.query_one("#confirm-question")
        region = question.region
        assert region.height >= 1 and region.bottom <= size[1], (size, region)
        assert "y = yes" in str(question.render())
