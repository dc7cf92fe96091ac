"""Checking an audit trail: every record's hash, its link to the one before, and its end against
the head kept outside the file (``console.audit_head``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.audit_head import HeadError, head_path, read_head

GENESIS = "0" * 64


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON without its own ``hash``."""
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What ``audit verify`` found: ``ok`` with the number of records, or the first break
    (``line`` is None when the break is not on one line: an end cut off, a missing head).
    ``missing``: there is no trail at all (nothing to verify, a usage error)."""

    ok: bool
    records: int
    line: int | None = None
    reason: str = ""
    missing: bool = False

    def __str__(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.records} records"
        if self.missing:
            return self.reason
        if self.line is None:
            return f"audit trail broken: {self.reason}"
        return f"audit trail broken at line {self.line}: {self.reason}"


def verify(path: Path) -> Verdict:
    """Check every record's hash and link, then that the trail reaches its head."""
    path = path.expanduser()
    try:
        head = read_head(path)
    except HeadError as err:
        return Verdict(False, 0, None, f"{err} ({head_path(path)})")
    except OSError as err:
        return Verdict(False, 0, None, f"cannot read {head_path(path)}: {err.strerror}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if head is not None and head.seq > 0:
            why = f"{path} is missing but its head file says it had {head.seq} records"
            return Verdict(False, 0, None, why)
        return Verdict(False, 0, None, f"no audit trail at {path}: no such file", missing=True)
    except IsADirectoryError:
        return Verdict(False, 0, None, f"{path} is a directory, not an audit trail", missing=True)
    except OSError as err:
        return Verdict(False, 0, None, f"cannot read {path}: {err.strerror}", missing=True)
    prev = GENESIS
    count = 0
    last_seq = 0
    at_head: str | None = None
    lines = data.split(b"\n")
    torn = bool(lines) and lines[-1] != b""
    if not torn:
        lines.pop()  # the newline that ends the last record
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            last = number == len(lines) and torn
            why = "a torn record (a write that did not finish; the next append removes it)"
            return Verdict(False, count, number, why if last else "not a JSON record")
        if not isinstance(record, dict):
            return Verdict(False, count, number, "not a JSON object")
        if record.get("prev") != prev:
            return Verdict(False, count, number, "does not link to the record before it")
        if record.get("hash") != record_hash(record):
            return Verdict(False, count, number, "its hash does not match its content")
        prev = record["hash"]
        count += 1
        seq = record.get("seq")
        last_seq = seq if isinstance(seq, int) else last_seq
        if head is not None and seq == head.seq:
            at_head = prev
    return _against_head(path, head, count, last_seq, at_head, len(data))


def _against_head(
    path: Path, head: Any, count: int, last_seq: int, at_head: str | None, size: int
) -> Verdict:
    if head is None:
        if count == 0:
            return Verdict(True, 0)
        return Verdict(
            False,
            count,
            None,
            f"no head file ({head_path(path).name}) beside it, so records cut off its end "
            "cannot be detected; once you trust it, `inference-console audit anchor` records "
            "its head",
        )
    if last_seq < head.seq or size < head.size:
        return Verdict(
            False,
            count,
            None,
            f"it ends at record {last_seq} ({size:,} bytes) but its head file says record "
            f"{head.seq} ({head.size:,} bytes): records were cut off its end",
        )
    if at_head != head.hash:
        return Verdict(False, count, None, f"record {head.seq} is not the one its head file names")
    return Verdict(True, count)
