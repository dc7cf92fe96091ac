"""The audit trail: append-only JSONL, fsynced, mode 0600, each record hash-chained to the last,
its head anchored outside the file (``console.audit_head``).

A record is written whole or not at all: it is appended, fsynced and read back, and on any
failure the file is cut back to the last whole record. A torn record left by a process that died
mid-write is removed by the next append, which says so in its own record."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import hashlib
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.audit_anchor import AnchorError, chain_end
from console.audit_head import Head, HeadError, head_path, read_head, write_head
from console.audit_verify import GENESIS, Verdict, record_hash, verify
from console.errors import ConsoleError
from console.outside import inert

__all__ = [
    "GENESIS",
    "SECRET_KEYS",
    "AuditError",
    "AuditLog",
    "Verdict",
    "actor",
    "record_hash",
    "verify",
]

#: Keys that never reach a record, whatever a caller passes (defence in depth).
SECRET_KEYS = frozenset({"token", "bearer_token", "password", "secret", "authorization"})
#: How far back from the end a torn tail is looked for before the append refuses.
MAX_TORN_BYTES = 64 << 20


def actor(kube: str | None) -> dict[str, str | None]:
    """Who acts: the local user and host, and the cluster identity when known."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return {"user": user, "host": socket.gethostname(), "kube": kube}


class AuditError(ConsoleError):
    """The audit trail could not be written (nothing of the record was kept)."""


class AuditLog:
    """Appends records to ``path``; safe against other consoles appending at the same time.

    ``last_repair`` says what the last append had to repair first (empty when nothing);
    ``repairs`` every repair this object made."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        self.last_repair = ""
        self.repairs: list[str] = []

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write ``record`` (plus ``seq``, ``time``, ``prev``, ``hash``) whole, fsync it, move the
        head to it, and return it.

        Raises AuditError when the record cannot be written whole (the file is then as it was),
        or when the trail is shorter than its head says (records were removed: nothing is
        appended to a trail that cannot be trusted)."""
        self.last_repair = ""
        try:
            return self._append(record)
        except OSError as err:
            repaired = f" (before that it {self.last_repair})" if self.last_repair else ""
            raise AuditError(
                f"cannot write the audit trail {self.path}: {err.strerror or err}{repaired}"
            ) from None

    def _append(self, record: dict[str, Any]) -> dict[str, Any]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self.last_repair = _cut_torn_tail(handle.fileno())
                size = os.fstat(handle.fileno()).st_size
                last = _last_record(handle)
                anchored = self._check_head(handle.fileno(), last, size)
                entry = {
                    "seq": (last.get("seq", 0) + 1) if last else 1,
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    **_scrub(record),
                    "prev": last.get("hash", GENESIS) if last else GENESIS,
                }
                if anchored:
                    entry["anchored"] = anchored
                if self.last_repair:
                    entry["repaired"] = self.last_repair
                    self.repairs.append(self.last_repair)
                entry["hash"] = record_hash(entry)
                line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
                data = line.encode("utf-8")
                _write_whole(handle.fileno(), size, data)
                try:
                    write_head(self.path, Head(entry["seq"], entry["hash"], size + len(data)))
                except OSError as err:
                    _cut_back(handle.fileno(), size)
                    raise OSError(err.errno, f"cannot move its head: {err.strerror}") from None
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        return entry

    def _check_head(self, fd: int, last: dict[str, Any] | None, size: int) -> str:
        """Refuse a trail shorter than its head. A trail written before heads existed (records,
        no head file) is anchored here when its whole chain checks out, and the new record says
        so; a broken one is refused. Returns what was anchored (empty: nothing)."""
        try:
            head = read_head(self.path)
        except HeadError as err:
            raise AuditError(f"the audit trail {self.path} is not appended to: {err}") from None
        last_seq = last.get("seq", 0) if last else 0
        if head is None:
            if size == 0:
                return ""
            try:
                seq, digest = chain_end(os.pread(fd, size, 0))
            except AnchorError as err:
                raise AuditError(
                    f"the audit trail {self.path} has records but no head file "
                    f"({head_path(self.path).name}) and cannot be anchored: {err}; check it with "
                    "`inference-console audit verify`"
                ) from None
            write_head(self.path, Head(seq, digest, size))
            return f"the trail had no head file: its chain was whole and it was anchored at {seq}"
        if (
            not isinstance(last_seq, int)
            or last_seq < head.seq
            or (last_seq == head.seq and last is not None and last.get("hash") != head.hash)
        ):
            raise AuditError(
                f"the audit trail {self.path} ends at record {last_seq} but its head file says "
                f"{head.seq}: records were removed from its end; nothing more is appended to it "
                "(see `inference-console audit verify`; move both files aside to start anew)"
            )
        return ""


def _write_whole(fd: int, start: int, data: bytes) -> None:
    """Append ``data`` at ``start`` (the end), fsync and read it back; on any failure cut the
    file back to ``start`` and raise OSError."""
    written = 0
    try:
        while written < len(data):
            n = os.write(fd, data[written:])
            if n <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += n
        os.fsync(fd)
        if os.pread(fd, len(data) + 1, start) != data:
            raise OSError(errno.EIO, "the record read back is not what was written")
    except OSError as err:
        kept = _cut_back(fd, start)
        note = "" if kept else "; a torn record may remain (the next append removes it)"
        raise OSError(
            err.errno, f"{err.strerror or err}; nothing of the record was kept{note}"
        ) from None


def _cut_back(fd: int, size: int) -> bool:
    """Truncate to ``size`` and fsync; whether that worked."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        return False
    return True


def _cut_torn_tail(fd: int) -> str:
    """Remove a record that does not end in a newline (a write that did not finish); returns
    what was done, in words, or "" when the file ends whole."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return ""
    start = size
    while start > 0 and size - start < MAX_TORN_BYTES:
        step = min(1 << 16, start)
        chunk = os.pread(fd, step, start - step)
        at = chunk.rfind(b"\n")
        if at >= 0:
            start = start - step + at + 1
            break
        start -= step
    else:
        if start > 0:
            raise OSError(errno.EIO, "its last line is torn and longer than a record can be")
    torn = os.pread(fd, size - start, start)
    if not _cut_back(fd, start):
        raise OSError(errno.EIO, "its torn last record could not be removed")
    digest = hashlib.sha256(torn).hexdigest()
    return (
        f"removed a torn record at the end ({len(torn)} bytes, sha256 {digest[:16]}…) "
        "left by a write that did not finish"
    )


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
    """No secret-named key at any depth, and every string through the outside-text boundary: a
    record keeps the text, never the control characters or a credential it quoted."""
    if isinstance(value, dict):
        return {
            inert(str(k)): _scrub(v) for k, v in value.items() if str(k).lower() not in SECRET_KEYS
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return inert(value)
    return value
