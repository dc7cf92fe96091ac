"""What a screen reads from the app that runs it: the context, the chosen window, and whether
the app is the process. Screens ask for this, not for ``ConsoleApp``, so they do not import
the app that imports them."""

from __future__ import annotations

from typing import Protocol, cast, runtime_checkable

from textual.app import App

from console.context import AppContext


@runtime_checkable
class Host(Protocol):
    """The app, as its screens see it."""

    ctx: AppContext
    #: The sparklines' window (seconds), cycled by ``w``.
    window_s: float
    #: The app is the process (the command), not a test or an embedding.
    own_process: bool


_HOSTS: set[type[object]] = set()
"""App classes already checked: a protocol check looks up every member, and screens ask for
their host many times a second."""


def host_of(app: App[object]) -> Host:
    """``app`` as a :class:`Host` (every screen here runs in one)."""
    if type(app) not in _HOSTS:
        assert isinstance(app, Host), f"{type(app).__name__} does not host the console's screens"
        _HOSTS.add(type(app))
    return cast(Host, app)
