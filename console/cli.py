"""The ``inference-console`` command: the console itself, or one of its scriptable sub-commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from console import __version__

#: Modules under console.commands; each has ``register(subparsers)`` setting ``func=run``.
COMMAND_MODULES: tuple[str, ...] = (
    "cost",
    "canary",
    "audit",
    "snapshot",
    "sim",
    "prometheus",
    "request",
    "loadtest",
    "probe",
    "shadow",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inference-console",
        description="Operate live LLM inference deployments from the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    from console.commands.run import add_run_options

    add_run_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"console.commands.{name}").register(sub)
    from console.commands.options import add_everywhere

    add_everywhere(parser)
    return parser


def entry() -> int:
    """The process's entry point (the ``inference-console`` script, ``python -m console``):
    ``main`` with the collector paused until the command is built (``console.startup``)."""
    from console.startup import pause_collector, resume_collector

    pause_collector()
    try:
        return main()
    finally:
        resume_collector()


def main(argv: Sequence[str] | None = None) -> int:
    """The command; an unexpected error is one line and a crash file, never a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from console.commands.common import fail
        from console.crash import one_line

        return fail(one_line(error))


def _main(argv: Sequence[str] | None) -> int:
    from console.commands.common import EXIT_USAGE, fail
    from console.commands.options import check, command_words

    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    problems = check(args, command_words(words, parser))
    if problems:
        for problem in problems:
            fail(problem)
        return EXIT_USAGE
    func = getattr(args, "func", None)
    if func is None:
        from console.commands.run import run

        return run(args)  # resumes collecting once the console is built
    from console.startup import resume_collector

    resume_collector()
    status: int = func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
