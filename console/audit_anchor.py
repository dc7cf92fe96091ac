"""Anchoring a trail that has no head (or accepting a shorter one): check its chain, then write
the head of its last record."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from console.audit_head import Head, HeadError, head_path, read_head, write_head
from console.audit_verify import GENESIS, record_hash
from console.errors import ConsoleError


class AnchorError(ConsoleError):
    """The trail cannot be anchored (its chain is broken, or it cannot be read or written)."""


def anchor(path: Path) -> str:
    """Write the head of ``path``'s last record, under the appenders' lock; what was done, in
    words. Raises AnchorError when the chain is not whole (nothing is written then)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as err:
        raise AnchorError(f"cannot anchor {path}: {err.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            data = handle.read()
            seq, digest = chain_end(data)
            try:
                old = read_head(path)
            except HeadError:
                old = None
            try:
                write_head(path, Head(seq, digest, len(data)))
            except OSError as err:
                raise AnchorError(f"cannot write {head_path(path)}: {err.strerror}") from None
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    was = f" (its head said record {old.seq})" if old is not None else ""
    return f"anchored {path} at record {seq}{was}"


def chain_end(data: bytes) -> tuple[int, str]:
    prev, seq = GENESIS, 0
    if data and not data.endswith(b"\n"):
        raise AnchorError("its last record is torn: append once (which removes it) or fix it")
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            record = json.loads(raw)
        except ValueError:
            raise AnchorError(f"line {number} is not a JSON record") from None
        if (
            not isinstance(record, dict)
            or record.get("prev") != prev
            or record.get("hash") != record_hash(record)
        ):
            raise AnchorError(f"the chain is broken at line {number} (see `audit verify`)")
        prev, seq = record["hash"], int(record.get("seq", number))
    if seq == 0:
        raise AnchorError("it has no records to anchor")
    return seq, prev
