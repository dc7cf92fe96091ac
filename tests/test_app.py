"""Pilot flows on the real app over the simulated fleet: windows, themes, help, palette, quit,
ground truth on screen, and a failing source that marks data stale without stopping the app."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from console.clock import ManualClock
from console.errors import SourceError
from console.model import DeploymentSpec, FleetSnapshot, Track
from console.present import PANELS
from console.tui.screens.help import HelpScreen
from tests.support import T0, demo_app, demo_context, header_text, panel_rows, wait_polls
from tests.waiting import wait_until
from widgets.compare_panel import ComparePanel


def panel_text(app: object, panel_id: str) -> str:
    return "\n".join(panel_rows(app, panel_id))


async def test_first_poll_fills_every_panel() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app)
        for spec in PANELS:
            text = panel_text(app, spec.id)
            assert re.search(r"\d", text), f"{spec.id} shows no number: {text!r}"
        header = header_text(app)
        assert "llama" in header
        assert "sim:healthy" in header
        assert "STALE" not in header


async def test_window_key_cycles_and_the_history_follows() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        assert app.dashboard.snapshot is not None
        assert app.dashboard.snapshot.history_s == 300
        await pilot.press("w")
        await wait_until(pilot, lambda: app.dashboard.snapshot.history_s == 900, "15m history")
        assert app.window_s == 900
        assert "15m" in header_text(app)
        await pilot.press("w")
        await wait_until(pilot, lambda: app.dashboard.snapshot.history_s == 3600, "1h history")
        await pilot.press("w")
        await wait_until(pilot, lambda: app.dashboard.snapshot.history_s == 300, "back to 5m")
        await pilot.press("2")
        await wait_until(pilot, lambda: app.window_s == 900, "window key 2")


async def test_theme_key_switches_live_and_changes_colours() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        panel = app.screen.query_one("#panel-volume", ComparePanel)
        before = panel.get_component_rich_style("compare-panel--spark-stable")
        assert app.theme == "console-dark"
        await pilot.press("t")
        assert app.theme == "console-light"
        await pilot.pause()
        after = panel.get_component_rich_style("compare-panel--spark-stable")
        assert before.color != after.color
        await pilot.press("t")
        assert app.theme == "console-colorblind"
        await pilot.press("t")
        assert app.theme == "console-dark"


async def test_help_opens_lists_keys_and_closes() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body").render())
        assert "Quit" in body and "Window" in body and "Theme" in body
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def palette_pick(app: object) -> str:
    """The command the open palette would run on enter ("" while it has none)."""
    from textual.command import CommandList

    commands = app.screen.query_one(CommandList)  # type: ignore[attr-defined]
    if commands.highlighted is None:
        return ""
    return str(commands.get_option_at_index(commands.highlighted).prompt)


async def test_palette_offers_the_same_commands() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.press(*"window 1h")
        # The palette searches in a background task: wait for its best hit.
        await wait_until(pilot, lambda: "Window 1h" in palette_pick(app), "the palette's pick")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.window_s == 3600, "palette to set the 1h window")


async def test_q_quits_cleanly() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("q")
        await wait_until(pilot, lambda: not app.is_running, "exit")
    assert app.return_code == 0


async def test_panels_agree_with_the_simulators_ground_truth() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock)
    app = demo_app_from(ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app)
        fleet = ctx.fleets["llama"]
        window = ctx.settings.ui.rate_window
        for track in (Track.STABLE, Track.CANARY):
            truth = fleet.ground_truth(track, window)
            shown = app.dashboard.snapshot.tracks[track]
            assert truth.requests_per_s is not None and shown.requests_per_s is not None
            # Same requests counted; rates equal up to the ring's tick alignment.
            assert abs(shown.requests_per_s - truth.requests_per_s) <= 0.05 * truth.requests_per_s
            assert shown.replicas == truth.replicas
            assert shown.queue_depth == truth.queue_depth
        stable_text = panel_text(app, "volume").split("│")[0]
        truth = fleet.ground_truth(Track.STABLE, window)
        number = float(re.search(r"(\d+(?:\.\d+)?)\s*req/s", stable_text).group(1))
        assert abs(number - truth.requests_per_s) <= 0.05 * truth.requests_per_s + 0.05
        replicas_text = panel_text(app, "replicas").split("│")[0]
        assert f"{truth.replicas.serving} serving" in replicas_text


class FlakySource:
    """The simulated source with an off switch, to show what a dead backend looks like."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.down = False
        self.calls = 0

    @property
    def name(self) -> str:
        return "flaky"

    def snapshot(
        self, deployment: DeploymentSpec, window_s: float, history_s: float | None = None
    ) -> FleetSnapshot:
        self.calls += 1
        if self.down:
            raise SourceError("cannot reach Prometheus at http://127.0.0.1:1: connection refused")
        return self.inner.snapshot(deployment, window_s, history_s)  # type: ignore[attr-defined]

    def close(self) -> None:
        pass


