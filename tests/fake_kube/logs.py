"""Pod logs: lines the test appends, served with tailLines, sinceTime, timestamps and follow;
follow streams can be ended cleanly (cut) or broken mid-line (drop)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class _PodLog:
    lines: list[tuple[datetime, str]] = field(default_factory=list)
    cuts: int = 0  # bumped to end the follow streams open now
    drops: int = 0  # bumped to drop the follow streams' connections mid-stream
    gone: bool = False


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


class PodLogs:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pods: dict[tuple[str, str], _PodLog] = {}
        self._closed = False

    def append(self, namespace: str, pod: str, *lines: str, at: datetime | None = None) -> None:
        with self._cond:
            log = self._pods.setdefault((namespace, pod), _PodLog())
            for line in lines:
                log.lines.append((at or datetime.now(UTC), line))
            self._cond.notify_all()

    def cut(self, namespace: str, pod: str) -> None:
        """End the follow streams open on ``pod`` now (as a kubelet restart or a proxy would)."""
        with self._cond:
            self._pods.setdefault((namespace, pod), _PodLog()).cuts += 1
            self._cond.notify_all()

    def drop(self, namespace: str, pod: str, *lines: str) -> None:
        """Append ``lines`` and drop the connections of the follow streams open on ``pod`` in
        the same instant, without ending the chunked answer (as a proxy or a lost node would):
        a waiting stream sends half of the first new line, then breaks."""
        with self._cond:
            log = self._pods.setdefault((namespace, pod), _PodLog())
            log.lines.extend((datetime.now(UTC), line) for line in lines)
            log.drops += 1
            self._cond.notify_all()

    def pod_gone(self, namespace: str, pod: str) -> None:
        with self._cond:
            self._pods.setdefault((namespace, pod), _PodLog()).gone = True
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def stream(
        self,
        namespace: str,
        pod: str,
        follow: bool,
        timestamps: bool,
        tail: int | None,
        since: datetime | None,
    ) -> Iterator[bytes]:
        with self._cond:
            log = self._pods.setdefault((namespace, pod), _PodLog())
            start = 0
            if since is not None:
                start = next(
                    (i for i, (t, _) in enumerate(log.lines) if t >= since), len(log.lines)
                )
            if tail is not None:
                start = max(start, len(log.lines) - tail)
            cuts, drops = log.cuts, log.drops
        sent = start
        while True:
            with self._cond:
                while (
                    follow
                    and sent >= len(log.lines)
                    and log.cuts == cuts
                    and log.drops == drops
                    and not log.gone
                    and not self._closed
                ):
                    self._cond.wait()
                dropped = log.drops != drops
                batch = log.lines[sent:]
                sent = len(log.lines)
                ended = not follow or log.cuts != cuts or log.gone or self._closed
            if dropped:
                # Half of the next line goes out before the connection breaks.
                if batch:
                    t, text = batch[0]
                    line = ((stamp(t) + " " if timestamps else "") + text).encode()
                    yield line[: len(line) // 2]
                raise ConnectionAbortedError("log stream dropped")
            if batch:
                yield b"".join(
                    ((stamp(t) + " " if timestamps else "") + text + "\n").encode()
                    for t, text in batch
                )
            if ended:
                return
