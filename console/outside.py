"""The one boundary outside text crosses on its way to a sink.

Server messages, log lines, object names, configuration values and error texts reach a toast,
a dialog, stdout/stderr, a file, an audit record or a Kubernetes Event only through ``inert``:
credentials masked (``Bearer ***``, ``Basic ***``, and any secret the caller knows), terminal
escape sequences removed and other control characters made visible (``widgets.safe_text``, the
same cleaning the widgets apply), and the length bounded. JSON output needs no more: its encoder
escapes every control character."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from widgets.safe_text import clean

#: Longest text a sink is given (a 20 MB error body is a bug report, not a message).
MAX_CHARS: Final = 2000

# "Authorization: Bearer abc…", "bearer=abc…", "Basic dXNlcjpw…": the credential, whatever the
# scheme's case; the scheme stays so that the reader knows what was there.
_CREDENTIAL: Final = re.compile(r"(?i)\b(bearer|basic)(\s+|\s*[:=]\s*)([A-Za-z0-9._~+/=-]{4,})")
_URL_PASSWORD: Final = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")


def inert(text: object, secrets: Iterable[str] = (), limit: int = MAX_CHARS) -> str:
    """``text`` fit for any sink: secrets masked, no escape sequence, no invisible control, at
    most ``limit`` characters (then a marker says how many were cut)."""
    out = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, "***")
    out = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}***", out)
    out = _URL_PASSWORD.sub(r"\1***\3", out)
    out = clean(out)
    if len(out) > limit:
        out = f"{out[:limit]}… ({len(out) - limit} more characters)"
    return out


def inert_record(value: Any, secrets: Iterable[str] = ()) -> Any:
    """Every string in a JSON-like value (dicts, lists, keys too) made inert; numbers and other
    values as they are."""
    keep = tuple(secrets)
    if isinstance(value, str):
        return inert(value, keep)
    if isinstance(value, dict):
        return {inert(str(k), keep): inert_record(v, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_record(v, keep) for v in value]
    return value
