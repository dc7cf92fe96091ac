"""The audit trail: append-only JSONL, fsynced, mode 0600, each record hash-chained to the last."""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.errors import ConsoleError

GENESIS = "0" * 64
#: Keys that never reach a record, whatever a caller passes (defence in depth).
SECRET_KEYS = frozenset({"token", "bearer_token", "password", "secret", "authorization"})


def actor(kube: str | None) -> dict[str, str | None]:
    """Who acts: the local user and host, and the cluster identity when known."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {"user": user, "host": socket.gethostname(), "kube": kube}


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON without its own ``hash``."""
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditError(ConsoleError):
    """The audit trail could not be written."""


class AuditLog:
    """Appends records to ``path``; safe against other consoles appending at the same time."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write ``record`` (plus ``seq``, ``time``, ``prev``, ``hash``), fsync, return it.

        Raises AuditError when the file cannot be written."""
        try:
            return self._append(record)
        except OSError as err:
            raise AuditError(
                f"cannot write the audit trail {self.path}: {err.strerror or err}"
            ) from None

    def _append(self, record: dict[str, Any]) -> dict[str, Any]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                last = _last_record(handle)
                entry = {
                    "seq": (last.get("seq", 0) + 1) if last else 1,
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    **_scrub(record),
                    "prev": last.get("hash", GENESIS) if last else GENESIS,
                }
                entry["hash"] = record_hash(entry)
                line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        return entry


def _last_record(handle: Any) -> dict[str, Any] | None:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    if size == 0:
        return None
    chunk = min(size, 1 << 16)
    while True:
        handle.seek(size - chunk)
        tail = handle.read(chunk).rstrip(b"\n")
        if b"\n" in tail or chunk == size:
            last_line = tail.rsplit(b"\n", 1)[-1]
            break
        chunk = min(size, chunk * 2)
    try:
        parsed = json.loads(last_line)
    except ValueError:
        return {"seq": 0, "hash": hashlib.sha256(last_line).hexdigest()}
    return parsed if isinstance(parsed, dict) else None


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if str(k).lower() not in SECRET_KEYS}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


@dataclass(frozen=True)
class Verdict:
    """What ``audit verify`` found: ``ok`` with the number of records, or the first break."""

    ok: bool
    records: int
    line: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.records} records"
        return f"audit trail broken at line {self.line}: {self.reason}"


def verify(path: Path) -> Verdict:
    """Check every record's hash and its link to the one before."""
    path = path.expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Verdict(False, 0, None, f"{path}: no such file")
    except OSError as err:
        return Verdict(False, 0, None, f"{path}: cannot read: {err.strerror}")
    prev = GENESIS
    count = 0
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last record
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return Verdict(False, count, number, "not a JSON record")
        if not isinstance(record, dict):
            return Verdict(False, count, number, "not a JSON object")
        if record.get("prev") != prev:
            return Verdict(False, count, number, "does not link to the record before it")
        if record.get("hash") != record_hash(record):
            return Verdict(False, count, number, "its hash does not match its content")
        prev = record["hash"]
        count += 1
    return Verdict(True, count)
