"""Entry point for ``python -m console``."""

from console.cli import entry

raise SystemExit(entry())
