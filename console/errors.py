"""Errors that sources and the core raise; each carries a message fit to show the operator."""

from __future__ import annotations


class ConsoleError(Exception):
    """Base class: ``str(err)`` is a one-line message safe to show (no secrets)."""


class ProblemsError(ConsoleError):
    """Refused for one or more precise reasons; ``problems`` holds one line each (the CLI prints
    each on its own line, ``str(err)`` joins them with ``separator``)."""

    separator = "\n"

    def __init__(self, problems: list[str]) -> None:
        super().__init__(self.separator.join(problems))
        self.problems = problems


class ConfigError(ProblemsError):
    """A configuration that cannot be used."""


class SourceError(ConsoleError):
    """A metrics, cluster or log backend could not answer."""


class ConflictError(SourceError):
    """The object changed since we read it (HTTP 409): someone else wrote it."""


class ForbiddenError(SourceError):
    """The cluster refused the request (HTTP 403)."""


class NotFoundError(SourceError):
    """The object does not exist (HTTP 404)."""


class UnsupportedError(SourceError):
    """The router cannot do this on this cluster (a schema without the field, a KServe mode
    where the split does nothing); nothing was written."""


class NotStoredError(SourceError):
    """The API server accepted a write but stored something other than what was written (an
    older schema dropped a field): the message says what is in force now."""


class WarmTimeout(ConsoleError):
    """The canary's replicas did not become ready in time: traffic was not shifted."""


class Cancelled(ConsoleError):
    """The operator cancelled a running action."""
