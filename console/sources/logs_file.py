"""A local file followed like ``tail -F``: last lines first, then new ones; rotation, truncation
(also a truncate-and-rewrite-longer between two looks), a missing file or a path that is for a
while not a file handled, undecodable bytes replaced."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from console.model import LogLine
from console.sources.log_time import line_time

CHUNK = 1 << 20
MAX_BATCH_BYTES = 8 << 20
#: A line longer than this is emitted in pieces rather than held in memory without end.
MAX_LINE_BYTES = 16 << 20
#: The longest a follower waits between looks at a file that has gone quiet.
QUIET_POLL_S = 0.5
#: Bytes before the read offset compared on each look: a file rewritten since differs there.
SEAM_BYTES = 64


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
        self._seam = b""  # the SEAM_BYTES before ``_offset`` as last read
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
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            if not self._waiting_said:
                self.notices.append(f"{self.path} is not a file; waiting for one")
                self._waiting_said = True
            return False
        ident = (info.st_dev, info.st_ino)
        if ident != self._ident or at_end:  # the same file again (after a read error): go on
            self._offset = info.st_size if at_end else 0
            self._partial = b""
            self._seam = b""
        self._fd, self._ident = fd, ident
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
        self._seam = (complete + sep)[-SEAM_BYTES:]
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
        try:
            return self._read(self._fd)
        except OSError as err:  # the file went away under us: look again from the next poll
            self.notices.append(f"cannot read {self.path}: {err.strerror or err}; retrying")
            self._waiting_said = True
            self.close()
            return []

    def _read(self, fd: int) -> list[bytes]:
        self._check_rewritten(fd, os.fstat(fd).st_size)
        chunks: list[bytes] = []
        total = 0
        while total < MAX_BATCH_BYTES:
            chunk = os.pread(fd, CHUNK, self._offset)
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
        done = len(data) - len(self._partial)  # bytes of whole lines, from the old line start
        self._seam = (self._seam + data[max(done - SEAM_BYTES, 0) : done])[-SEAM_BYTES:]
        return lines

    def _check_rewritten(self, fd: int, size: int) -> None:
        """Start again from the top when the whole lines already read are no longer there (the
        file shrank below them, or the bytes just before them differ: it was rewritten); read a
        line still being written again when it changed (a write cut back and redone)."""
        start = self._offset - len(self._partial)  # where the line being written begins
        seam = self._seam
        if size < start:
            self.notices.append(f"{self.path} was truncated; reading it from the start")
            self._restart()
        elif seam and (start < len(seam) or os.pread(fd, len(seam), start - len(seam)) != seam):
            self.notices.append(
                f"{self.path} was truncated and rewritten (now {size:,} bytes); "
                "reading it from the start"
            )
            self._restart()
        elif self._partial and os.pread(fd, len(self._partial), start) != self._partial:
            self._offset, self._partial = start, b""

    def _restart(self) -> None:
        self._offset = 0
        self._partial = b""
        self._seam = b""

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
        for line in raw:
            text = decode(line)
            own = line_time(text, now)  # the line's own stamp when it has one
            out.append(LogLine(text, label, "", now if own is None else own))
        return out
