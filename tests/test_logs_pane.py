"""Pilot flows on the real console with a followed log file and audit file: filter, follow and
pause with the new-lines counter, tabs, maximise, save, and hostile text on every path."""

from __future__ import annotations

import json
import re
import stat
from dataclasses import replace
from pathlib import Path

from console.clock import ManualClock
from console.config import demo_audit_path
from console.factory import build_context
from console.tui.app import ConsoleApp
from console.tui.screens.logs_pane import FilterInput
from tests.support import T0, demo_loaded, wait_polls
from tests.waiting import wait_until
from widgets.compare_panel import ComparePanel
from widgets.log_stream import LogStream

HOSTILE = [
    "H1 [/x] closing tag",
    "H2 [bold red]not bold[/bold red]",
    "H3 [link=file:///etc/passwd]x[/link]",
    "H4 clip \x1b]52;c;ZWNobyBoYWNrZWQ=\x07 board",
    "H5 clear \x1b[2J screen",
    "H6 c1 \x9b31m csi",
    "H7 title \x1b]0;owned\x07 change",
]


def console_app(
    tmp_path: Path, lines: list[str], sim: bool = False, refresh_s: float | None = None
) -> ConsoleApp:
    log = tmp_path / "server.log"
    log.write_text("".join(f"{line}\n" for line in lines))
    loaded = demo_loaded()
    settings = loaded.settings.model_copy(
        update={
            "logs": loaded.settings.logs.model_copy(
                update={"file": log, "sim": sim, "save_dir": tmp_path / "saved"}
            ),
        }
    )
    if refresh_s is not None:
        settings = settings.model_copy(update={"refresh_interval": refresh_s})
    ctx = build_context(replace(loaded, settings=settings), clock=ManualClock(T0))
    return ConsoleApp(ctx)


def audit_file() -> Path:
    """The simulated fleet's own trail (this test's, under its XDG_STATE_HOME)."""
    path = demo_audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def stream(app: ConsoleApp, which: str = "server-logs") -> LogStream:
    return app.dashboard.query_one(f"#{which}", LogStream)


def shown(app: ConsoleApp, which: str = "server-logs") -> str:
    log = stream(app, which)
    return "\n".join(log.render_line(y).text for y in range(log.size.height))


def bar(app: ConsoleApp) -> str:
    return str(app.dashboard.query_one("#logs-bar").render())


def append(tmp_path: Path, *lines: str) -> None:
    with (tmp_path / "server.log").open("a") as out:
        out.write("".join(f"{line}\n" for line in lines))


async def test_filter_with_the_slash_key(tmp_path: Path) -> None:
    app = console_app(tmp_path, ["GET /a 200", "POST /b 500", "GET /c 503", "ok"])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: stream(app).status.total == 4, "the file's lines")
        await pilot.press("slash")
        await pilot.press(*"5\\d\\d", "enter")
        await wait_until(pilot, lambda: stream(app).status.shown == 2, "the filter")
        assert stream(app).lines_for_save() == ["POST /b 500", "GET /c 503"]
        await wait_until(pilot, lambda: "filter regex" in bar(app) and "2/4" in bar(app), "bar")
        append(tmp_path, "PUT /d 502", "PUT /e 201")
        await wait_until(pilot, lambda: stream(app).status.total == 6, "new lines")
        assert stream(app).status.shown == 3
        assert "PUT /d 502" in shown(app) and "201" not in shown(app)
        # Escape leaves the filter as it was: not applied, not cleared.
        prompt = app.dashboard.logs.query_one(FilterInput)
        await pilot.press("slash", "z")
        # The prompt opens on the filter, selected: typing replaces it.
        await wait_until(pilot, lambda: prompt.value == "z", "the edited filter")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not prompt.display, "the prompt to close")
        assert stream(app).status.filter == "5\\d\\d"
        assert stream(app).status.shown == 3
        await pilot.press("X")
        assert stream(app).status.shown == 6
        assert app.is_running