async def test_dead_source_marks_stale_keeps_values_and_recovers() -> None:
    clock = ManualClock(T0)
    ctx = demo_context(clock=clock)
    flaky = FlakySource(ctx.metrics)
    ctx.metrics = flaky
    app = demo_app_from(ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app)
        # Laid out for the data (its sparklines' time scale under them) before it is read.
        await wait_until(pilot, lambda: "now" in panel_text(app, "volume"), "the time scale")
        before = panel_text(app, "volume")
        flaky.down = True
        app.dashboard.poll_now()
        await wait_until(pilot, lambda: app.dashboard.failures >= 1, "a failed poll")
        header = header_text(app)
        assert "STALE" in header
        assert "cannot reach Prometheus" in header
        shown = [n.message for n in app._notifications]
        assert "cannot reach Prometheus at http://127.0.0.1:1: connection refused" in shown
        assert panel_text(app, "volume") == before  # last values stay on screen
        assert app.is_running
        flaky.down = False
        clock.advance(1)
        app.dashboard.poll_now()
        await wait_until(pilot, lambda: app.dashboard.failures == 0, "recovery")
        assert "STALE" not in header_text(app)


async def test_hostile_names_show_literally() -> None:
    ctx = demo_context()
    hostile = "[bold red]x[/] \x1b]52;c;aGk=\x07 [link=file:///etc/passwd]y[/link]"
    ctx.deployments[0] = ctx.deployments[0].model_copy(update={"name": hostile})
    ctx.metrics._sources[hostile] = ctx.metrics._sources["llama"]  # type: ignore[attr-defined]
    app = demo_app_from(ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(
            pilot, lambda: app.dashboard.polls + app.dashboard.failures >= 1, "first poll"
        )
        header = header_text(app)
        assert "[bold red]x[/]" in header
        assert "\x1b" not in header and "\x07" not in header
        assert app.is_running


def demo_app_from(ctx: object) -> object:
    from console.tui.app import ConsoleApp

    return ConsoleApp(ctx)  # type: ignore[arg-type]


async def test_d_switches_between_configured_deployments(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[deployments]]\nname = "llama"\nnamespace = "a"\nstable = "llama-v1"\n'
        'canary = "llama-v2"\n\n'
        '[[deployments]]\nname = "mistral"\nnamespace = "b"\nstable = "mistral-v3"\n'
        'canary = "mistral-v4"\n'
    )
    from console.commands.common import load
    from console.factory import build_context

    loaded = load(argparse.Namespace(config=config, demo=False, deployment=None))
    ctx = build_context(loaded, clock=ManualClock(T0))
    app = demo_app_from(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_polls(pilot, app)
        assert app.dashboard.snapshot.deployment == "llama"
        await pilot.press("d")
        await wait_until(
            pilot,
            lambda: (
                app.dashboard.snapshot is not None
                and app.dashboard.snapshot.deployment == "mistral"
            ),
            "the second deployment's data",
        )
        assert "mistral" in header_text(app)
        await pilot.press("d")
        await wait_until(pilot, lambda: app.dashboard.snapshot.deployment == "llama", "back")


async def test_d_is_unavailable_with_one_deployment() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_polls(pilot, app)
        assert app.check_action("next_deployment", ()) is False
        # With one deployment "next" would land on the same one: only the action running or
        # not tells a guarded key from an unguarded one.
        ran: list[str] = []
        switch = app.action_next_deployment

        def counted() -> None:
            ran.append("d")
            switch()

        app.action_next_deployment = counted  # type: ignore[method-assign]
        await pilot.press("d", "t")  # keys are handled in order: once "t" is done, so is "d"
        await wait_until(pilot, lambda: app.theme == "console-light", "the t after the d")
        assert ran == []
        assert app.dashboard.snapshot.deployment == "llama"


async def test_the_cost_screen_opens_without_a_toast_over_it() -> None:
    from console.tui.screens.cost import CostScreen

    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("c")  # notifies "Working out the cost…" and starts the worker
        await wait_until(pilot, lambda: isinstance(app.screen, CostScreen), "the cost screen")
        assert not any("Working out the cost" in n.message for n in app._notifications)


async def test_the_command_freezes_start_up_objects_after_the_first_paint() -> None:
    import gc

    from console.startup import IDLE_THRESHOLDS
    from console.tui.app import ConsoleApp
    from tests.support import demo_context

    thresholds = gc.get_threshold()
    assert thresholds != IDLE_THRESHOLDS
    # An app in a process of its own (the command) freezes what start-up built, once, and
    # collects young objects less often.
    app = ConsoleApp(demo_context(), own_process=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_polls(pilot, app)
            await wait_until(pilot, lambda: gc.get_freeze_count() > 0, "the freeze")
            assert gc.get_threshold() == IDLE_THRESHOLDS
    finally:
        gc.unfreeze()  # this process runs many apps: give the objects back to the collector
        gc.set_threshold(*thresholds)
    # One among many (the tests) leaves the collector alone.
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_polls(pilot, app, 2)
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold() == thresholds
