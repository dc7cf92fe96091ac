"""A ready-built demo app for ``textual run --dev console.tui.app_dev:app`` (``make dev``)."""

from __future__ import annotations

import argparse

from console.commands.common import load
from console.factory import build_context
from console.tui.app import ConsoleApp

app = ConsoleApp(build_context(load(argparse.Namespace(demo=True, config=None, deployment=None))))
