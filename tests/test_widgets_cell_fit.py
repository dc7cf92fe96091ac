"""Fitting value lines: short forms first, then low-priority cells, tables keep their columns,
and no digit is ever given up."""

from __future__ import annotations

from widgets.cell_fit import fit_lines, line_width
from widgets.data import Cell


def text(line: list[tuple[str, str]]) -> str:
    return "".join(t for t, _ in line)


LINE = (
    Cell("5", "ok"),
    Cell("serving", "muted"),
    Cell("of 5", "muted", drop=1),
    Cell("·", "muted", drop=2),
    Cell("0"),
    Cell("starting", "muted", short="start"),
)


def test_everything_when_it_fits() -> None:
    [line] = fit_lines((LINE,), 80)
    assert text(line) == "5 serving of 5 · 0 starting"
    assert ("5", "ok") in line


def test_short_forms_come_before_leaving_anything_out() -> None:
    [line] = fit_lines((LINE,), 24)
    assert text(line) == "5 serving of 5 · 0 start"


def test_highest_drop_goes_first_then_the_next() -> None:
    [line] = fit_lines((LINE,), 22)
    assert text(line) == "5 serving of 5 0 start"
    [line] = fit_lines((LINE,), 17)
    assert text(line) == "5 serving 0 start"


def test_digits_are_never_given_up() -> None:
    # Too narrow even with everything optional gone: the line comes back whole for the caller.
    [line] = fit_lines((LINE,), 5)
    assert text(line) == "5 serving 0 start"
    assert line_width(line) > 5


def test_aligned_tables_share_columns_and_right_align_numbers() -> None:
    lines = (
        (Cell(""), Cell("p50"), Cell("p90"), Cell("p99")),
        (Cell("TTFT"), Cell("63.5ms"), Cell("190ms"), Cell("1.2s")),
        (Cell("ITL"), Cell("9ms"), Cell("23.5ms"), Cell("24.9ms")),
    )
    rows = [text(line) for line in fit_lines(lines, 80, aligned=True)]
    assert rows == [
        "        p50    p90    p99",
        "TTFT 63.5ms  190ms   1.2s",
        "ITL     9ms 23.5ms 24.9ms",
    ]


def test_every_line_of_a_table_takes_the_same_reduction() -> None:
    lines = (
        (Cell("5xx"), Cell("0/s"), Cell("errors", short="err"), Cell("0.0%")),
        (Cell("2xx"), Cell("11.1/s"), Cell("4xx"), Cell("0.05/s")),
    )
    rows = [text(line) for line in fit_lines(lines, 21, aligned=True)]
    assert rows == ["5xx    0/s err   0.0%", "2xx 11.1/s 4xx 0.05/s"]


def test_hostile_text_is_cleaned() -> None:
    [line] = fit_lines(((Cell("\x1b]52;c;aGk=\x07x"), Cell("[bold]")),), 80)
    assert "\x1b" not in text(line) and "[bold]" in text(line)
