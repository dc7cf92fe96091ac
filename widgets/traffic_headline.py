"""One line under the canary bar: the last load test's headline (hidden until there is one)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.safe_text import clean


class TrafficHeadline(Widget):
    """``text`` is plain data (outside text allowed: it is cleaned and never parsed)."""

    DEFAULT_CSS = """
    TrafficHeadline {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        display: none;
    }
    TrafficHeadline.-shown {
        display: block;
    }
    """

    text: reactive[str] = reactive("", layout=True)

    def watch_text(self, text: str) -> None:
        self.set_class(bool(text), "-shown")

    def render(self) -> Text:
        return Text(clean(self.text), no_wrap=True, overflow="ellipsis")
