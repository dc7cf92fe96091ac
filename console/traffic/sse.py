"""Server-sent events, parsed incrementally from the bytes of a streamed response.

OpenAI-compatible servers send only ``data:`` fields (and sometimes comments); a line naming any
other field than the four SSE defines is not what such a server sends, so it is reported as
malformed rather than silently skipped: a load test must not count a broken stream as good."""

from __future__ import annotations

SSE_FIELDS = frozenset({b"data", b"event", b"id", b"retry"})
#: A line longer than this without a newline is not an event stream.
MAX_LINE = 1 << 20


class MalformedStream(ValueError):
    """The bytes are not a well-formed event stream; the message says how."""


class SSEParser:
    """Feed it bytes as they arrive; it returns each complete event's data."""

    __slots__ = ("_buffer", "_data")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """The data of every event completed by ``chunk`` (lines joined with newlines).

        Raises MalformedStream on a line with an unknown field or one too long."""
        buffer = self._buffer + chunk if self._buffer else chunk
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()
        if len(self._buffer) > MAX_LINE:
            raise MalformedStream(f"a line of more than {MAX_LINE} bytes")
        events: list[bytes] = []
        data = self._data
        for raw in lines:
            line = raw[:-1] if raw.endswith(b"\r") else raw
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data.clear()
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
                continue
            if line.startswith(b":"):
                continue  # a comment (keep-alive)
            name = line.split(b":", 1)[0]
            if name not in SSE_FIELDS:
                shown = line[:60].decode("utf-8", "replace")
                raise MalformedStream(f"not an event-stream line: {shown!r}")
        return events

    def finish(self) -> list[bytes]:
        """Events left when the stream ends (a last event without its blank line)."""
        events = self.feed(b"\n\n") if self._buffer or self._data else []
        self._buffer = b""
        return events
