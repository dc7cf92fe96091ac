"""Make untrusted text safe to put on a terminal: no escape sequences, no invisible controls."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["clean"]

# String-type sequences (OSC, DCS, SOS, PM, APC), 7-bit or 8-bit introducer, ended by BEL or ST.
# An unterminated one is left alone: its ESC is made visible below and its payload stays readable.
_STRING_SEQUENCE: Final = (
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
)
# CSI: introducer, parameter bytes, intermediate bytes, one final byte.
_CSI_SEQUENCE: Final = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
# Any other escape: ESC, intermediate bytes, one final byte (e.g. ESC c, ESC ( B, ESC 7); the
# introducers of the sequences above are excluded so that an unterminated one stays visible.
_OTHER_ESCAPE: Final = r"\x1b[\x20-\x2f]*[\x30-\x4f\x51-\x57\x59\x5a\x5c\x60-\x7e]"

_ESCAPES: Final = re.compile(f"{_STRING_SEQUENCE}|{_CSI_SEQUENCE}|{_OTHER_ESCAPE}")

# Everything that needs attention; text without any of these is returned unchanged (fast path).
_SUSPECT: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)  # C0 controls -> Unicode "control pictures" (␀ … ␟)
    table[0x09] = " "
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = "\ufffd"  # C1 controls (8-bit CSI, OSC, NEL …) -> replacement character
    for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = None  # bidi overrides can reorder what the operator reads; drop them
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"  # lone surrogates (undecodable bytes) cannot be encoded for output
    return table


_TABLE: Final = _build_table()


def clean(text: str) -> str:
    """Return ``text`` with terminal escape sequences removed and other control characters made
    visible, so that it can be displayed literally and cannot drive the terminal.

    - Complete escape sequences (CSI such as ``ESC [2J``, OSC such as the OSC 52 clipboard write,
      DCS/APC/PM/SOS strings, and short ``ESC x`` sequences), 7-bit or 8-bit, are removed.
    - Remaining C0 controls become visible control pictures (BEL -> ``␇``, ESC -> ``␛``,
      LF -> ``␊``, CR -> ``␍``); a tab becomes one space; DEL becomes ``␡``.
    - C1 controls and lone surrogates become ``\ufffd``; bidirectional overrides are removed.

    Markup is not touched: callers must still render the result as plain text, never as markup.
    """
    if not _SUSPECT.search(text):
        return text
    if "\x1b" in text or _has_c1_introducer(text):
        text = _ESCAPES.sub("", text)
    return text.translate(_TABLE)


def _has_c1_introducer(text: str) -> bool:
    return any(ch in text for ch in "\x90\x98\x9b\x9d\x9e\x9f")
