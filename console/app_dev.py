"""A ready-built demo app for ``textual run --dev console.app_dev:app`` (``make dev``)."""

from __future__ import annotations

import argparse

from console.app import ConsoleApp
from console.commands.common import load
from console.factory import build_context

app = ConsoleApp(build_context(load(argparse.Namespace(demo=True, config=None, deployment=None))))
