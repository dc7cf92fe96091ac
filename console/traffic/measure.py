"""What one request measured: timings from the client's side, tokens, status and error class."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any

#: Error classes, in the order reports list them.
ERROR_CLASSES = (
    "connect",  # no connection: refused, unreachable, DNS, TLS
    "timeout",  # no answer, or no bytes for the idle time-out, or over the request time-out
    "rate_limited",  # HTTP 429, before or during the stream
    "client_error",  # another 4xx (the request was refused)
    "server_error",  # 5xx, or an error event in the stream
    "malformed",  # a line or payload that is not a well-formed OpenAI event stream
    "incomplete",  # the stream ended (or the connection closed) before [DONE]
    "aborted",  # still running when the run's hard stop came
)


@dataclass(slots=True)
class RequestResult:
    """One request. Times are seconds; ``start_s`` is from the run's start."""

    index: int
    start_s: float = 0.0
    status: int | None = None
    error: str | None = None
    detail: str = ""
    ttft_s: float | None = None
    e2e_s: float | None = None
    #: Gaps between content chunks: a compact array (a long run keeps every request's).
    itl_s: array[float] = field(default_factory=lambda: array("d"))
    tokens_in: int | None = None
    tokens_out: int = 0
    chunks: int = 0
    finish_reason: str | None = None
    pod: str | None = None
    text: str = ""
    sample: int | None = None  # which prompt of the set it sent

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def tpot_s(self) -> float | None:
        """Time per output token after the first: (E2E - TTFT) / (tokens out - 1)."""
        if self.ttft_s is None or self.e2e_s is None or self.tokens_out < 2:
            return None
        return (self.e2e_s - self.ttft_s) / (self.tokens_out - 1)

    @property
    def tokens_per_s(self) -> float | None:
        """Output tokens per second over the decode (after the first token)."""
        tpot = self.tpot_s
        return 1.0 / tpot if tpot and tpot > 0 else None

    def record(self) -> dict[str, Any]:
        """The JSON record of this request (``--requests FILE``)."""
        return {
            "index": self.index,
            "sample": self.sample,
            "start_s": _num(self.start_s),
            "status": self.status,
            "error": self.error,
            "detail": self.detail or None,
            "ttft_s": _num(self.ttft_s),
            "tpot_s": _num(self.tpot_s),
            "itl_s_mean": _num(sum(self.itl_s) / len(self.itl_s)) if self.itl_s else None,
            "e2e_s": _num(self.e2e_s),
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "finish_reason": self.finish_reason,
            "pod": self.pod,
        }


def _num(value: float | None) -> float | None:
    """A finite number rounded to the microsecond, else None (JSON has no NaN)."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def error_class_of(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if 400 <= status < 500:
        return "client_error"
    return "server_error"
