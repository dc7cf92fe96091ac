"""What reaches the terminal on a partial repaint (``console/tui/wire.py``): replayed into a
terminal emulator, the exact update leaves the same screen as Textual's own, in fewer bytes."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pyte
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from console.tui.wire import ExactChops, exact, render_strip, whole_characters
from tests.budget import budget

STYLES = [
    Style.parse("#c0c0c0 on #101010"),
    Style.parse("#5fafd7 on #101010"),  # only the colour differs from the first
    Style.parse("bold #ffaf00 on #101010"),
    Style.parse("underline #c0c0c0 on #303030"),
    Style.parse("reverse #87d787 on #101010"),
    Style.parse("#c0c0c0 on #eceef2"),
    Style(),
    None,
]
CHARS = "ab │▁█界"  # a box line, eighth blocks and a double-width character
CONSOLE = Console(color_system="256", force_terminal=True, width=60)


@st.composite
def lines(draw: st.DrawFn, width: int) -> Strip:
    """One screen line: segments of text and style, exactly ``width`` cells."""
    segments: list[Segment] = []
    used = 0
    while used < width:
        text = draw(st.text(CHARS, min_size=1, max_size=12))
        fitted = ""
        for char in text:
            if used + cell_len(fitted + char) > width:
                break
            fitted += char
        if not fitted:
            fitted = " " * (width - used)
        segments.append(Segment(fitted, draw(st.sampled_from(STYLES))))
        used += cell_len(fitted)
    return Strip(segments, width)


@st.composite
def updates(draw: st.DrawFn) -> tuple[list[Strip], ChopsUpdate, int]:
    width = draw(st.integers(8, 60))
    rows = draw(st.integers(1, 4))
    # widgets side by side: a line is cut where one ends and the next begins
    cuts = sorted({0, width, *draw(st.lists(st.integers(1, width - 1), max_size=4))})
    chops = [{x: draw(lines(end - x)) for x, end in itertools.pairwise(cuts)} for _ in range(rows)]
    frame = [Strip.join(list(line.values())) for line in chops]
    spans = []
    for y in range(rows):
        edges = sorted(draw(st.sets(st.integers(0, width), min_size=2, max_size=6)))
        spans += [(y, a, b) for a, b in zip(edges[::2], edges[1::2], strict=False) if a < b]
    if not spans:
        spans = [(0, 0, width)]
    return frame, ChopsUpdate(chops, spans, [cuts[1:]] * rows), width


def _terminal(width: int, rows: int) -> tuple[pyte.Screen, pyte.Stream]:
    screen = pyte.Screen(width, rows)
    return screen, pyte.Stream(screen)


def _cells(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    """Every cell as it looks: a blank's foreground colour is not seen (unless underlined)."""

    def seen(char: pyte.screens.Char) -> tuple[object, ...]:
        if char.data == " " and not (char.underscore or char.strikethrough or char.reverse):
            char = char._replace(fg="default")
        return tuple(char)

    return [[seen(screen.buffer[y][x]) for x in range(screen.columns)] for y in range(screen.lines)]


def _replay(frame: list[Strip], update: ChopsUpdate, width: int, output: str) -> pyte.Screen:
    """A terminal showing ``frame`` with the update's spans spoiled, then ``output`` fed to it."""
    screen, stream = _terminal(width, len(frame))
    for y, line in enumerate(frame):
        stream.feed(f"\x1b[{y + 1};1H" + line.render(CONSOLE))
    for y, x1, x2 in update.spans:  # what the terminal showed before: other cells there
        stream.feed(f"\x1b[{y + 1};{x1 + 1}H\x1b[0;35;42m" + "Z" * (x2 - x1) + "\x1b[0m")
    stream.feed(output)
    return screen