async def test_pause_counts_new_lines_and_follow_shows_them(tmp_path: Path) -> None:
    app = console_app(tmp_path, [f"line {i}" for i in range(5)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: stream(app).status.total == 5, "the file's lines")
        await pilot.press("p")
        await wait_until(pilot, lambda: "PAUSED" in bar(app), "the bar to say PAUSED")
        append(tmp_path, *(f"more {i}" for i in range(12)))
        await wait_until(pilot, lambda: stream(app).new_lines == 12, "the counter")
        await wait_until(pilot, lambda: "12 new lines" in bar(app), f"the bar's count: {bar(app)}")
        assert "more 0" not in shown(app)
        await pilot.press("p")
        await wait_until(pilot, lambda: "following" in bar(app), "following again")
        assert "more 11" in shown(app)
        assert stream(app).status.total == 17


async def test_scrolling_up_stops_following_and_p_resumes(tmp_path: Path) -> None:
    app = console_app(tmp_path, [f"line {i}" for i in range(200)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: stream(app).status.total == 200, "the file's lines")
        stream(app).focus()
        await pilot.pause()
        await pilot.press("pageup")
        await wait_until(pilot, lambda: "scrolled" in bar(app), f"following to stop: {bar(app)}")
        append(tmp_path, "fresh")
        await wait_until(pilot, lambda: "1 new line " in bar(app), "the counter")
        assert "fresh" not in shown(app)
        await pilot.press("p")
        await wait_until(pilot, lambda: "fresh" in shown(app), "the newest line")


async def test_tabs_switch_between_logs_and_the_audit_trail(tmp_path: Path) -> None:
    app = console_app(tmp_path, ["server line"])
    record = {"seq": 1, "time": "2026-03-10T14:00:00Z", "actor": {"user": "bob"},
              "deployment": "llama", "action": "revert", "phase": "intent"}  # fmt: skip
    audit_file().write_text(json.dumps(record) + "\n")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: stream(app, "audit-log").status.total == 1, "audit")
        assert "server line" in shown(app)
        await pilot.press("a")
        assert stream(app, "audit-log").display
        assert not stream(app, "server-logs").display
        assert "bob revert llama intent" in shown(app, "audit-log")
        with audit_file().open("a") as out:
            out.write('{"seq": 2, "actor": \n')
        await wait_until(pilot, lambda: stream(app, "audit-log").status.total == 2, "a record")
        assert "malformed audit record" in shown(app, "audit-log")
        await pilot.press("a")
        assert stream(app, "server-logs").display


async def test_l_maximises_the_logs_and_gives_the_panels_back(tmp_path: Path) -> None:
    app = console_app(tmp_path, [f"line {i}" for i in range(100)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_polls(pilot, app)
        await wait_until(pilot, lambda: stream(app).status.total == 100, "the file's lines")
        panel = app.dashboard.query_one("#panel-volume", ComparePanel)
        small = stream(app).size.height
        assert small >= 3 and panel.display
        await pilot.press("l")
        await wait_until(pilot, lambda: stream(app).size.height > small, "a taller log view")
        tall = stream(app).size.height
        assert tall >= 19
        assert not app.dashboard.query_one("#panels").display
        assert "line 99" in shown(app)
        await pilot.press("l")
        await wait_until(
            pilot,
            lambda: panel.region.height > 0 and stream(app).size.height < tall,
            "the panels back",
        )
        # The panels and the logs share the screen again, each wholly visible, one after the other.
        panels = app.dashboard.query_one("#panels").region
        assert 3 <= stream(app).size.height < tall
        assert panels.bottom <= app.dashboard.query_one("#logs").region.y


async def test_wrap_timestamps_and_save(tmp_path: Path) -> None:
    app = console_app(tmp_path, ["a " + "x" * 300, "GET 500", "GET 200"])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: stream(app).status.total == 3, "the file's lines")
        rows = stream(app).virtual_size.height
        await pilot.press("W")
        await wait_until(pilot, lambda: stream(app).virtual_size.height > rows, "wrapped rows")
        await pilot.press("T")
        await wait_until(pilot, lambda: "time UTC" in bar(app) and "wrap" in bar(app), "bar")
        await pilot.press("slash", *"500", "enter", "S")
        saved = tmp_path / "saved"
        await wait_until(pilot, lambda: saved.exists() and any(saved.iterdir()), "a saved file")
        (path,) = saved.iterdir()
        header, line = path.read_text().splitlines()
        assert header == "# time\ttrack\tsource\tline"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t-\tserver.log\tGET 500", line)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_hostile_lines_through_file_audit_and_filter(tmp_path: Path) -> None:
    huge = "H8 " + "A" * 1_000_000
    app = console_app(tmp_path, [*HOSTILE, huge])
    with audit_file().open("wb") as out:
        out.write(b"[bold]\x1b]52;c;eA==\x07 \xff\xfe\n")
        out.write(json.dumps({"seq": 1, "actor": {"user": "[red]eve[/red]\x1b[2J"},
                              "action": "[/x]", "message": "\x9b1m"}).encode() + b"\n")  # fmt: skip
    (tmp_path / "server.log").open("ab").write(b"H9 bad \xff\xfe utf8\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: stream(app).status.total == 9, "every hostile line")
        await pilot.press("l")
        await pilot.press("slash", "H", "enter")
        await wait_until(pilot, lambda: stream(app).status.shown == 9, "the H lines")
        text = shown(app)
        for expected in (
            "H1 [/x] closing tag",
            "H2 [bold red]not bold[/bold red]",
            "H3 [link=file:///etc/passwd]x[/link]",
            "H4 clip  board",
            "H5 clear  screen",
            "H6 c1  csi",
            "H7 title  change",
            "H8 AAAA",
            "H9 bad \ufffd\ufffd utf8",
        ):
            assert expected in text, expected
        assert not any(ch in text for ch in "\x1b\x07\x9b\x9d")
        # A hostile filter is literal text too.
        await pilot.press("slash", *"[bold", "enter")
        await wait_until(pilot, lambda: stream(app).status.shown == 1, "a literal filter")
        await wait_until(pilot, lambda: "filter text [bold" in bar(app), "the filter in the bar")
        await pilot.press("a")
        await wait_until(pilot, lambda: stream(app, "audit-log").status.total == 2, "audit")
        audit = shown(app, "audit-log")
        assert "malformed audit record: [bold] \ufffd\ufffd" in audit
        assert "[red]eve[/red] [/x]" in audit
        assert not any(ch in audit for ch in "\x1b\x07\x9b\x9d")
        assert app.is_running


async def test_arriving_lines_are_painted_with_the_next_refresh(tmp_path: Path) -> None:
    # One poll at start-up and then none for an hour: only poll_now refreshes. The audit file
    # exists, so its source has nothing to say (no "waiting for" line held with ours).
    audit_file().touch()
    app = console_app(tmp_path, ["first"], refresh_s=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.dashboard.logs
        await wait_until(pilot, lambda: stream(app).status.total == 1, "the file's line")
        await wait_until(pilot, lambda: app.dashboard.polls >= 1, "the first poll")
        pane.hold_s = 60.0  # held until the refresh, however long the line waits
        append(tmp_path, "second")
        await wait_until(pilot, lambda: pane.held_lines == 1, "the held line")
        assert stream(app).status.total == 1 and "1 lines" in bar(app)
        polls = app.dashboard.polls
        app.dashboard.poll_now()
        await wait_polls(pilot, app, 1)
        assert app.dashboard.polls == polls + 1
        # The refresh that showed the poll showed the line and the bar's count with it.
        assert pane.held_lines == 0 and stream(app).status.total == 2
        assert "second" in shown(app) and "2 lines" in bar(app)


async def test_a_busy_source_is_painted_without_waiting(tmp_path: Path) -> None:
    from console.model import LogLine
    from console.tui.messages import LogBatch
    from console.tui.screens.logs_pane import IN_FLIGHT

    audit_file().touch()  # no "waiting for" line from the audit source
    app = console_app(tmp_path, [], refresh_s=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.dashboard.logs
        await wait_until(pilot, lambda: app.dashboard.polls >= 1, "the first poll")
        pane.hold_s = 60.0
        polls = app.dashboard.polls
        for index in range(IN_FLIGHT):  # what a source sends once every slot is taken
            pane.post_message(LogBatch("server-logs", [LogLine(f"busy {index}")], pane.generation))
        await wait_until(pilot, lambda: stream(app).status.total == IN_FLIGHT, "the busy lines")
        assert pane.held_lines == 0 and app.dashboard.polls == polls
