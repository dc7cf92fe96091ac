"""Running the console itself (no sub-command): options, config loading and clean exit."""

from __future__ import annotations

import argparse

from console.commands.common import EXIT_OK, EXIT_USAGE, add_source_options, fail, load
from console.config import SCENARIOS, ConfigError


def add_run_options(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="watch only: every command that changes the cluster is disabled",
    )
    parser.add_argument(
        "--scenario", choices=SCENARIOS, help="simulated fleet scenario (default: healthy)"
    )
    parser.add_argument("--seed", type=int, help="simulated fleet random seed")
    parser.add_argument("--theme", help="console-dark, console-light or console-colorblind")


def run(args: argparse.Namespace) -> int:
    from console.factory import build_context

    try:
        loaded = load(args)
        ctx = build_context(
            loaded, scenario=args.scenario, seed=args.seed, read_only=args.read_only
        )
    except ConfigError as err:
        for problem in err.problems:
            fail(problem)
        return EXIT_USAGE
    if args.theme:
        ctx.settings = ctx.settings.model_copy(
            update={"ui": ctx.settings.ui.model_copy(update={"theme": args.theme})}
        )
    from console.app import ConsoleApp

    ConsoleApp(ctx).run()
    return EXIT_OK
