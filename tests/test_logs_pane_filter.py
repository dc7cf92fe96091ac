"""The filter prompt on the real console: track terms over the simulated fleet's pod logs, a
filter RE2 cannot run refused with the prompt kept, and a catastrophic pattern that leaves the
console answering keys."""

from __future__ import annotations

from pathlib import Path

from console.tui.app import ConsoleApp
from tests.support import demo_app, file_app, log_stream
from tests.waiting import wait_until


def bar(app: ConsoleApp) -> str:
    return str(app.dashboard.query_one("#logs-bar").render())


async def test_track_term_shows_one_track(tmp_path: Path) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        log = log_stream(app)
        await wait_until(
            pilot,
            lambda: {log._lines.item(s).track for s in log._lines.view} >= {"stable", "canary"},
            "lines of both tracks",
        )
        await pilot.press("slash", *"track:canary", "enter")
        await wait_until(pilot, lambda: log.status.filter == "track:canary", "the filter")
        tracks = {log._lines.item(s).track for s in log._lines.view}
        assert tracks == {"canary"}
        assert "track:canary" in bar(app)


async def test_a_filter_re2_cannot_run_is_refused_and_the_prompt_stays(tmp_path: Path) -> None:
    app = file_app(tmp_path, ["GET 500", "GET 200"])
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_stream(app)
        await wait_until(pilot, lambda: log.status.total == 2, "the file's lines")
        await pilot.press("slash", *"(?<=GET )500", "enter")
        await wait_until(
            pilot,
            lambda: any("filter not applied" in str(n.message) for n in app._notifications),
            "the refusal",
        )
        prompt = app.dashboard.query_one("FilterInput")
        assert prompt.display and prompt.has_focus
        assert log.status.filter == "" and log.status.shown == 2
        await pilot.press("escape")
        assert not prompt.display and app.is_running


async def test_a_catastrophic_pattern_leaves_the_console_answering(tmp_path: Path) -> None:
    app = file_app(tmp_path, ["a" * 34 + "!"] * 300 + ["aaaa"])
    async with app.run_test(size=(100, 30)) as pilot:
        log = log_stream(app)
        await wait_until(pilot, lambda: log.status.total == 301, "the file's lines")
        await pilot.press("slash", *"(a+)+$", "enter")
        await wait_until(pilot, lambda: log.status.shown == 1, "the filter")
        await pilot.press("W")  # the next key is handled: nothing is stuck
        await wait_until(pilot, lambda: log.wrap, "wrap on")
        assert log.lines_for_save() == ["aaaa"]
