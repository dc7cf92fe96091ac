"""A local file followed like ``tail -F``: last lines first, then new ones; rotation, truncation
and a missing file handled, undecodable bytes replaced."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from console.model import LogLine

CHUNK = 1 << 20
MAX_BATCH_BYTES = 8 << 20
#: A line longer than this is emitted in pieces rather than held in memory without end.
MAX_LINE_BYTES = 16 << 20
#: The longest a follower waits between looks at a file that has gone quiet.
QUIET_POLL_S = 0.5


class IdleBackoff:
    """How long a follower waits before it looks at a file again: ``fast`` right after lines
    came, doubling while none do, up to ``QUIET_POLL_S`` (a quiet file costs next to nothing,
    and ``tail -F`` itself looks once a second)."""

    def __init__(self, fast: float) -> None:
        self.fast = fast
        self.slow = max(fast, QUIET_POLL_S)
        self._next = fast

    def busy(self) -> None:
        self._next = self.fast

    def idle(self) -> float:
        delay = self._next
        self._next = min(delay * 2, self.slow)
        return delay


def follow(
    follower: FileFollower,
    stop: threading.Event,
    poll_s: float,
    convert: Callable[[list[bytes]], list[LogLine]],
) -> Iterator[list[LogLine]]:
    """The batches of new lines of a followed file until ``stop`` is set (see ``IdleBackoff``)."""
    wait = IdleBackoff(poll_s)
    while not stop.is_set():
        batch = convert(follower.poll())
        if batch:
            wait.busy()
            yield batch
        else:
            stop.wait(wait.idle())


class FileFollower:
    """Reads complete lines from ``path`` as they are written. Not thread-safe: one reader.

    ``poll`` returns the raw lines that are complete since the last call, and ``notices`` the
    events worth telling the operator (waiting for the file, rotated, truncated)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._ident: tuple[int, int] | None = None
        self._partial = b""
        self._offset = 0
        self._waiting_said = False
        self.notices: list[str] = []

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _open(self, at_end: bool) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            if not self._waiting_said:
                self.notices.append(f"waiting for {self.path} to appear")
                self._waiting_said = True
            return False
        except OSError as err:
            if not self._waiting_said:
                self.notices.append(f"cannot read {self.path}: {err.strerror or err}")
                self._waiting_said = True
            return False
        stat = os.fstat(fd)
        self._fd, self._ident = fd, (stat.st_dev, stat.st_ino)
        self._offset = stat.st_size if at_end else 0
        if self._waiting_said:
            self.notices.append(f"{self.path} appeared; following it")
            self._waiting_said = False
        return True

    def tail(self, lines: int) -> list[bytes]:
        """Open the file and return its last ``lines`` complete lines; later reads follow on."""
        if not self._open(at_end=True) or self._fd is None:
            return []
        end = self._offset
        start = end
        data = b""
        while start > 0 and data.count(b"\n") <= lines:
            step = min(CHUNK, start)
            start -= step
            data = os.pread(self._fd, step, start) + data
        complete, sep, partial = data.rpartition(b"\n")
        self._partial = partial  # the start of a line still being written
        if not sep or lines <= 0:
            return []
        found = complete.split(b"\n")
        if start > 0:
            found = found[1:]  # the first piece began before what was read
        return found[-lines:]

    def poll(self) -> list[bytes]:
        """Complete lines written since the last call (at most about ``MAX_BATCH_BYTES``)."""
        if self._fd is None and not self._open(at_end=False):
            return []
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        if size < self._offset:
            self.notices.append(f"{self.path} was truncated; reading it from the start")
            self._offset = 0
            self._partial = b""
        chunks: list[bytes] = []
        total = 0
        while total < MAX_BATCH_BYTES:
            chunk = os.pread(self._fd, CHUNK, self._offset)
            if not chunk:
                break
            self._offset += len(chunk)
            total += len(chunk)
            chunks.append(chunk)
        if not chunks:
            return self._check_rotated()
        data = self._partial + b"".join(chunks)
        lines = data.split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_LINE_BYTES:
            lines.append(self._partial)
            self._partial = b""
        return lines

    def _check_rotated(self) -> list[bytes]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return []  # moved away and not yet recreated: keep reading the old one
        except OSError:
            return []
        if (stat.st_dev, stat.st_ino) == self._ident:
            return []
        rest = [self._partial] if self._partial else []
        self._partial = b""
        self.close()
        self.notices.append(f"{self.path} was rotated; following the new file")
        self._open(at_end=False)
        return rest


def decode(raw: bytes) -> str:
    """One line of bytes as text: invalid UTF-8 replaced, a trailing CR dropped."""
    return raw.decode("utf-8", "replace").removesuffix("\r")


class FileLogSource:
    """``LogSource`` over a followed file: each line labelled with the file's name and stamped
    with the time it was read."""

    def __init__(
        self,
        path: Path,
        tail_lines: int = 500,
        poll_s: float = 0.1,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.tail_lines = tail_lines
        self.poll_s = poll_s
        self._now = now
        self.label = path.name

    @property
    def name(self) -> str:
        return f"file {self.path}"

    def stream(self, stop: threading.Event) -> Iterator[list[LogLine]]:
        follower = FileFollower(self.path)
        try:
            yield self._lines(follower, follower.tail(self.tail_lines))
            yield from follow(follower, stop, self.poll_s, partial(self._lines, follower))
        finally:
            follower.close()

    def _lines(self, follower: FileFollower, raw: list[bytes]) -> list[LogLine]:
        now, label = self._now(), self.label
        out = [
            LogLine(f"[console] {notice}", label, "", now, "warn") for notice in follower.notices
        ]
        follower.notices.clear()
        out.extend(LogLine(decode(line), label, "", now) for line in raw)
        return out
