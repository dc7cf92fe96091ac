"""Options and printing shared by the sub-commands (`--config`, `--demo`, `--deployment`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from console.config import Loaded, resolve
from console.errors import ProblemsError
from console.outside import inert

if TYPE_CHECKING:
    from console.context import AppContext

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The global options (``--config``, ``--demo``, ``--deployment``, ``--read-only``,
    ``--scenario``, ``--seed``) on a sub-command's parser, honoured before or after it."""
    from console.commands.options import add_global_options

    add_global_options(parser)


def load(args: argparse.Namespace) -> Loaded:
    """Resolve ``--config``/``--demo``/``--deployment``. Raises ConfigError on any problem."""
    return resolve(
        getattr(args, "config", None),
        bool(getattr(args, "demo", False)),
        getattr(args, "deployment", None),
    )


def context(args: argparse.Namespace, *, read_only: bool = False) -> AppContext:
    """The console's backends for a sub-command, with every global option applied
    (``read_only``: the command itself never writes). Raises ConfigError."""
    from console.factory import build_context

    return build_context(
        load(args),
        scenario=getattr(args, "scenario", None),
        seed=getattr(args, "seed", None),
        read_only=read_only or bool(getattr(args, "read_only", False)),
    )


def fail(message: str, status: int = EXIT_FAILURE) -> int:
    """Print one line to stderr (through the outside-text boundary) and return the status."""
    say(f"inference-console: {message}", err=True)
    return status


def say(text: str, *, err: bool = False) -> None:
    """Print ``text`` on stdout (or stderr): outside text in it (names, server messages) made
    inert, also when the output is not a terminal. Lines are kept; each is cleaned."""
    lines = [inert(line, limit=100_000) for line in text.split("\n")]
    print("\n".join(lines), file=sys.stderr if err else sys.stdout, flush=err)


def fail_problems(err: ProblemsError, status: int = EXIT_USAGE) -> int:
    """Print each of ``err``'s problems on its own line and return the exit status."""
    for problem in err.problems:
        fail(problem)
    return status
