"""The audit trail as a log stream: the JSONL file followed live, one readable line per record,
malformed lines shown as such."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from console.model import LogLine
from console.sources.logs_file import FileFollower, decode, follow

FAILED = frozenset({"failed", "failure", "error", "refused", "conflict", "aborted", "cancelled"})


def _when(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _split(state: Any) -> str:
    """``{"weights": {...}, "replicas": {...}, "mirror_percent": x}`` as ``w 95/5 r 5/1 m 0%``."""
    if not isinstance(state, dict):
        return "?"
    parts = []
    for key, short in (("weights", "w"), ("replicas", "r")):
        value = state.get(key)
        if isinstance(value, dict):
            parts.append(f"{short} {value.get('stable', '?')}/{value.get('canary', '?')}")
    mirror = state.get("mirror_percent")
    if mirror not in (None, 0):
        parts.append(f"mirror {mirror}%")
    return " ".join(parts) or "?"


def format_record(record: dict[str, Any]) -> tuple[str, str]:
    """One line for an audit record and its level ("error" for failures)."""
    actor = record.get("actor")
    who = "?"
    if isinstance(actor, dict):
        who = str(actor.get("user") or actor.get("kube") or "?")
        if actor.get("host"):
            who += f"@{actor['host']}"
    phase = str(record.get("phase", ""))
    outcome = record.get("outcome")
    head = f"#{record.get('seq', '?')} {who} {record.get('action', '?')} "
    head += f"{record.get('deployment', '?')} {phase}"
    if outcome:
        head += f"={outcome}"
    change = ""
    if "before" in record or "after" in record:
        change = f" {_split(record.get('before'))} → {_split(record.get('after'))}"
    gates = record.get("gates")
    if isinstance(gates, dict) and "passed" in gates:
        change += " gates " + ("passed" if gates["passed"] else "failed")
    message = record.get("error") or record.get("message") or ""
    tail = f": {message}" if message else ""
    if record.get("repaired"):
        tail += f" (first {record['repaired']})"
    failed = bool(record.get("error")) or str(outcome).lower() in FAILED
    return f"{head}{change}{tail}", "error" if failed else "info"


def audit_line(raw: str, label: str = "audit") -> LogLine:
    """A ``LogLine`` for one line of the audit file (a malformed one says so)."""
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        return LogLine(f"malformed audit record: {raw}", label, "", None, "warn")
    text, level = format_record(record)
    return LogLine(text, label, "", _when(record.get("time")), level)


class AuditLogSource:
    """``LogSource`` over the audit file: every record that exists (up to ``tail_lines``), then
    each new one as it is appended."""

    def __init__(self, path: Path, tail_lines: int = 10_000, poll_s: float = 0.2) -> None:
        self.path = path.expanduser()
        self.tail_lines = tail_lines
        self.poll_s = poll_s

    @property
    def name(self) -> str:
        return f"audit {self.path}"

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]:
        follower = FileFollower(self.path)

        def lines(raw: list[bytes]) -> list[LogLine]:
            out = [
                LogLine(f"[console] {notice}", "audit", "", None, "info")
                for notice in follower.notices
            ]
            follower.notices.clear()
            out.extend(audit_line(decode(item)) for item in raw if item.strip())
            return out

        try:
            yield lines(follower.tail(self.tail_lines))
            yield from follow(follower, stop, self.poll_s, lines)
        finally:
            follower.close()
