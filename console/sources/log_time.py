"""A log line's own time, from the stamp it starts with: RFC 3339 / ISO 8601 (TGI, Go, most
JSON-less servers), Python logging's ``asctime`` (``2026-03-10 14:00:01,123``, SGLang's
``[2026-03-10 14:00:01 TP0]``), vLLM's ``INFO 03-10 14:00:01`` (no year), klog's
``I0310 14:00:01.123456`` (no year), or a JSON line's ``time``/``timestamp``/``ts``/``@timestamp``
field. Stamps without a zone are taken as UTC (a container's default); a year that is not
written is the one that puts the stamp nearest to when the line was read. uvicorn's access
lines carry no time: they get none here, and the source stamps them with their arrival."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

__all__ = ["line_time"]

_ISO: Final = re.compile(
    r"\[?(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s?(Z|[+-]\d\d:?\d\d)?"
)
_VLLM: Final = re.compile(
    r"(?:\([\w.-]+ pid=\d+\) )?(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?"
)
_KLOG: Final = re.compile(r"[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?")
_JSON_KEY: Final = re.compile(
    r'"(?:time|timestamp|ts|@timestamp|asctime|date)"\s*:\s*(?:"([^"]{8,40})"|(-?[\d.]+(?:e\d+)?))'
)
_SCAN: Final = 400


def line_time(text: str, near: float) -> float | None:
    """Seconds since the epoch that ``text``'s own stamp says, or None when it has none.

    ``near`` (when the line was read) picks the year of a stamp that does not write one."""
    head = text[:_SCAN]
    if not head:
        return None
    first = head[0]
    if first == "{":
        return _json_time(head)
    if first.isdigit() or first == "[":
        found = _ISO.match(head)
        if found:
            return _iso(found)
    if first in "IWEF":
        found = _KLOG.match(head)
        if found:
            month, day, hh, mm, ss, frac = found.groups()
            return _yearless(int(month), int(day), hh, mm, ss, frac, near)
    found = _VLLM.match(head)
    if found:
        month, day, hh, mm, ss, frac = found.groups()
        return _yearless(int(month), int(day), hh, mm, ss, frac, near)
    return None


def _fraction(frac: str | None) -> float:
    return int(frac) / 10 ** len(frac) if frac else 0.0


def _iso(found: re.Match[str]) -> float | None:
    year, month, day, hh, mm, ss, frac, zone = found.groups()
    tz = UTC
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        stamp = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss), tzinfo=tz)
    except ValueError:
        return None
    return stamp.timestamp() + _fraction(frac)


def _yearless(
    month: int, day: int, hh: str, mm: str, ss: str, frac: str | None, near: float
) -> float | None:
    if not math.isfinite(near):
        return None
    try:
        year = datetime.fromtimestamp(near, UTC).year
    except (OverflowError, OSError, ValueError):
        return None
    best: float | None = None
    for candidate in (year - 1, year, year + 1):
        try:
            stamp = datetime(candidate, month, day, int(hh), int(mm), int(ss), tzinfo=UTC)
        except ValueError:
            continue  # 29 February in a common year, or no such date
        t = stamp.timestamp() + _fraction(frac)
        if best is None or abs(t - near) < abs(best - near):
            best = t
    return best


def _json_time(head: str) -> float | None:
    found = _JSON_KEY.search(head)
    if not found:
        return None
    text, number = found.groups()
    if text is not None:
        iso = _ISO.match(text)
        return _iso(iso) if iso else None
    try:
        value = float(number)
    except ValueError:
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    # Seconds, milliseconds, microseconds or nanoseconds since the epoch, by magnitude.
    for scale in (1.0, 1e3, 1e6, 1e9):
        if value / scale < 1e11:
            return value / scale
    return None
