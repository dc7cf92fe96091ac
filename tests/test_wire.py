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

from console.tui.wire import ExactChops, Terminal, render_strip, whole_characters
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
    ours = Terminal(erase=erase).update(update)
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
    ours = Terminal().update(update).render_segments(CONSOLE)  # type: ignore[attr-defined]
    assert "stable" in theirs and "stable" not in ours  # Textual resends the row's start
    assert ours.startswith("\x1b[1;18H") and "684" in ours
    assert len(ours) < len(theirs) / 3


def test_a_blank_tail_goes_as_one_erase_only_where_the_terminal_paints_erased_cells() -> None:
    line = Strip([Segment("INFO: ready", STYLES[0]), Segment(" " * 40, STYLES[5])])
    update = ChopsUpdate([{0: line}], [(0, 0, line.cell_length)], [[line.cell_length]])
    erased = Terminal(erase=True).update(update).render_segments(CONSOLE)  # type: ignore[attr-defined]
    spaced = Terminal(erase=False).update(update).render_segments(CONSOLE)  # type: ignore[attr-defined]
    assert "\x1b[K" in erased and " " * 40 not in erased
    assert "\x1b[K" not in spaced and " " * 40 in spaced
    # not to the right edge (another widget follows): the spaces are sent
    short = ChopsUpdate([{0: line}], [(0, 0, 30)], [[line.cell_length]])
    assert "\x1b[K" not in Terminal(erase=True).update(short).render_segments(CONSOLE)  # type: ignore[attr-defined]


def test_only_the_colour_that_changed_is_sent_between_segments() -> None:
    strip = Strip([Segment("pod ", STYLES[1]), Segment("text", STYLES[0])])
    text = render_strip(strip, None, CONSOLE._color_system)  # type: ignore[arg-type]
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


def _line(text: str, width: int, style: Style | None) -> Strip:
    return Strip([Segment(text[:width].ljust(width), style)], width)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),  # new log lines this frame
            st.booleans(),  # the header's number changes
            st.sampled_from(["none", "toast", "full"]),  # what else happens
        ),
        min_size=2,
        max_size=12,
    ),
    st.booleans(),
)
@budget(150)
def test_a_log_tail_that_moved_up_is_scrolled_and_the_screen_stays_exact(
    frames: list[tuple[int, bool, str]], erase: bool
) -> None:
    width, height, band = 24, 9, range(2, 9)  # a header of two rows, a log pane below
    screen, stream = _terminal(width, height)
    terminal = Terminal(erase=erase)
    log = [f"line {i}" for i in range(20)]
    header = 0
    shown: list[Strip] | None = None
    scrolled = 0
    for step, (new, header_moves, other) in enumerate(frames):
        log += [f"line {len(log)} {'x' * (step % 5)}" for _ in range(new)]
        header += header_moves
        visible = log[-len(band) :]
        toast = other == "toast"
        chops: list[dict[int, Strip | None]] = [
            {0: _line(f"req/s {header}", width, STYLES[2])},
            {0: _line("stable", width, STYLES[1])},
        ]
        for row, text in enumerate(visible):
            line = _line(text, width, STYLES[0] if len(text) % 2 else STYLES[5])
            if toast and row in (3, 4):  # a notice over the log pane's right-hand side
                chops.append({0: line.crop(0, 16), 16: _line("saved", 8, STYLES[3])})
            else:
                chops.append({0: line})
        ends = [[16, width] if len(c) == 2 else [width] for c in chops]
        frame = [Strip.join([s for s in c.values() if s is not None]) for c in chops]
        if other == "full" or shown is None:  # a full repaint: Textual's own, whole screen
            terminal.update(object())
            stream.feed(
                "".join(f"\x1b[{y + 1};1H" + s.render(CONSOLE) for y, s in enumerate(frame))
            )
        else:
            # the log pane repaints whole when it moves (as a scrolled view does)
            spans = [(y, 0, width) for y in band] if frame[2:] != shown[2:] else []
            if header_moves:
                spans.insert(0, (0, 6, 9))
            if spans:
                update = ChopsUpdate(chops, spans, ends)
                ours = terminal.update(update)
                assert isinstance(ours, ExactChops)
                text = ours.render_segments(CONSOLE)
                scrolled += "r\x1b[" in text
                stream.feed(text)
        want, wstream = _terminal(width, height)
        wstream.feed("".join(f"\x1b[{y + 1};1H" + s.render(CONSOLE) for y, s in enumerate(frame)))
        assert _cells(screen) == _cells(want), step
        shown = frame
    quiet = [f for f in frames[1:] if f[2] == "none"]
    if sum(1 for f in quiet if 1 <= f[0] <= 3) >= 2 and not any(f[2] != "none" for f in frames[1:]):
        assert scrolled  # a plain tail that moved up by a few lines went as a scroll


def test_a_followed_log_goes_as_a_scroll_and_its_new_rows() -> None:
    width, rows = 40, 8
    terminal = Terminal()
    lines = [_line(f"INFO line {i}", width, STYLES[0]) for i in range(rows + 3)]

    def frame_text(first: int) -> str:
        chops: list[dict[int, Strip | None]] = [{0: lines[first + y]} for y in range(rows)]
        update = ChopsUpdate(chops, [(y, 0, width) for y in range(rows)], [[width]] * rows)
        return terminal.update(update).render_segments(CONSOLE)  # type: ignore[attr-defined]

    first = frame_text(0)  # nothing known yet: every row is written
    assert "\x1b[r" not in first and "line 7" in first
    second = frame_text(3)  # three new lines: the band moves up three, three rows are written
    assert second.startswith("\x1b[1;8r\x1b[8;1H\n\n\n\x1b[r")
    assert "line 8" in second and "line 10" in second and "line 7" not in second
    assert len(second) < len(first) / 2
    screen, stream = _terminal(width, rows)
    stream.feed(first + second)
    assert [screen.display[y].strip() for y in range(rows)] == [
        f"INFO line {i}" for i in range(3, 11)
    ]
    terminal.update(object())  # a full repaint: nothing on screen is known any more
    assert "\x1b[r" not in frame_text(3)
