"""Where actions happened, for marks on the sparklines: the deployment's steps, reverts and
mirror changes from the audit trail, re-read only when the file changes."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

LETTERS: Final[dict[str, str]] = {
    "step": "S",
    "revert": "R",
    "emergency-revert": "E",
    "mirror": "M",
}
"""The letter each action leaves on the charts (the help and docs name them)."""

TAIL_BYTES: Final = 256 * 1024
"""How much of the end of the audit trail is read: hundreds of records, far more than an hour
of actions."""


@dataclass(frozen=True, slots=True)
class Marker:
    """An action that changed the deployment, at Unix time ``at``."""

    at: float
    letter: str


class AuditMarkers:
    """The actions recorded in an audit trail (outcomes that changed something: ok or partial)."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        self._stat: tuple[int, int] | None = None
        self._records: list[dict[str, object]] = []

    def read(self, deployment: str, since: float) -> tuple[Marker, ...]:
        """This deployment's actions at or after ``since``, oldest first. A missing or
        unreadable file has none; a malformed line is skipped (``audit verify`` reports it)."""
        self._refresh()
        out = []
        for record in self._records:
            if record.get("deployment") != deployment:
                continue
            letter = LETTERS.get(str(record.get("action")))
            at = _time(record.get("time"))
            if letter and at is not None and at >= since:
                out.append(Marker(at, letter))
        return tuple(out)

    def _refresh(self) -> None:
        try:
            stat = os.stat(self.path)
        except OSError:
            self._stat, self._records = None, []
            return
        key = (stat.st_size, stat.st_mtime_ns)
        if key == self._stat:
            return
        self._stat = key
        try:
            with self.path.open("rb") as handle:
                handle.seek(max(stat.st_size - TAIL_BYTES, 0))
                tail = handle.read(TAIL_BYTES)
        except OSError:
            self._records = []
            return
        records = []
        for raw in tail.splitlines()[1 if stat.st_size > TAIL_BYTES else 0 :]:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if (
                isinstance(record, dict)
                and record.get("phase") == "outcome"
                and record.get("outcome") in ("ok", "partial")
            ):
                records.append(record)
        self._records = records


def _time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo is not None else None


def positions(markers: Sequence[Marker], start: float, end: float) -> tuple[tuple[float, str], ...]:
    """Each marker as (fraction of the way from ``start`` to ``end``, letter), those inside."""
    span = end - start
    if not span > 0:
        return ()
    return tuple(((m.at - start) / span, m.letter) for m in markers if start <= m.at <= end)
