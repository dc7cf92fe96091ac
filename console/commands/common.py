"""Options and printing shared by the sub-commands (`--config`, `--demo`, `--deployment`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from console.config import Loaded, resolve
from console.errors import ProblemsError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", type=Path, metavar="FILE", help="configuration file (TOML)")
    group.add_argument("--demo", action="store_true", help="use the embedded simulated fleet")
    parser.add_argument("--deployment", metavar="NAME", help="deployment to use (default: first)")


def load(args: argparse.Namespace) -> Loaded:
    """Resolve ``--config``/``--demo``/``--deployment``. Raises ConfigError on any problem."""
    return resolve(
        getattr(args, "config", None),
        bool(getattr(args, "demo", False)),
        getattr(args, "deployment", None),
    )


def fail(message: str, status: int = EXIT_FAILURE) -> int:
    """Print one line to stderr and return the exit status."""
    print(f"inference-console: {message}", file=sys.stderr)
    return status


def fail_problems(err: ProblemsError, status: int = EXIT_USAGE) -> int:
    """Print each of ``err``'s problems on its own line and return the exit status."""
    for problem in err.problems:
        fail(problem)
    return status
