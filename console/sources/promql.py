"""A small client for the Prometheus HTTP API (instant and range queries) built on httpx.

Why not prometheus-api-client: it has no timeout unless one is passed (a dead server can hang a
worker), brings a second HTTP stack (requests) beside httpx, and reports a failed query as
``HTTP Status Code 400 (b'...')`` — the raw body, not Prometheus's own ``error`` text, which is
what an operator needs to fix a bad query. Here one ``httpx.Client`` keeps connections alive between
refreshes, every request has a timeout, and 400/422/503 answers become ``SourceError`` carrying
Prometheus's ``errorType: error`` text. The bearer token goes only into the Authorization header:
it is never logged and never part of an error message — every message is passed through
``Redactor`` (the token itself, any bearer or basic credential, a URL's password), because a proxy
in front of Prometheus may echo the request's headers in its error body. An answer larger than
``max_bytes`` is refused while it is read (a dashboard query never needs megabytes; one that
returns them would otherwise hold hundreds of megabytes of parsed JSON).
"""

from __future__ import annotations

import json
import math
import re
import ssl
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import BaseModel, ConfigDict

from console.errors import SourceError

#: The largest answer read by default (``[prometheus] max_response_bytes``).
MAX_RESPONSE_BYTES = 8 * 2**20
#: An Authorization header's value, as a proxy might echo it (up to a quote, comma or line end).
_HEADER = re.compile(r"""(?i)(authorization["']?\s*[:=]\s*["']?)([^"'\r\n,}]+)""")
#: A bearer or basic credential: a token-like word (a digit or punctuation in it, 8+ long).
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)([A-Za-z0-9._~+/=-]{8,})")
_URL_PASSWORD = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*:)([^@/\s]+)@")


def _credential(match: re.Match[str]) -> str:
    word = match.group(3)
    if word.isalpha():  # "bearer authentication", not a token
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}***"


class Redactor:
    """Takes credentials out of text that may echo them: ``secrets`` verbatim (the configured
    token, a URL's password), and any ``Bearer``/``Basic`` credential or URL password."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = _HEADER.sub(lambda m: f"{m.group(1)}***", text)
        text = _CREDENTIAL.sub(_credential, text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}***@", text)


class Sample(BaseModel):
    """One instant-vector element (or a scalar, with no labels)."""

    model_config = ConfigDict(frozen=True)

    labels: dict[str, str]
    timestamp: float
    value: float


class Series(BaseModel):
    """One range-query series: ``points`` are (unix seconds, value) pairs in time order."""

    model_config = ConfigDict(frozen=True)

    labels: dict[str, str]
    points: list[tuple[float, float]]


def display_url(url: str) -> str:
    """``url`` without any user:password part, fit for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


