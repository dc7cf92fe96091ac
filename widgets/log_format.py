"""How a log line looks: its level (plain, logfmt, klog or JSON), display text and pieces."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Final, Protocol

from widgets.safe_text import clean

__all__ = [
    "LEVELS",
    "MAX_DISPLAY_CHARS",
    "LogItem",
    "detect_level",
    "display_text",
    "short_label",
    "time_label",
]

LEVELS: Final = ("error", "warn", "info", "debug")
"""Canonical levels; anything else is shown uncoloured."""

MAX_DISPLAY_CHARS: Final = 2000
"""Longer lines are cut for display only (filter and save use the whole line)."""

_SCAN: Final = 300  # only the start of a line is searched for its level

_CANONICAL: Final = {
    "fatal": "error",
    "panic": "error",
    "critical": "error",
    "crit": "error",
    "emerg": "error",
    "emergency": "error",
    "alert": "error",
    "error": "error",
    "err": "error",
    "e": "error",
    "f": "error",
    "warning": "warn",
    "warn": "warn",
    "w": "warn",
    "info": "info",
    "notice": "info",
    "i": "info",
    "debug": "debug",
    "trace": "debug",
    "d": "debug",
}
_WORD: Final = re.compile(r"\b(FATAL|PANIC|CRITICAL|ERROR|WARNING|WARN|INFO|NOTICE|DEBUG|TRACE)\b")
_LOGFMT: Final = re.compile(r"\b(?:level|lvl|severity)=\"?([A-Za-z]+)", re.IGNORECASE)
_KLOG: Final = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d\d")
_JSON_KEYS: Final = ("level", "severity", "lvl", "levelname", "log.level", "loglevel")
_POD_HASH: Final = re.compile(
    r"-[bcdfghjklmnpqrstvwxz2456789]{6,10}-(?=[bcdfghjklmnpqrstvwxz2456789]{5}$)"
)
_TIMESTAMP_PREFIX: Final = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)? ")


class LogItem(Protocol):
    """What the log stream shows; any object with these attributes will do."""

    @property
    def text(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def track(self) -> str: ...
    @property
    def time(self) -> float | None: ...
    @property
    def level(self) -> str | None: ...


def detect_level(text: str) -> str | None:
    """The line's level ("error", "warn", "info", "debug") or None when it does not say."""
    head = text[:_SCAN].lstrip()
    if head.startswith("{"):
        level = _json_level(text)
        if level is not None:
            return level
    found = _KLOG.match(head)
    if found:
        return _CANONICAL[found.group(1).lower()]
    found = _LOGFMT.search(head)
    if found:
        return _CANONICAL.get(found.group(1).lower())
    found = _WORD.search(head)
    return _CANONICAL[found.group(1).lower()] if found else None


def _json_level(text: str) -> str | None:
    if len(text) > 64_000:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    for key in _JSON_KEYS:
        value = record.get(key)
        if isinstance(value, str):
            return _CANONICAL.get(value.strip().lower())
        if isinstance(value, int) and not isinstance(value, bool):
            # pino/bunyan numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
            return (
                "error"
                if value >= 50
                else "warn"
                if value >= 40
                else "info"
                if value >= 30
                else "debug"
            )
    return None


def display_text(text: str, length: int | None = None) -> str:
    """What is drawn for ``text``: cut to ``MAX_DISPLAY_CHARS`` with a note of what was left out
    (of ``length`` characters, when ``text`` is the start of a longer line), escape sequences
    removed and controls made visible (``widgets.safe_text.clean``)."""
    if len(text) <= MAX_DISPLAY_CHARS:
        return clean(text)
    hidden = max(length or 0, len(text)) - MAX_DISPLAY_CHARS
    return f"{clean(text[:MAX_DISPLAY_CHARS])} … (+{hidden:,} chars)"


def short_label(source: str, width: int) -> str:
    """``source`` in at most ``width`` cells, keeping its end (a pod's unique suffix); a
    Deployment's pod ``<deployment>-<template hash>-<suffix>`` loses its template hash."""
    label = _POD_HASH.sub("-", clean(source), count=1)
    if len(label) <= width:
        return label
    return "…" + label[len(label) - width + 1 :] if width > 1 else label[-width:]


def time_label(t: float | None) -> str:
    """``HH:MM:SS.mmm`` in UTC, or blanks of the same width when the time is unknown."""
    if t is None:
        return " " * 12
    try:
        stamp = datetime.fromtimestamp(t, UTC)
    except (OverflowError, OSError, ValueError):
        return "??:??:??.???"
    return stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def strip_timestamp(text: str) -> str:
    """``text`` without a leading RFC 3339 timestamp (as ``kubectl logs --timestamps`` adds)."""
    return _TIMESTAMP_PREFIX.sub("", text, count=1)
