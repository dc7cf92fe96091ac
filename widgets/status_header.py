"""The top bar: deployment, data source and freshness, canary state, burn rate and mode."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from widgets._strips import fit
from widgets.data import HeaderData
from widgets.header_layout import header_pieces
from widgets.strip_diff import changed_regions

__all__ = ["HeaderData", "StatusHeader"]

_ROLES: frozenset[str] = frozenset(
    {
        "app",
        "deployment",
        "muted",
        "stale",
        "healthy",
        "degraded",
        "failing",
        "inconclusive",
        "no-canary",
        "burn",
        "read-only",
        "error",
    }
)


class StatusHeader(Widget):
    """One line: app, deployment, source, window, data age, a loud STALE marker when the data is
    old, ``canary 5% → 10%`` with a health badge, the burn rate, READ-ONLY and the last error.

    Set ``header.data`` (or call ``show``) with a ``HeaderData``. Less important parts are
    dropped when the line is narrow. Clicking it posts ``StatusHeader.Clicked``.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"status-header--{role}" for role in _ROLES}

    DEFAULT_CSS = """
    StatusHeader {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    StatusHeader > .status-header--app { color: $primary; text-style: bold; }
    StatusHeader > .status-header--deployment { text-style: bold; }
    StatusHeader > .status-header--muted { color: $text-muted; }
    StatusHeader > .status-header--stale {
        background: $stale; color: $background; text-style: bold;
    }
    StatusHeader > .status-header--healthy {
        background: $canary-healthy; color: $background; text-style: bold;
    }
    StatusHeader > .status-header--degraded {
        background: $canary-degraded; color: $background; text-style: bold;
    }
    StatusHeader > .status-header--failing {
        background: $canary-failing; color: $background; text-style: bold;
    }
    StatusHeader > .status-header--inconclusive {
        background: $canary-inconclusive; color: $background; text-style: bold;
    }
    StatusHeader > .status-header--no-canary { color: $text-muted; text-style: bold; }
    StatusHeader > .status-header--burn { color: $foreground; }
    StatusHeader > .status-header--read-only {
        background: $primary-muted; color: $foreground; text-style: bold;
    }
    StatusHeader > .status-header--error { color: $level-bad; text-style: bold; }
    """

    data: reactive[HeaderData | None] = reactive(
        None, repaint=False
    )  # watch_data repaints when the row changes
    """What the bar shows; None shows the app name and "no data yet"."""

    class Clicked(Message):
        """The operator clicked the header (e.g. to open the data-source details)."""

        def __init__(self, header: StatusHeader) -> None:
            super().__init__()
            self.header = header

        @property
        def control(self) -> StatusHeader:
            return self.header

    def __init__(
        self,
        data: HeaderData | None = None,
        *,
        app_name: str = "inference-console",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.app_name = app_name
        self._cache_key: tuple[object, ...] | None = None
        self._cache = Strip([])
        self._styles: dict[str, Style] = {}
        self.set_reactive(StatusHeader.data, data)

    def show(self, data: HeaderData | None) -> None:
        """Display ``data`` (same as assigning ``header.data``)."""
        self.data = data

    def watch_data(self) -> None:
        shown = self._cache if self._cache_key is not None else None
        self._cache_key = None
        if shown is None or not self.is_mounted:
            self.refresh()
            return
        row = self.render_line(0)
        if row == shown:
            return  # the same row (an age that still reads "0.0s ago"): nothing to repaint
        regions = changed_regions([shown], [row])  # only the cells that changed
        if regions is None:
            self.refresh()
        elif regions:
            self.refresh(*regions)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache_key = None
        self._styles = {}

    def on_click(self, event: events.Click) -> None:
        self.post_message(self.Clicked(self))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1

    def _style(self, role: str) -> Style:
        # Resolved once per style change: looking component styles up walks the DOM.
        if not self._styles:
            self._styles = {r: self.get_component_rich_style(f"status-header--{r}") for r in _ROLES}
            self._styles[""] = self.rich_style
        return self._styles.get(role, self._styles[""])

    @property
    def plain(self) -> str:
        """The text of the line as currently laid out (for tests and screen readers)."""
        return self.render_line(0).text

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        key = (self.data, width, self.app_name)
        if key != self._cache_key:
            pieces = header_pieces(self.data, width - 1, self.app_name)
            styled = [(" ", self._style(""))]
            styled += [(text, self._style(role)) for text, role in pieces]
            self._cache = fit(styled, width, self._style(""))
            self._cache_key = key
        return self._cache
