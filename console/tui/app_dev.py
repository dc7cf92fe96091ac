"""A ready-built demo app for ``textual run --dev console.tui.app_dev:app`` (``make dev``)."""

from __future__ import annotations

from console.config import resolve
from console.factory import build_context
from console.tui.app import ConsoleApp

app = ConsoleApp(build_context(resolve(None, demo=True, wanted=None)))
