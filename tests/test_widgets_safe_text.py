"""Tests for the untrusted-text cleaner used by every widget (and by log views)."""

from __future__ import annotations

import pytest

from widgets.safe_text import clean

HOSTILE = [
    "\x1b]52;c;aGk=\x07",  # OSC 52: write to the clipboard
    "\x1b]52;c;aGk=\x1b\\",  # the same, ended by ST
    "\x1b]8;;file:///etc/passwd\x07click\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x1b[2J",  # clear screen
    "\x1b[31;1m",  # SGR colour
    "\x1b[?1049h",  # alternate screen
    "\x9b2J",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC
    "\x1bP1$r\x1b\\",  # DCS
    "\x1b_payload\x1b\\",  # APC
    "\x1bc",  # full reset
    "\x1b(0",  # line-drawing charset
    "\x07",  # BEL
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_character_survives(text: str) -> None:
    out = clean(f"a{text}b")
    assert out.startswith("a") and out.endswith("b")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in out)


def test_plain_text_is_returned_unchanged() -> None:
    text = "llama-3-70b · p99 TTFT 1.2 s → 10% ✓ 日本語"
    assert clean(text) is text


def test_markup_is_left_alone() -> None:
    # clean() is about terminal bytes; markup is prevented by never parsing markup at all.
    text = "[bold]x[/x] [link=file:///etc/passwd]y[/link]"
    assert clean(text) == text


def test_complete_sequences_are_removed() -> None:
    assert clean("x\x1b[2Jy") == "xy"
    assert clean("x\x1b]52;c;aGk=\x07y") == "xy"
    assert clean("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y") == "xlinky"
    assert clean("x\x9b31my") == "xy"
    assert clean("x\x1b7y\x1b8") == "xy"


def test_lone_controls_become_visible() -> None:
    assert clean("a\x07b") == "a␇b"
    assert clean("a\nb\rc") == "a␊b␍c"
    assert clean("a\x00b") == "a␀b"
    assert clean("a\x7fb") == "a␡b"
    assert clean("a\tb") == "a b"


def test_unterminated_sequences_stay_readable() -> None:
    # An unterminated OSC would swallow the rest of a line on a real terminal; here the ESC is
    # shown and the payload kept, so nothing is hidden from the operator.
    assert clean("x\x1b]52;c;aGk=") == "x␛]52;c;aGk="
    assert clean("x\x1b[") == "x␛["


def test_c1_controls_and_surrogates_are_replaced() -> None:
    assert clean("a\x85b") == "a\ufffdb"
    assert clean("a\x9b") == "a\ufffd"  # a CSI with no final byte
    assert clean("a\udcffb") == "a\ufffdb"


def test_bidi_overrides_are_removed() -> None:
    assert clean("a\u202eevil\u202cb") == "aevilb"
    assert clean("\u2066x\u2069") == "x"


def test_result_can_be_encoded() -> None:
    out = clean("".join(chr(c) for c in range(0x00, 0xA0)) + "\ud800")
    out.encode("utf-8")
    assert "\x1b" not in out


def test_long_input_is_linear_enough() -> None:
    text = "\x1b]" + "a" * 200_000  # unterminated: must not backtrack badly
    assert clean(text).startswith("␛]")
