"""Parsing and formatting of durations ("5m", "7d") and quantities ("1.5M", "200k")."""

from __future__ import annotations

import math
import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kKmMgGtT]?)\s*$")
_QUANTITY_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


#: The shortest and longest durations any setting takes (a millisecond; ten years).
MIN_DURATION_S = 0.001
MAX_DURATION_S = 3650 * 86400.0


def parse_duration(text: str | float | int) -> float:
    """Seconds in ``text`` ("90s", "5m", "1.5h", "7d", "2w", or a bare number of seconds).

    Raises ValueError naming the accepted forms.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.match(text)
        if not match:
            raise ValueError(
                f"not a duration: {text!r} (use a number with s, m, h, d or w, e.g. 5m or 7d)"
            )
        seconds = float(match.group(1)) * _DURATION_UNITS[match.group(2) or "s"]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    if not MIN_DURATION_S <= seconds <= MAX_DURATION_S:
        raise ValueError(f"duration out of range: {text!r} (1ms to 3650d)")
    return seconds


def parse_quantity(text: str | float | int) -> float:
    """A non-negative number with an optional k/M/G/T suffix ("1.5M" -> 1_500_000)."""
    if isinstance(text, bool):
        raise ValueError(f"not a number: {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _QUANTITY.match(text.replace(",", "").replace("_", ""))
        if not match:
            raise ValueError(f"not a number: {text!r} (digits with an optional k, M or G suffix)")
        value = float(match.group(1)) * _QUANTITY_UNITS[match.group(2).lower()]
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"must be a non-negative number: {text!r}")
    return value


def format_duration(seconds: float) -> str:
    """Compact form: 45s, 5m, 1h30m, 7d."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        m, r = divmod(s, 60)
        return f"{m}m" if r == 0 else f"{m}m{r:02d}s"
    if s < 86400:
        h, r = divmod(s, 3600)
        return f"{h}h" if r == 0 else f"{h}h{r // 60:02d}m"
    d, r = divmod(s, 86400)
    return f"{d}d" if r == 0 else f"{d}d{r // 3600}h"


def format_si(value: float, digits: int = 3) -> str:
    """A number with k/M/G/T suffixes and about ``digits`` significant figures: 1234 -> 1.23k.

    Never wider than ``digits`` + 3 cells: NaN is ``NaN``, infinities ``∞``/``-∞``, and
    anything past the T range is written with an exponent (``1e308``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 999.5e12:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= factor * 0.9995:
            return f"{_sig(value / factor, digits)}{suffix}"
    if magnitude < 0.001:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa.removesuffix('.0')}e{int(exponent)}"
    return _sig(value, digits)


def format_percent_of(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage that stays short: 0.023 -> 2.3%, 12.5 -> 1.25k%, NaN -> NaN%."""
    percent = 100 * fraction if math.isfinite(fraction) else fraction
    if math.isfinite(percent) and abs(percent) < 1000:
        return f"{percent:.{decimals}f}%"
    return f"{format_si(percent)}%"


def format_bytes(value: float) -> str:
    """Binary units: 1536 -> 1.5KiB, 24 GiB stays 24GiB (past PiB: an exponent, never a long
    row of digits)."""
    if not math.isfinite(value) or abs(value) >= 1 << 50:
        return f"{format_si(value)}B"
    magnitude = abs(value)
    for factor, suffix in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if magnitude >= factor:
            return f"{_sig(value / factor, 3)}{suffix}"
    return f"{value:.0f}B"


def _sig(value: float, digits: int) -> str:
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1):
        return f"{value:.0f}"
    decimals = digits - 1 - (math.floor(math.log10(magnitude)) if magnitude > 0 else 0)
    text = f"{value:.{max(decimals, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
