"""A fast, bounded log view: Line API over a ring buffer, follow/pause, filter, wrap, levels.

The lines and the filter live in ``widgets.log_buffer``; drawing one line is ``widgets.log_render``;
this module is the scrolling, following and pausing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from widgets._ring import Ring
from widgets.log_budget import drop_oldest_over, item_bytes, line_length
from widgets.log_buffer import LogBuffer, count_below
from widgets.log_format import LogItem, display_text
from widgets.log_render import LineLayout, render_item

__all__ = ["LogItem", "LogStatus", "LogStream"]


@dataclass(frozen=True)
class LogStatus:
    """What the stream is doing, for a status bar."""

    following: bool
    paused: bool
    new_lines: int
    filter: str
    regex: bool
    shown: int
    total: int
    dropped: int
    wrap: bool
    timestamps: bool


class LogStream(ScrollView, can_focus=True):
    """Shows the newest ``max_lines`` lines given to ``append`` (in batches), oldest dropped.

    Follows the end until the user scrolls up; new lines are then counted (``new_lines``) until
    the user scrolls back down or calls ``follow``. ``pause`` freezes the view entirely (lines
    keep arriving and are shown on ``resume``). Text is cleaned and cut for display, never parsed
    as markup; the whole line is kept for ``set_filter`` and ``lines_for_save``.
    Posts ``LogStream.StatusChanged`` when anything in ``status`` changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-stream--error",
        "log-stream--warn",
        "log-stream--info",
        "log-stream--debug",
        "log-stream--time",
        "log-stream--source",
        "log-stream--stable",
        "log-stream--canary",
        "log-stream--match",
    }

    DEFAULT_CSS = """
    LogStream {
        background: $surface;
        color: $text;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
    }
    /* Following, the view is always at the end: no scrollbar to paint every batch. */
    LogStream.-following { scrollbar-size-vertical: 0; }
    LogStream > .log-stream--error { color: $error; }
    LogStream > .log-stream--warn { color: $warning; }
    LogStream > .log-stream--info { color: $foreground; }
    LogStream > .log-stream--debug { color: $text-muted; }
    LogStream > .log-stream--time { color: $text-muted; }
    LogStream > .log-stream--source { color: $text-muted; }
    LogStream > .log-stream--stable { color: $primary; }
    LogStream > .log-stream--canary { color: $accent; }
    /* Inverse video: legible on every level's colour, in every theme. */
    LogStream > .log-stream--match {
        background: $foreground; color: $background; text-style: bold;
    }
    """

    label_width: ClassVar[int] = 14
    """Cells given to the source label (its end is kept: a pod's unique suffix)."""

    class StatusChanged(Message):
        def __init__(self, stream: LogStream, status: LogStatus) -> None:
            super().__init__()
            self.stream = stream
            self.status = status

        @property
        def control(self) -> LogStream:
            return self.stream

    def __init__(
        self,
        max_lines: int = 10_000,
        *,
        show_source: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        following = "-following"  # see ``following``
        super().__init__(
            name=name, id=id, classes=f"{classes} {following}" if classes else following
        )
        self.show_source = show_source
        self.wrap = False
        self.timestamps = False
        self._following = True
        self.paused = False
        self.new_lines = 0
        self.received = 0
        self._lines = LogBuffer(max_lines)
        self._rows: Ring[tuple[int, int]] = Ring()  # (sequence, row within line) when wrapping
        self._pending: list[LogItem] = []
        self._pending_bytes = 0
        self._moving = False
        self._cache: LRUCache[int, list[Strip]] = LRUCache(2048)
        self._cache_width = -1
        self._styles: dict[str, Style] = {}
        self._base_style: Style | None = None
        self._last_status: LogStatus | None = None

    @property
    def following(self) -> bool:
        """The view sticks to the newest line (a scrollbar appears when it does not)."""
        return self._following

    @following.setter
    def following(self, value: bool) -> None:
        if value != self._following:
            self._following = value
            self.set_class(value, "-following")

    @property
    def max_lines(self) -> int:
        return self._lines.max_lines

    @property
    def dropped(self) -> int:
        return self._lines.dropped

    # Feeding ---------------------------------------------------------------------------------

    def append(self, items: Sequence[LogItem]) -> None:
        """Add a batch of lines (oldest first)."""
        if not items:
            return
        self.received += len(items)
        if self.paused:
            items = self._lines.budget.cut(items)
            self.new_lines += self._lines.matches(items)
            self._pending.extend(items)
            self._pending_bytes += sum(item_bytes(item) for item in items)
            self._bound_pending()
            self._post_status()
            return
        self._ingest(items)
        self._post_status()

    def _bound_pending(self) -> None:
        """Lines held while paused stay within the buffer's line and byte budgets."""
        dropped, freed = drop_oldest_over(
            self._pending, self._pending_bytes, self.max_lines, self._lines.max_bytes
        )
        self._pending_bytes -= freed
        self._lines.dropped += dropped

    def _ingest(self, items: Sequence[LogItem]) -> None:
        matched, gone = self._lines.add(items)
        if not self.wrap:
            removed = gone
        else:
            self._rows.extend(self._wrap_rows(matched))
            removed = count_below(self._rows, (self._lines.base, 0))
            self._rows.drop_front(removed)
        if not self.following:
            self.new_lines += len(matched)
        self._update_size(removed_rows=removed)

    # Commands --------------------------------------------------------------------------------

    def follow(self) -> None:
        """Resume following (and un-pause): jump to the newest line."""
        if self.paused:
            self.paused = False
            pending, self._pending = self._pending, []
            self._pending_bytes = 0
            self._ingest(pending)
        self.following = True
        self.new_lines = 0
        self._scroll_end()
        self._post_status()

    def pause(self) -> None:
        """Freeze the view; arriving lines are counted and kept for ``follow``."""
        self.paused = True
        self.following = False
        self._post_status()

    def toggle_pause(self) -> None:
        """Paused or scrolled up: follow again. Following: pause."""
        if self.paused or not self.following:
            self.follow()
        else:
            self.pause()

    def set_filter(self, text: str) -> bool:
        """Show only lines matching ``text`` (``widgets.log_filter``: ``track:``/``pod:`` terms, a
        regular expression, or literal text when it is not one); empty text shows every line.
        Returns whether it was taken as a regex; raises FilterError (nothing changed) when it
        cannot be used."""
        self._lines.set_filter(text)
        self._rebuild()
        return self._lines.regex

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        self._rebuild()

    def set_timestamps(self, timestamps: bool) -> None:
        self.timestamps = timestamps
        self._rebuild()

    def clear(self) -> None:
        self._lines.clear()
        self._rows.clear()
        self._pending.clear()
        self._pending_bytes = 0
        self.new_lines = 0
        self._cache.clear()
        self._update_size(removed_rows=0)
        self._post_status()

    def lines_for_save(self) -> list[str]:
        """The whole text of every line that passes the filter, oldest first."""
        return self._lines.shown_texts()

    def items_for_save(self) -> list[LogItem]:
        """Every line that passes the filter (with its time, track and source), oldest first."""
        return self._lines.shown_items()

    @property
    def status(self) -> LogStatus:
        lines = self._lines
        return LogStatus(
            following=self.following,
            paused=self.paused,
            new_lines=self.new_lines,
            filter=lines.filter,
            regex=lines.regex,
            shown=len(lines.view),
            total=len(lines),
            dropped=lines.dropped,
            wrap=self.wrap,
            timestamps=self.timestamps,
        )

    # Internals -------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self._lines.refilter()
        self._rows.clear()
        if self.wrap:
            self._rows.extend(self._wrap_rows(list(self._lines.view)))
        self._cache.clear()
        self.new_lines = 0
        if not self.paused:
            self.following = True
        self._update_size(removed_rows=0)
        self._scroll_end()
        self.refresh()
        self._post_status()

    def _layout(self) -> LineLayout:
        return LineLayout(self.timestamps, self.show_source, self.label_width, self.wrap)

    def _wrap_rows(self, seqs: Sequence[int]) -> list[tuple[int, int]]:
        width = max(self.scrollable_content_region.width, 1)
        item = self._lines.item
        prefix = self._layout().prefix_width
        rows: list[tuple[int, int]] = []
        for seq in seqs:
            line = item(seq)
            cells = prefix + cell_len(display_text(line.text, line_length(line)))
            rows.extend((seq, k) for k in range(max(math.ceil(cells / width), 1)))
        return rows

    def _row_count(self) -> int:
        return len(self._rows) if self.wrap else len(self._lines.view)

    def _update_size(self, removed_rows: int) -> None:
        self._set_virtual_size(Size(self.scrollable_content_region.width, self._row_count()))
        if self.following:
            self._scroll_end()
        elif removed_rows and not self.paused:
            self._move_to(self.scroll_y - removed_rows)
        self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """More or fewer rows without a new layout of the whole screen (``virtual_size`` is a
        layout reactive): the view's own size does not change, and with ``overflow-y: scroll``
        the scrollbar is always there, so only its thumb needs telling. A new width, or another
        overflow, takes the ordinary path."""
        old = self.virtual_size
        if size == old:
            return
        if size.width != old.width or self.styles.overflow_y != "scroll":
            self.virtual_size = size
            return
        self.set_reactive(LogStream.virtual_size, size)
        if self.following:  # hidden: see ``watch_scroll_y``
            self.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, size.height)
        else:
            self.vertical_scrollbar.window_virtual_size = size.height

    def _scroll_end(self) -> None:
        self._move_to(self.max_scroll_y)

    def _move_to(self, y: float) -> None:
        self._moving = True
        try:
            self.scroll_to(y=max(y, 0), animate=False)
        finally:
            self._moving = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if self.following:
            # Following hides the scrollbar (no size, so it is not laid out): its thumb is kept in
            # step without a repaint, which Textual would answer, for a widget it did not lay
            # out, with a new layout of the whole screen at every batch.
            self.vertical_scrollbar.set_reactive(ScrollBar.position, new_value)
            if round(old_value) != round(new_value):
                self.refresh(self.size.region)
        else:
            super().watch_scroll_y(old_value, new_value)
        if self._moving or self.paused:
            return
        # A shrinking scroll range clamps the offset too; only a move within range is the user's.
        if new_value < old_value <= self.max_scroll_y and self.following:
            self.following = False
            self._post_status()
        elif not self.following and new_value >= self.max_scroll_y:
            self.following = True
            self.new_lines = 0
            self._post_status()

    def on_resize(self) -> None:
        if self.wrap:
            self._rebuild()
        else:
            self._update_size(removed_rows=0)

    def _post_status(self) -> None:
        status = self.status
        if status != self._last_status:
            self._last_status = status
            self.post_message(self.StatusChanged(self, status))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._base_style = None
        self._cache.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"log-stream--{name}", partial=True)
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        base_style = self._base_style
        if base_style is None:  # looked up once per style change: it walks the DOM
            base_style = self._base_style = self.rich_style
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        if row >= self._row_count() or width <= 0:
            return Strip.blank(width, base_style)
        seq, k = self._rows[row] if self.wrap else (self._lines.view[row], 0)
        strips = self._cache.get(seq)
        if strips is None:
            strips = render_item(
                self._lines.item(seq),
                width,
                base_style,
                self._style,
                self._layout(),
                self._lines.pattern,
            )
            self._cache[seq] = strips
        return strips[k] if k < len(strips) else Strip.blank(width, base_style)
