"""Pure layout of the status header: which parts fit in a width, as (text, role) pieces."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

from rich.cells import cell_len

from widgets._strips import fit_text
from widgets.data import HeaderData
from widgets.safe_text import clean

__all__ = [
    "HEALTH_BADGES",
    "Piece",
    "format_age",
    "format_burn",
    "format_percent",
    "header_pieces",
]

Piece = tuple[str, str]
"""Plain text and its role (``app``, ``deployment``, ``muted``, ``stale``, ``healthy`` …)."""

HEALTH_BADGES: Final[dict[str, str]] = {
    "healthy": "✓ healthy",
    "degraded": "! degraded",
    "failing": "✗ failing",
    "inconclusive": "? inconclusive",
    "no canary": "– no canary",
    "released": "✓ released",
    "mirroring": "⇉ mirroring",
}
"""Badge text per health state: a symbol and a word, so colour is never the only signal."""

MIN_ERROR: Final = 16
"""An error message is never squeezed below this many cells while other parts can go."""
DEPLOYMENT_CELLS: Final = (32, 16)
"""The deployment name is cut to the first width, and to the second when space is short."""


def format_age(age_s: float | None) -> str:
    """``0.4s``, ``12s``, ``4m05s``, ``2h03m``; empty when unknown."""
    if age_s is None or math.isnan(age_s):
        return ""
    age = max(0.0, age_s)
    if age < 10:
        return f"{age:.1f}s"
    if age < 60:
        return f"{int(age)}s"
    if math.isinf(age) or age >= 100 * 3600:
        return "ages"
    if age < 3600:
        minutes, seconds = divmod(int(age), 60)
        return f"{minutes}m{seconds:02d}s"
    hours, rest = divmod(int(age), 3600)
    return f"{hours}h{rest // 60:02d}m"


def format_percent(percent: float) -> str:
    """``5%``, ``2.5%``, ``100%``."""
    if not math.isfinite(percent):
        return "?%"
    return f"{percent:.0f}%" if float(percent).is_integer() else f"{percent:.1f}%"


def format_burn(per_hour: float) -> str:
    """``$12.30/h``, ``$1,204.00/h``."""
    if not math.isfinite(per_hour):
        return "$?/h"
    return f"${per_hour:,.2f}/h"


@dataclass(frozen=True)
class _Plan:
    """Which optional parts are shown; each reduction step turns one of these off."""

    burn: bool = True
    source_detail: bool = True
    app: bool = True
    long_reason: bool = True
    reason: bool = True
    age_prefix: bool = True
    window: bool = True
    source: bool = True
    long_deployment: bool = True
    badge_padding: bool = True
    canary_word: bool = True
    long_read_only: bool = True


_REDUCTIONS: Final[tuple[str, ...]] = (
    "burn",
    "source_detail",
    "app",
    "long_reason",
    "reason",
    "age_prefix",
    "window",
    "source",
    "long_deployment",
    "badge_padding",
    "canary_word",
    "long_read_only",
)
"""The order in which parts are given up when the line is too narrow."""


def _short_source(source: str) -> str:
    for index, char in enumerate(source):
        if char in " :/(@":
            return source[:index] or source
    return source


def _groups(data: HeaderData, plan: _Plan, app_name: str) -> Iterator[list[Piece]]:
    pad = " " if plan.badge_padding else ""
    if plan.app and app_name:
        yield [(clean(app_name), "app")]
    limit = DEPLOYMENT_CELLS[0] if plan.long_deployment else DEPLOYMENT_CELLS[1]
    yield [(fit_text(clean(data.deployment), limit), "deployment")]
    if data.fleet:  # stable in trouble: red whatever the canary comparison says
        yield [(f"{pad}✗ stable {clean(data.fleet)}{pad}", "failing")]
    if plan.source and data.source:
        source = clean(data.source)
        yield [(source if plan.source_detail else _short_source(source), "muted")]
    if plan.window and data.window:
        yield [(clean(data.window), "muted")]
    age = format_age(data.age_s)
    if not age:
        yield [("no data yet", "stale" if data.stale else "muted")]
    else:
        text = f"updated {age} ago" if plan.age_prefix else f"{age} ago"
        yield [(text, "muted")]
    if data.stale:
        yield [(f"{pad}STALE{pad}", "stale")]
    if data.canary_percent is None:
        yield [(f"{pad}{HEALTH_BADGES['no canary']}{pad}", "no-canary")]
    else:
        canary = format_percent(data.canary_percent)
        if data.next_percent is not None:
            arrow = " → " if plan.canary_word else "→"
            canary += f"{arrow}{format_percent(data.next_percent)}"
        if plan.canary_word:
            canary = f"canary {canary}"
        health = clean(data.health).strip().lower() or "inconclusive"
        role = health.replace(" ", "-") if health in HEALTH_BADGES else "inconclusive"
        role = {"released": "healthy", "mirroring": "inconclusive"}.get(role, role)
        badge = HEALTH_BADGES.get(health, f"? {health}")
        group = [(canary, "text"), (" ", "text"), (f"{pad}{badge}{pad}", role)]
        reason = data.health_reason if plan.long_reason else data.health_short
        if plan.reason and reason:
            group += [(" ", "text"), (clean(reason), "muted")]
        yield group
    if plan.burn and data.burn_per_hour is not None:
        yield [(format_burn(data.burn_per_hour), "burn")]
    if data.read_only:
        yield [(f"{pad}{'READ-ONLY' if plan.long_read_only else 'RO'}{pad}", "read-only")]


def _join(groups: list[list[Piece]]) -> list[Piece]:
    pieces: list[Piece] = []
    for group in groups:
        if pieces:
            pieces.append(("  ", "text"))
        pieces.extend(group)
    return pieces


def _width(pieces: list[Piece]) -> int:
    return sum(cell_len(text) for text, _ in pieces)


def header_pieces(data: HeaderData | None, width: int, app_name: str = "") -> list[Piece]:
    """The header line for ``width`` cells, as (text, role) pieces of clean text.

    Parts are given up in this order until the line fits: burn rate, source detail, app name,
    the long health reason (for its short form), the health reason, the word "updated",
    window, source, deployment name length, badge padding, the word "canary", the long
    READ-ONLY.
    The error message comes last and takes what is left (cut by the caller with an ellipsis),
    never less than
    ``MIN_ERROR`` cells while something else can still go. The result may still be wider than
    ``width``; the caller cuts it.
    """
    if data is None:
        return [(clean(app_name), "app"), ("  ", "text"), ("no data yet", "muted")]
    error = clean(data.error).strip()
    error_piece: list[Piece] = [(f"⚠ {error}", "error")] if error else []
    error_need = min(MIN_ERROR, cell_len(error) + 2) + 2 if error else 0
    plan = _Plan()
    steps = iter(_REDUCTIONS)
    while True:
        pieces = _join(list(_groups(data, plan, app_name)))
        if _width(pieces) + error_need <= width:
            break
        step = next(steps, None)
        if step is None:
            break
        plan = replace(plan, **{step: False})
    if error_piece:
        pieces = _join([pieces, error_piece])
    return pieces
