"""The log stream widget on its own: bounded buffer, follow and the new-lines counter, pause,
filter with highlighting, wrap, timestamps, levels, and hostile text rendered harmlessly."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult

from tests.waiting import wait_until
from widgets.log_format import detect_level, display_text, short_label
from widgets.log_stream import LogStream

HOSTILE = [
    "[/x] closing tag",
    "[bold red]not bold[/bold red]",
    "[link=file:///etc/passwd]x[/link]",
    "clip \x1b]52;c;ZWNobyBoYWNrZWQ=\x07 board",
    "title \x1b]0;owned\x1b\\ change",
    "clear \x1b[2J screen",
    "c1 csi \x9b31m red",
    "dcs \x1bPq#0;2;0;0;0\x1b\\ end",
    "bell \x07 and nul \x00",
    "bad utf8 \udcff\udcfe",
]


@dataclass(frozen=True)
class Line:
    text: str
    source: str = ""
    track: str = ""
    time: float | None = None
    level: str | None = None


class StreamApp(App[None]):
    def __init__(self, max_lines: int = 1000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.statuses: list[object] = []

    def compose(self) -> ComposeResult:
        yield LogStream(self.max_lines, id="log")

    def on_log_stream_status_changed(self, event: LogStream.StatusChanged) -> None:
        self.statuses.append(event.status)

    @property
    def stream(self) -> LogStream:
        return self.query_one(LogStream)


def screen_text(stream: LogStream) -> list[str]:
    return [stream.render_line(y).text for y in range(stream.size.height)]


def lines(n: int, prefix: str = "line", start: int = 0) -> list[Line]:
    return [Line(f"{prefix} {i}", f"pod-{i % 3}", "stable") for i in range(start, start + n)]


async def test_buffer_is_bounded_and_keeps_the_newest() -> None:
    app = StreamApp(max_lines=100)
    async with app.run_test(size=(60, 10)) as pilot:
        for batch in range(5):
            app.stream.append(lines(70, start=batch * 70))
        await pilot.pause()
        status = app.stream.status
        assert status.total == 100
        assert status.dropped == 250
        saved = app.stream.lines_for_save()
        assert saved[0] == "line 250" and saved[-1] == "line 349"
        assert "line 349" in screen_text(app.stream)[-1]


async def test_follow_stops_when_scrolled_up_and_counts_new_lines() -> None:
    app = StreamApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.stream.append(lines(50))
        await pilot.pause()
        assert app.stream.following
        app.stream.focus()
        await pilot.press("pageup")
        await wait_until(pilot, lambda: not app.stream.following, "following to stop")
        top = screen_text(app.stream)[0]
        app.stream.append(lines(7, start=50))
        await pilot.pause()
        assert app.stream.new_lines == 7
        assert screen_text(app.stream)[0] == top  # the view did not move
        assert app.statuses[-1].new_lines == 7  # type: ignore[attr-defined]
        await pilot.press("end")
        await wait_until(pilot, lambda: app.stream.following, "following again at the end")
        assert app.stream.new_lines == 0
        assert "line 56" in screen_text(app.stream)[-1]


async def test_the_scrollbar_shows_where_the_view_is_once_it_stops_following() -> None:
    # Following hides the scrollbar, and its thumb is kept in step without being painted.
    app = StreamApp()
    async with app.run_test(size=(60, 10)) as pilot:
        stream = app.stream
        for batch in range(6):
            stream.append(lines(20, start=batch * 20))
            await pilot.pause()
        bar = stream.vertical_scrollbar
        assert stream.following and bar.region.width == 0
        stream.focus()
        await pilot.press("pageup")
        await wait_until(pilot, lambda: bar.region.width == 1, "the scrollbar to show")
        assert not stream.following
        assert bar.window_virtual_size == stream.virtual_size.height == 120
        assert bar.window_size == stream.size.height
        assert bar.position == stream.scroll_y == stream.max_scroll_y - stream.size.height
        await pilot.press("end")
        await wait_until(pilot, lambda: bar.region.width == 0, "the scrollbar to hide")
        assert bar.position == stream.scroll_y == stream.max_scroll_y


async def test_scrolled_view_stays_on_its_lines_while_old_ones_are_dropped() -> None:
    app = StreamApp(max_lines=100)
    async with app.run_test(size=(60, 10)) as pilot:
        app.stream.append(lines(100))
        await pilot.pause()
        app.stream.focus()
        await pilot.press("pageup")
        await wait_until(pilot, lambda: not app.stream.following, "following to stop")
        top = screen_text(app.stream)[0]
        app.stream.append(lines(20, start=100))
        await pilot.pause()
        assert screen_text(app.stream)[0] == top


async def test_pause_freezes_and_follow_shows_everything() -> None:
    app = StreamApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.stream.append(lines(20))
        await pilot.pause()
        app.stream.toggle_pause()
        before = screen_text(app.stream)
        app.stream.append(lines(30, start=20))
        await pilot.pause()
        assert app.stream.paused and app.stream.new_lines == 30
        assert screen_text(app.stream) == before
        assert app.stream.status.total == 20
        app.stream.toggle_pause()
        await pilot.pause()
        assert not app.stream.paused and app.stream.following
        assert app.stream.status.total == 50
        assert "line 49" in screen_text(app.stream)[-1]


async def test_filter_regex_plain_and_highlight() -> None:
    app = StreamApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.stream.append([Line("GET /a 200"), Line("POST /b 500"), Line("GET /c 503")])
        assert app.stream.set_filter(r"5\d\d") is True
        await pilot.pause()
        assert app.stream.lines_for_save() == ["POST /b 500", "GET /c 503"]
        # Not a valid regex: matched literally.
        app.stream.append([Line("odd [bold text"), Line("other")])
        assert app.stream.set_filter("[bold") is False
        await pilot.pause()
        assert app.stream.lines_for_save() == ["odd [bold text"]
        strip = app.stream.render_line(0)
        match = app.stream.get_component_rich_style("log-stream--match", partial=True)
        highlighted = [s.text for s in strip if s.style and s.style.bgcolor == match.bgcolor]
        assert highlighted == ["[bold"]
        # New lines pass through the filter too; clearing shows them all again.
        app.stream.append([Line("more [bold")])
        assert app.stream.status.shown == 2
        app.stream.set_filter("")
        assert app.stream.status.shown == 6


async def test_smart_case() -> None:
    app = StreamApp()
    async with app.run_test(size=(60, 10)):
        app.stream.append([Line("Error here"), Line("error there")])
        app.stream.set_filter("error")
        assert app.stream.status.shown == 2
        app.stream.set_filter("Error")
        assert app.stream.status.shown == 1


async def test_wrap_and_timestamps() -> None:
    app = StreamApp()
    async with app.run_test(size=(40, 10)) as pilot:
        app.stream.show_source = False
        app.stream.append([Line("x" * 100, time=1773151200.25)])
        await pilot.pause()
        assert screen_text(app.stream)[0].rstrip().endswith("…")
        app.stream.set_wrap(True)
        await pilot.pause()
        width = app.stream.scrollable_content_region.width
        rows = [r for r in screen_text(app.stream) if r.strip()]
        assert "".join(r.strip() for r in rows) == "x" * 100
        assert len(rows) == -(-100 // width)
        app.stream.set_wrap(False)
        app.stream.set_timestamps(True)
        await pilot.pause()
        assert screen_text(app.stream)[0].startswith("14:00:00.250 xxx")


async def test_levels_are_coloured_including_json() -> None:
    assert detect_level("ERROR 03-10 14:00:01 [x.py:1] boom") == "error"
    assert detect_level("INFO:     10.0.0.1 - GET") == "info"
    assert detect_level('{"level":"warn","msg":"slow"}') == "warn"
    assert detect_level('{"severity":"DEBUG"}') == "debug"
    assert detect_level('{"level":50,"msg":"pino"}') == "error"
    assert detect_level("time=1 level=error msg=x") == "error"
    assert detect_level("E0310 14:00:00.000 1 main.go:1] failed") == "error"
    assert detect_level("nothing to see") is None
    app = StreamApp()
    async with app.run_test(size=(60, 10)) as pilot:
        app.stream.show_source = False
        app.stream.append([Line('{"level":"error","msg":"x"}'), Line("INFO fine")])
        await pilot.pause()
        error = app.stream.get_component_rich_style("log-stream--error", partial=True)
        rows = [app.stream.render_line(y) for y in range(app.stream.size.height)]
        json_row = next(r for r in rows if '"error"' in r.text)
        assert any(s.style and s.style.color == error.color for s in json_row)


def test_pod_labels_keep_the_deployment_and_unique_suffix() -> None:
    assert short_label("llama-v1-qds6w4pxrk-jl9tp", 14) == "llama-v1-jl9tp"
    assert short_label("a-very-long-source-name", 8) == "…ce-name"
    assert short_label("x\x1b[2Jy", 10) == "xy"


def rows_of(stream: LogStream) -> list[str]:
    rows = [stream.render_line(y) for y in range(stream.size.height)]
    for row in rows:
        for segment in row:
            assert not any(ch in segment.text for ch in "\x1b\x07\x9b\x00\x9c\x9d"), segment
    return [r.text for r in rows]


async def test_hostile_lines_render_literally_and_harmlessly() -> None:
    app = StreamApp()
    async with app.run_test(size=(100, 20)) as pilot:
        app.stream.append([Line(text, "[bold]pod[/]", "canary") for text in HOSTILE])
        for wrap in (False, True):
            app.stream.set_wrap(wrap)
            app.stream.set_timestamps(wrap)
            await pilot.pause()
            text = "\n".join(rows_of(app.stream))
            assert "[/x] closing tag" in text
            assert "[bold red]not bold[/bold red]" in text
            assert "[link=file:///etc/passwd]x[/link]" in text
            assert "clip  board" in text and "ZWNob" not in text
            assert "title  change" in text and "owned" not in text
            assert "clear  screen" in text
            assert "c1 csi  red" in text
            assert "dcs  end" in text
            assert "bell ␇ and nul ␀" in text
            assert "bad utf8 \ufffd\ufffd" in text
            assert "[bold]pod[/]" in text


async def test_a_one_megabyte_line_is_cut_on_screen_and_kept_whole() -> None:
    app = StreamApp()
    huge = "A" * 1_000_000 + "\x1b[2J"
    async with app.run_test(size=(100, 20)) as pilot:
        app.stream.append([Line(huge), Line("after")])
        for wrap in (False, True):
            app.stream.set_wrap(wrap)
            await pilot.pause()
            text = "\n".join(rows_of(app.stream))
            assert "after" in text
        assert "(+998,004 chars)" in text
        assert app.stream.lines_for_save()[0] == huge
        # The filter sees the line's first 16,384 characters (what the view keeps of it).
        app.stream.set_filter("AAAA")
        assert app.stream.lines_for_save() == [huge]
        app.stream.set_filter("2J")
        assert app.stream.lines_for_save() == []
    assert len(display_text(huge)) < 2100
