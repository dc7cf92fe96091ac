"""The traffic screen (``g``): a manual request streams in as inert text, a load test shows its
progress and figures and leaves its headline on the dashboard, bad input is a notice, and load on
configured endpoints waits for a confirmation."""

from __future__ import annotations

import argparse
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Static, TextArea

from console.clock import ManualClock
from console.commands.common import load
from console.factory import build_context
from console.tui.app import ConsoleApp
from console.tui.screens.traffic import LoadConfirm, ReplyPiece, TrafficScreen
from tests.support import T0, count_repaints, demo_app, wait_until
from tests.traffic_support import FaultServer


async def open_traffic(pilot: Pilot[None], app: ConsoleApp) -> TrafficScreen:
    """Press ``g`` and wait until the screen is up with the prompt focused."""
    await pilot.press("g")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, TrafficScreen) and isinstance(app.focused, TextArea),
        "the traffic screen",
    )
    assert isinstance(app.screen, TrafficScreen)
    return app.screen


def text_of(screen: TrafficScreen, ident: str) -> str:
    return str(screen.query_one(f"#{ident}", Static).render())


async def test_manual_request_streams_the_reply_and_its_figures() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_traffic(pilot, app)
        repaints = count_repaints(screen.query_one("#traffic-reply", Static))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not screen.running, "the reply", 30)
        assert len(repaints) > 10  # shown piece by piece as it streamed, not at the end
        assert text_of(screen, "traffic-reply").startswith("the fleet serves tokens")
        figures = text_of(screen, "traffic-figures")
        assert "status        200 (ok)" in figures and "TTFT" in figures
        assert "answered by   llama-v2-" in figures
        # Switching track changes where the next request goes.
        await pilot.press("ctrl+t")
        assert "llama stable" in text_of(screen, "traffic-title")


async def test_hostile_reply_text_is_shown_literally() -> None:
    app = demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_traffic(pilot, app)
        screen.post_message(ReplyPiece("[bold]x[/] [/oops] \x1b]52;c;aGk=\x07\x1b[2Jdone"))
        await wait_until(pilot, lambda: "done" in text_of(screen, "traffic-reply"), "the piece")
        assert text_of(screen, "traffic-reply") == "[bold]x[/] [/oops] done"


async def test_load_test_shows_progress_figures_and_leaves_a_headline() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_traffic(pilot, app)
        screen.query_one("#traffic-rate", Input).value = "40"
        screen.query_one("#traffic-duration", Input).value = "2"
        screen.query_one("#traffic-requests", Input).value = "12"
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: not screen.running, "the load test", 30)
        assert screen.query_one(ProgressBar).progress == 1.0
        figures = text_of(screen, "traffic-figures")
        assert "requests      12 ok / 12 sent" in figures and "stopped: sent 12 requests" in figures
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        headline = app.dashboard.query_one("#traffic-headline")
        assert headline.display
        assert "load test canary: 12/12 ok" in str(headline.render())


async def test_a_bad_number_is_a_notice_and_nothing_runs() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_traffic(pilot, app)
        screen.query_one("#traffic-rate", Input).value = "fast"
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not screen.running
        assert any("rate: 'fast' is not a number" in str(n.message) for n in app._notifications)


def configured_app(tmp_path: Path, base: str) -> ConsoleApp:
    path = tmp_path / "console.toml"
    path.write_text(
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\nstable = "llama-v1"\n'
        f'canary = "llama-v2"\n[deployments.endpoints]\ncanary = "{base}/ok/v1"\n'
    )
    loaded = load(argparse.Namespace(demo=False, config=path, deployment=None))
    return ConsoleApp(build_context(loaded, clock=ManualClock(T0)))


async def test_load_on_a_configured_endpoint_waits_for_a_yes(tmp_path: Path) -> None:
    with FaultServer() as server:
        app = configured_app(tmp_path, server.url)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_traffic(pilot, app)
            screen.query_one("#traffic-requests", Input).value = "3"
            screen.query_one("#traffic-rate", Input).value = "30"
            await pilot.press("ctrl+l")
            await wait_until(pilot, lambda: isinstance(app.screen, LoadConfirm), "the question")
            await pilot.press("n")
            await wait_until(pilot, lambda: not screen.running, "the refusal")
            assert "not sent" in text_of(screen, "traffic-figures")
            assert server.hits.get("ok", 0) == 0
            await pilot.press("ctrl+l")
            await wait_until(pilot, lambda: isinstance(app.screen, LoadConfirm), "the question")
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: not screen.running and server.hits.get("ok") == 3,
                "the load test",
                30,
            )
            assert "requests      3 ok / 3 sent" in text_of(screen, "traffic-figures")


async def test_stop_ends_a_request_that_never_finishes(tmp_path: Path) -> None:
    with FaultServer() as server:
        app = configured_app(tmp_path, server.url)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_traffic(pilot, app)
            screen.deployment = screen.deployment.model_copy(
                update={
                    "endpoints": screen.deployment.endpoints.model_copy(  # type: ignore[union-attr]
                        update={"canary": f"{server.url}/stall/v1"}
                    )
                }
            )
            await pilot.press("ctrl+s")
            await wait_until(
                pilot, lambda: "one two" in text_of(screen, "traffic-reply"), "the first pieces"
            )
            await pilot.press("ctrl+o")
            await wait_until(pilot, lambda: not screen.running, "the stop", 5)
            assert "aborted: stopped by the operator" in text_of(screen, "traffic-figures")
