"""The audit trail's head, kept outside the trail: the last record's ``seq``, ``hash`` and the
file's size, in ``<trail>.head`` (mode 0600), replaced atomically after every append.

Cutting records off the end of the trail, or emptying it, leaves a chain that is whole but
shorter than its head says, which ``verify`` reports."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Head:
    """The newest record the trail had when it was last appended to."""

    seq: int
    hash: str
    size: int


def head_path(trail: Path) -> Path:
    """Where the head of ``trail`` lives: beside it, ``audit.jsonl`` → ``audit.jsonl.head``."""
    return trail.with_name(trail.name + ".head")


class HeadError(ValueError):
    """The head file exists but does not say what a head says."""


def read_head(trail: Path) -> Head | None:
    """The head of ``trail``, or None when it has none. Raises HeadError when it is unreadable
    or malformed, OSError when it cannot be read."""
    try:
        data = head_path(trail).read_bytes()
    except FileNotFoundError:
        return None
    if len(data) > 4096:
        raise HeadError("its head file is not a head (too long)")
    try:
        value: Any = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise HeadError("its head file is not JSON") from None
    if not isinstance(value, dict):
        raise HeadError("its head file is not a JSON object")
    seq, digest, size = value.get("seq"), value.get("hash"), value.get("size")
    if not (
        isinstance(seq, int)
        and not isinstance(seq, bool)
        and seq >= 0
        and isinstance(digest, str)
        and len(digest) == 64
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size >= 0
    ):
        raise HeadError("its head file lacks a valid seq, hash or size")
    return Head(seq, digest, size)


def write_head(trail: Path, head: Head) -> None:
    """Replace the head of ``trail`` with ``head``: written to a temporary file beside it, fsynced,
    renamed over the old one, and the directory fsynced. Raises OSError; the old head then stays."""
    target = head_path(trail)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    body = json.dumps({"seq": head.seq, "hash": head.hash, "size": head.size}) + "\n"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            data = body.encode()
            if os.write(fd, data) != len(data):
                raise OSError(28, "short write (No space left on device?)")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