@given(updates(), st.booleans())
@budget(300)
def test_the_exact_update_paints_the_new_frame_in_fewer_bytes_than_textual(
    case: tuple[list[Strip], ChopsUpdate, int], erase: bool
) -> None:
    frame, update, width = case
    ours = exact(update, erase=erase)
    assert isinstance(ours, ExactChops)
    theirs_text = update.render_segments(CONSOLE)
    ours_text = ours.render_segments(CONSOLE)
    shown, stream = _terminal(width, len(frame))  # the new frame, painted whole
    for y, line in enumerate(frame):
        stream.feed(f"\x1b[{y + 1};1H" + line.render(CONSOLE))
    assert _cells(_replay(frame, update, width, ours_text)) == _cells(shown)
    if all(cell_len(line.text) == len(line.text) for line in frame):
        # Textual's own update leaves the same screen (it can split a wide character, which
        # ours widens to whole: one more cell, so its bytes are only compared without them)
        assert _cells(_replay(frame, update, width, theirs_text)) == _cells(shown)
        assert len(ours_text.encode()) <= len(theirs_text.encode())


def test_a_number_changed_mid_row_sends_only_that_number() -> None:
    row = Strip(
        [
            Segment("│ ", STYLES[1]),
            Segment("stable ", STYLES[2]),
            Segment("in mean ", STYLES[0]),
            Segment("684", STYLES[0]),
            Segment(" p90 1.76k" + " " * 20, STYLES[0]),
        ]
    )
    update = ChopsUpdate([{0: row}], [(0, 17, 20)], [[row.cell_length]])
    theirs = update.render_segments(CONSOLE)
    ours = exact(update).render_segments(CONSOLE)  # type: ignore[attr-defined]
    assert "stable" in theirs and "stable" not in ours  # Textual resends the row's start
    assert ours.startswith("\x1b[1;18H") and "684" in ours
    assert len(ours) < len(theirs) / 3


def test_a_blank_tail_goes_as_one_erase_only_where_the_terminal_paints_erased_cells() -> None:
    line = Strip([Segment("INFO: ready", STYLES[0]), Segment(" " * 40, STYLES[5])])
    update = ChopsUpdate([{0: line}], [(0, 0, line.cell_length)], [[line.cell_length]])
    erased = exact(update, erase=True).render_segments(CONSOLE)  # type: ignore[attr-defined]
    spaced = exact(update, erase=False).render_segments(CONSOLE)  # type: ignore[attr-defined]
    assert "\x1b[K" in erased and " " * 40 not in erased
    assert "\x1b[K" not in spaced and " " * 40 in spaced
    # not to the right edge (another widget follows): the spaces are sent
    short = ChopsUpdate([{0: line}], [(0, 0, 30)], [[line.cell_length]])
    assert "\x1b[K" not in exact(short, erase=True).render_segments(CONSOLE)  # type: ignore[attr-defined]


def test_only_the_colour_that_changed_is_sent_between_segments() -> None:
    strip = Strip([Segment("pod ", STYLES[1]), Segment("text", STYLES[0])])
    text = render_strip(strip, CONSOLE._color_system)  # type: ignore[arg-type]
    assert text.count("\x1b[0m") == 1 and text.endswith("\x1b[0m")  # one reset, at the end
    assert "48;5" in text.split("pod")[0] and "48;5" not in text.split("pod")[1]


def test_a_crop_never_splits_a_double_width_character() -> None:
    strip = Strip([Segment("ab"), Segment("界x")])
    assert [whole_characters(strip, n, 5)[0] for n in range(6)] == [0, 1, 2, 2, 4, 5]
    assert [whole_characters(strip, 0, n)[1] for n in range(6)] == [0, 1, 2, 4, 4, 5]


@pytest.mark.slow
def test_whether_the_terminal_paints_erased_cells_is_read_from_terminfo() -> None:
    def ask(term: str) -> str:
        code = f"from console.tui.wire import erases_with_background as e; print(e({term!r}))"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert ask("xterm-256color") == "True"  # terminfo: bce
    assert ask("vt100") == "False"
    assert ask("no-such-terminal") == "False"
    assert ask("") == "False"
