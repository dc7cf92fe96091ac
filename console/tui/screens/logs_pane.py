"""The dashboard's lower pane: server logs and the audit trail as tabs, fed by source workers."""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ContentSwitcher, Input, Static

from console.model import LogLine
from console.sources.base import LogSource
from console.tui.host import Host, host_of
from console.tui.log_save import save_lines, save_name
from console.tui.messages import LogBatch, LogsSaved
from widgets.log_filter import FilterError
from widgets.log_format import LogItem
from widgets.log_stream import LogStatus, LogStream
from widgets.safe_text import clean

if TYPE_CHECKING:
    from textual.timer import Timer

TABS = (("server-logs", "Logs"), ("audit-log", "Audit"))
#: Batches a source may have in flight to the screen before it waits (bounds memory).
IN_FLIGHT = 8
#: Longest arriving lines wait to be painted with the dashboard's next refresh: one frame a
#: second carries both when the fleet is quiet, and a trickle of lines repaints at most this
#: often. A busy source is shown as soon as it has taken every slot.
HOLD_S = 0.25


class FilterInput(Input):
    """The filter prompt: enter applies, escape puts things back as they were."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]  # noqa: RUF012

    def action_cancel(self) -> None:
        pane = self.parent
        if isinstance(pane, LogsPane):
            pane.close_filter()


class LogsPane(Vertical):
    """Tabs "Logs" (merged server logs) and "Audit" (the audit trail), one status row on top."""

    def __init__(self, buffer_lines: int = 10_000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.buffer_lines = buffer_lines
        self.generation = 0
        self._stop = threading.Event()
        self._slots = threading.Semaphore(IN_FLIGHT)
        self.sources: list[str] = []
        self._held: dict[str, list[LogLine]] = {}
        self._held_batches = 0
        self._hold_timer: Timer | None = None
        self.hold_s = HOLD_S
        self._bar_shown: tuple[object, ...] | None = None

    @property
    def console(self) -> Host:
        return host_of(self.app)

    def compose(self) -> ComposeResult:
        yield Static(id="logs-bar", markup=False)
        with ContentSwitcher(initial="server-logs", id="logs-switcher"):
            yield LogStream(self.buffer_lines, id="server-logs")
            yield LogStream(self.buffer_lines, show_source=False, id="audit-log")
        yield FilterInput(
            placeholder="filter: track:canary pod:TEXT regex or text (enter applies, esc cancels)"
        )

    def on_mount(self) -> None:
        self.query_one(FilterInput).display = False
        self._show_bar()
        self.start()

    def on_unmount(self) -> None:
        self._stop.set()

    # Sources -----------------------------------------------------------------------------------

    def start(self) -> None:
        """(Re)start the sources of the selected deployment; the streams start empty."""
        self._stop.set()
        self._stop = threading.Event()
        self._slots = threading.Semaphore(IN_FLIGHT)
        self._drop_held()
        self.generation += 1
        for stream in self.query(LogStream):
            stream.clear()
        build = self.console.ctx.log_feeds
        if build is None:
            return
        feeds = build(self.console.ctx.deployment)
        self.sources = [s.name for s in (*feeds.server, *feeds.audit)]
        targets = [("server-logs", s) for s in feeds.server] + [
            ("audit-log", s) for s in feeds.audit
        ]
        for index, (target, source) in enumerate(targets):
            self.run_worker(
                partial(self._follow, source, target, self.generation, self._stop, self._slots),
                name=source.name,
                group=f"logs-{index}",
                thread=True,
                exclusive=True,
                exit_on_error=False,
            )

    def _follow(
        self,
        source: LogSource,
        target: str,
        generation: int,
        stop: threading.Event,
        slots: threading.Semaphore,
    ) -> None:
        # One worker per source; a restart stops the old ones through ``stop``.
        try:
            for batch in source.stream(stop):
                if stop.is_set():
                    break
                if not batch:
                    continue
                while not slots.acquire(timeout=0.2):
                    if stop.is_set():
                        return
                self.post_message(LogBatch(target, batch, generation))
        except Exception as err:  # a source bug must not take the console down
            text = f"[console] {source.name} stopped: {type(err).__name__}: {err}"
            line = LogLine(text, "console", "", time.time(), "error")
            self.post_message(LogBatch(target, [line], generation))

    def on_log_batch(self, message: LogBatch) -> None:
        if message.generation != self.generation:
            return  # from sources that were replaced; their slots went with them
        self._held.setdefault(message.target, []).extend(message.lines)
        self._held_batches += 1
        if self._held_batches >= IN_FLIGHT:
            self.flush()  # every slot is taken: a busy source, show it now
        elif self._hold_timer is None:
            self._hold_timer = self.set_timer(self.hold_s, self.flush, name="logs-hold")

    @property
    def held_lines(self) -> int:
        """Lines that arrived and wait for the next paint."""
        return sum(len(lines) for lines in self._held.values())

    def flush(self) -> None:
        """Show the lines that arrived since the last paint (the dashboard calls this as it
        shows a refresh, so both reach the terminal in one frame) and free their slots."""
        held, batches = self._held, self._held_batches
        self._drop_held()
        for _ in range(batches):
            self._slots.release()
        for target, lines in held.items():
            self.query_one(f"#{target}", LogStream).append(lines)
        if held:
            self._show_bar()  # now, not a message later: in the same frame as the lines

    def _drop_held(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        self._held = {}
        self._held_batches = 0

    # Commands ----------------------------------------------------------------------------------

    @property
    def active(self) -> LogStream:
        current = self.query_one(ContentSwitcher).current or "server-logs"
        return self.query_one(f"#{current}", LogStream)

    def command(self, what: str) -> None:
        """Run a log command by name (see ``console.tui.keymap``)."""
        stream = self.active
        if what == "maximise":
            self.screen.toggle_class("-logs-max")
        elif what == "tab":
            switcher = self.query_one(ContentSwitcher)
            switcher.current = "audit-log" if switcher.current == "server-logs" else "server-logs"
            self.close_filter()
            self._show_bar()
        elif what == "filter":
            prompt = self.query_one(FilterInput)
            prompt.value = stream.status.filter
            prompt.display = True
            prompt.focus()
        elif what == "clear_filter":
            stream.set_filter("")
        elif what == "pause":
            stream.toggle_pause()
        elif what == "wrap":
            stream.set_wrap(not stream.wrap)
        elif what == "timestamps":
            stream.set_timestamps(not stream.timestamps)
        elif what == "save":
            self._save_now(stream)

    def close_filter(self) -> None:
        prompt = self.query_one(FilterInput)
        if prompt.display:
            prompt.display = False
            self.active.focus()

    @on(Input.Submitted)
    def _apply_filter(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.active.set_filter(event.value)
        except FilterError as err:  # the prompt stays open with the text, to be mended
            self.notify(clean(str(err)), title="Filter", severity="error", markup=False)
            return
        self.close_filter()

    @on(LogStream.StatusChanged)
    def _status_changed(self, event: LogStream.StatusChanged) -> None:
        event.stop()
        if event.stream is self.active:
            self._show_bar()

    # Saving ------------------------------------------------------------------------------------

    def _save_now(self, stream: LogStream) -> None:
        settings = self.console.ctx.settings
        name = save_name(self.console.ctx.deployment.name, stream.id or "logs", time.time())
        self._save(settings.logs.save_dir.expanduser() / name, stream.items_for_save())

    @work(thread=True, exclusive=True, exit_on_error=False, group="logs-save")
    def _save(self, path: Path, lines: list[LogItem]) -> None:
        try:
            path = save_lines(path, lines)
        except OSError as err:
            self.post_message(LogsSaved(str(path), 0, f"cannot save logs: {err.strerror or err}"))
            return
        self.post_message(LogsSaved(str(path), len(lines)))

    def on_logs_saved(self, message: LogsSaved) -> None:
        if message.error:
            text = f"{message.error}: {message.path}"
            self.notify(clean(text), title="Logs", severity="error", markup=False)
        else:
            text = f"Saved {message.count:,} lines to {message.path}"
            self.notify(clean(text), title="Logs", markup=False)

    # Status row --------------------------------------------------------------------------------

    def _show_bar(self) -> None:
        current = self.query_one(ContentSwitcher).current
        status = self.active.status
        if (current, status) == self._bar_shown:
            return  # the same text: no repaint
        self._bar_shown = (current, status)
        parts: list[Content] = []
        for tab_id, title in TABS:
            style = "bold reverse" if tab_id == current else "dim"
            parts.append(Content.styled(f" {title} ", style))
        parts.append(Content(" "))
        parts.append(status_content(status))
        # One line of fixed height (the stylesheet): a new text never needs a new layout.
        self.query_one("#logs-bar", Static).update(Content("").join(parts), layout=False)


def status_content(status: LogStatus) -> Content:
    """``following · 1,234 lines`` / ``PAUSED · 56 new lines (p follows)`` and the filter."""
    if status.paused:
        parts = [Content.styled("PAUSED", "bold $warning")]
    elif status.following:
        parts = [Content.styled("following", "$success")]
    else:
        parts = [Content.styled("scrolled", "$warning")]
    if status.new_lines:
        noun = "new line" if status.new_lines == 1 else "new lines"
        parts.append(Content.styled(f"{status.new_lines:,} {noun} (p follows)", "bold"))
    if status.filter:
        kind = "regex" if status.regex else "text"
        parts.append(
            Content.assemble(
                f"filter {kind} ",
                (clean(status.filter)[:40], "bold"),
                f" {status.shown:,}/{status.total:,}",
            )
        )
    else:
        parts.append(Content(f"{status.total:,} lines"))
    if status.wrap:
        parts.append(Content("wrap"))
    if status.timestamps:
        parts.append(Content("time UTC"))
    return Content(" · ").join(parts)
