"""The keys that work here, on one row at the bottom of the screen.

Textual's ``Footer`` composes a widget per key; this is one Line API widget that draws the same
``key Label`` pairs from the screen's active bindings (those with ``show``), the command palette
key on the right. It paints as a single row whatever the number of keys, which matters on a
screen that repaints every second. Clicking a key presses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from widgets._strips import Segments, fit_segments, pieces_width, strip_of
from widgets.safe_text import clean

__all__ = ["KeyBar", "KeyEntry"]


@dataclass(frozen=True)
class KeyEntry:
    """One key as shown: what to press, how it is written, what it does, and whether it can be
    used right now."""

    key: str
    display: str
    label: str
    enabled: bool = True


class KeyBar(Widget):
    """``key Label`` pairs for the shown bindings, left to right; the command palette's key
    at the right edge. Keys that do not fit are left out (the help screen lists them all)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--label", "key-bar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--label {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    KeyBar > .key-bar--disabled { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.entries: tuple[KeyEntry, ...] = ()
        self.palette: KeyEntry | None = None
        self._spans: list[tuple[int, int, KeyEntry]] = []
        self._strip: tuple[int, Strip] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else ""
        entries: dict[str, KeyEntry] = {}  # one per action, as the footer shows them
        palette = None
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            entry = KeyEntry(key, self.app.get_key_display(binding), binding.description, enabled)
            if key == palette_key:
                palette = entry
            elif binding.show and binding.action not in entries:
                entries[binding.action] = entry
        self.show(tuple(entries.values()), palette)

    def show(self, entries: tuple[KeyEntry, ...], palette: KeyEntry | None = None) -> None:
        """Show these keys (and the palette's key on the right)."""
        if (entries, palette) != (self.entries, self.palette):
            self.entries, self.palette = entries, palette
            self._strip = None
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip = None

    # Rendering ---------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y != 0:
            return Strip.blank(width, self.rich_style)
        if self._strip is None or self._strip[0] != width:
            self._strip = (width, self._build(width))
        return self._strip[1]

    def _pieces(self, entry: KeyEntry, base: Style) -> list[tuple[str, Style]]:
        key = base + self.get_component_rich_style("key-bar--key")
        label = base + self.get_component_rich_style("key-bar--label")
        if not entry.enabled:
            dim = self.get_component_rich_style("key-bar--disabled")
            key, label = key + dim, label + dim
        pieces = [(f" {clean(entry.display)} ", key)]
        if entry.label:
            pieces.append((f"{clean(entry.label)} ", label))
        return pieces

    def _build(self, width: int) -> Strip:
        base = self.rich_style
        right: list[tuple[str, Style]] = []
        if self.palette is not None:
            right = [("▏", base), *self._pieces(self.palette, base)]
        room = width - pieces_width(right)
        parts: list[Segments] = []
        spans: list[tuple[int, int, KeyEntry]] = []
        x = 0
        for entry in self.entries:
            pieces = self._pieces(entry, base)
            cells = pieces_width(pieces)
            if x + cells > room:
                break
            parts.append(fit_segments(pieces, cells, base))
            spans.append((x, x + cells, entry))
            x += cells
        if right and room >= x:
            parts.append(fit_segments([], room - x, base))
            parts.append(fit_segments(right, width - room, base))
            if self.palette is not None:
                spans.append((room + 1, width, self.palette))
        else:
            parts.append(fit_segments([], width - x, base))
        self._spans = spans
        return strip_of(parts, width)

    # Input -------------------------------------------------------------------------------------

    def key_at(self, x: int) -> KeyEntry | None:
        """The key drawn at column ``x``, if any."""
        for start, end, entry in self._spans:
            if start <= x < end:
                return entry
        return None

    def on_click(self, event: events.Click) -> None:
        entry = self.key_at(event.x)
        if entry is None:
            return
        event.stop()
        if entry.enabled:
            self.app.simulate_key(entry.key)
        else:
            self.app.bell()
