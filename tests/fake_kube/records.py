"""What the fake records and injects: requests as received, faults to answer with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request as received: ``body`` is the parsed JSON (or None), ``time`` is monotonic."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: Any
    time: float
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


@dataclass
class Fault:
    verb: str
    rule: str  # "deployments/scale", "httproutes", ...
    status: int  # 0 = drop the connection without answering
    times: int
    message: str | None = None  # the Status message (default: "injected <status>")
    stall_s: float = 0.0  # hold the request this long before answering
    late: bool = False  # strike after the write is done (it stays done)


class DropConnection(Exception):
    pass