class PrometheusClient:
    """Queries one Prometheus-compatible server over a kept-alive connection pool; ``close()``
    it (or use it in ``with``) when done."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        bearer_token: str | None = None,
        ca_file: Path | str | None = None,
        insecure_skip_verify: bool = False,
        transport: httpx.BaseTransport | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.url = url.rstrip("/")
        self.shown_url = display_url(self.url)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.redact = Redactor((bearer_token or "", urlsplit(self.url).password or ""))
        headers = {"Accept": "application/json"}
        base_url = self.url
        if bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
            base_url = self.shown_url  # user:password in the URL would replace the token

        try:
            verify: bool | ssl.SSLContext = True
            if insecure_skip_verify:
                verify = False
            elif ca_file is not None:
                verify = ssl.create_default_context(cafile=str(ca_file))
            self._client = httpx.Client(
                base_url=base_url,
                headers=headers,
                timeout=timeout,
                verify=verify,
                transport=transport,
                follow_redirects=False,
            )
        except httpx.InvalidURL as err:
            raise SourceError(self.redact(f"Prometheus URL {self.shown_url!r}: {err}")) from None
        except (OSError, ssl.SSLError) as err:
            raise SourceError(f"Prometheus TLS settings: {ca_file}: {err}") from None
        self.last_warnings: list[str] = []

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- queries ---------------------------------------------------------------------------

    def query(self, expr: str, at: datetime | float | None = None) -> list[Sample]:
        """Evaluate ``expr`` at ``at`` (default: the server's now)."""
        form = {"query": expr}
        if at is not None:
            form["time"] = _timestamp(at)
        data = self._post("/api/v1/query", form)
        kind, result = data.get("resultType"), data.get("result")
        if not isinstance(result, list):
            raise self._shape_error()
        try:
            if kind == "vector":
                return [
                    Sample(labels=r.get("metric", {}), timestamp=r["value"][0], value=r["value"][1])
                    for r in result
                ]
            if kind == "scalar":
                return [Sample(labels={}, timestamp=result[0], value=result[1])]
        except (KeyError, IndexError, TypeError, ValueError):
            raise self._shape_error() from None
        if kind == "matrix":
            raise SourceError(f"query returns a range vector, not an instant value: {expr}")
        raise self._shape_error()

    def query_range(
        self, expr: str, start: datetime | float, end: datetime | float, step: float
    ) -> list[Series]:
        """Evaluate ``expr`` from ``start`` to ``end`` every ``step`` seconds."""
        form = {
            "query": expr,
            "start": _timestamp(start),
            "end": _timestamp(end),
            "step": _number(step),
        }
        data = self._post("/api/v1/query_range", form)
        if data.get("resultType") != "matrix":
            raise self._shape_error()
        try:
            return [
                Series(
                    labels=r.get("metric", {}),
                    points=[(float(t), float(v)) for t, v in r["values"]],
                )
                for r in data["result"]
            ]
        except (KeyError, TypeError, ValueError):
            raise self._shape_error() from None

    def scalar(self, expr: str, at: datetime | float | None = None) -> float | None:
        """The single value of ``expr``; None when it selects nothing (missing series)."""
        samples = self.query(expr, at)
        if not samples:
            return None
        if len(samples) > 1:
            raise SourceError(f"expected one value, got {len(samples)} series from: {expr}")
        value = samples[0].value
        return None if math.isnan(value) else value

    # -- transport -------------------------------------------------------------------------

    def get_json(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """The ``data`` of a GET API answer (``/api/v1/targets``), with the same checks."""
        return self._request("GET", path, params=params)

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        return self._request("POST", path, data=form)

    def _request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            return self._answer(method, path, data, params)
        except SourceError as err:
            raise SourceError(self.redact(str(err))) from None

    def _read(self, response: httpx.Response) -> bytes:
        """The body, refused past ``max_bytes`` (by its declared length, else while reading).
        Chunks are joined once at the end: one allocation the allocator gives back whole."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded: a gzipped answer counts as it expands
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> SourceError:
        return SourceError(
            f"Prometheus at {self.shown_url} answered more than {_size(self.max_bytes)} "
            "(prometheus.max_response_bytes): the query selects far too many series"
        )

    def _answer(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None,
        params: dict[str, str] | None,
    ) -> dict[str, Any]:
        where = self.shown_url
        try:
            with self._client.stream(method, path, data=data, params=params) as response:
                raw = self._read(response)
        except httpx.TimeoutException:
            raise SourceError(
                f"cannot reach Prometheus at {where}: no answer within {_number(self.timeout)}s"
            ) from None
        except httpx.HTTPError as err:
            raise SourceError(f"cannot reach Prometheus at {where}: {_reason(err)}") from None
        except httpx.InvalidURL as err:
            raise SourceError(f"Prometheus URL {where!r}: {err}") from None
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            body = None
        # Redacted whole, before any cut: a cut could leave half a token no pattern knows.
        text = self.redact(raw.decode("utf-8", "replace")[:65536]) if body is None else ""
        del raw
        if isinstance(body, dict) and body.get("status") == "error":
            kind = body.get("errorType") or f"HTTP {response.status_code}"
            # As Prometheus worded it (the sinks make it inert), credentials taken out.
            message = self.redact(str(body.get("error", "(no message)")))
            raise SourceError(f"Prometheus at {where}: {self.redact(str(kind))}: {message}")
        if response.status_code in (401, 403):
            raise SourceError(
                f"Prometheus at {where} refused the request (HTTP {response.status_code}): "
                "check the bearer token"
            )
        if response.status_code != 200:
            raise SourceError(
                f"Prometheus at {where} answered HTTP {response.status_code}: "
                f"{_snippet(text or self.redact(json.dumps(body)[:65536]))}"
            )
        if not isinstance(body, dict):
            raise SourceError(
                f"Prometheus at {where} answered with something that is not JSON "
                f"({_snippet(text)}): is this the Prometheus API?"
            )
        if body.get("status") != "success" or not isinstance(body.get("data"), dict):
            raise self._shape_error()
        warnings = body.get("warnings")
        self.last_warnings = (
            [self.redact(str(w)) for w in warnings] if isinstance(warnings, list) else []
        )
        result: dict[str, Any] = body["data"]
        return result

    def _shape_error(self) -> SourceError:
        return SourceError(
            f"Prometheus at {self.shown_url} answered JSON of an unexpected shape: "
            "is this the Prometheus HTTP API?"
        )


def _timestamp(at: datetime | float) -> str:
    return _number(at.timestamp() if isinstance(at, datetime) else float(at))


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} bytes"


def _reason(err: httpx.HTTPError) -> str:
    text = str(err) or type(err).__name__
    lowered = text.lower()
    if "connection refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "unknown host"
    return text.splitlines()[0][:200]


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    printable = "".join(c if c.isprintable() else "?" for c in flat)
    if not printable:
        return "empty body"
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"
