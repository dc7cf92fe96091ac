"""Status objects for failures, worded the way the API server words them."""

from __future__ import annotations

from typing import Any

from tests.fake_kube.resources import Resource

REASONS = {
    400: "BadRequest",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
}


class ApiError(Exception):
    """Raised by handlers; becomes a JSON Status body with ``code`` as the HTTP status."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or REASONS.get(code, "Unknown")
        self.details = details

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            out["details"] = self.details
        return out


def not_found(res: Resource, name: str) -> ApiError:
    return ApiError(
        404,
        f'{res.qualified} "{name}" not found',
        details={"name": name, "group": res.group, "kind": res.plural},
    )


def conflict(res: Resource, name: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details={"name": name, "group": res.group, "kind": res.plural},
    )


def already_exists(res: Resource, name: str) -> ApiError:
    return ApiError(
        409,
        f'{res.qualified} "{name}" already exists',
        reason="AlreadyExists",
        details={"name": name, "group": res.group, "kind": res.plural},
    )


def forbidden(
    res: Resource, name: str, user: str, verb: str, namespace: str, sub: str | None
) -> ApiError:
    resource = f"{res.plural}/{sub}" if sub else res.plural
    subject = f'{res.qualified} "{name}"' if name else res.qualified
    return ApiError(
        403,
        f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group '
        f'"{res.group}" in the namespace "{namespace}"',
        details={"name": name, "group": res.group, "kind": res.plural},
    )


def invalid(res: Resource, name: str, causes: list[tuple[str, str]]) -> ApiError:
    """``causes``: (field, message) pairs; the message joins them like the API server does."""
    text = ", ".join(f"{field}: {msg}" for field, msg in causes)
    if len(causes) > 1:
        text = "[" + text + "]"
    return ApiError(
        422,
        f'{res.kind}.{res.group or "core"} "{name}" is invalid: {text}'
        if res.group
        else f'{res.kind} "{name}" is invalid: {text}',
        details={
            "name": name,
            "group": res.group,
            "kind": res.kind,
            "causes": [
                {"reason": "FieldValueInvalid", "message": f"{field}: {msg}", "field": field}
                for field, msg in causes
            ],
        },
    )


UNSUPPORTED_PATCH = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)
