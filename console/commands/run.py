"""Running the console itself (no sub-command): options, config loading and clean exit."""

from __future__ import annotations

import argparse
import threading
from dataclasses import replace
from pathlib import Path

from console.commands.common import EXIT_OK, fail, fail_problems, load
from console.commands.options import add_global_options
from console.config import ConfigError
from console.config.sections import THEME_NAMES
from console.signals import stop_on_signals


def add_run_options(parser: argparse.ArgumentParser) -> None:
    add_global_options(parser, top=True)
    parser.add_argument("--theme", help=", ".join(THEME_NAMES))
    parser.add_argument(
        "--log-file",
        type=Path,
        metavar="PATH",
        help="follow this file in the log pane, like tail -F (overrides [logs] file)",
    )


def run(args: argparse.Namespace) -> int:
    import os

    from console.factory import build_context

    if os.environ.get("TERM", "dumb") in ("dumb", "unknown", ""):
        return fail(
            "TERM is dumb (or unset): this terminal cannot show the full-screen console; set "
            "TERM (e.g. xterm-256color) or use the sub-commands (snapshot, canary status …)",
            2,
        )

    try:
        loaded = load(args)
        if getattr(args, "log_file", None) is not None:
            logs = loaded.settings.logs.model_copy(update={"file": args.log_file})
            loaded = replace(loaded, settings=loaded.settings.model_copy(update={"logs": logs}))
        ctx = build_context(
            loaded, scenario=args.scenario, seed=args.seed, read_only=args.read_only
        )
    except ConfigError as err:
        return fail_problems(err)
    if args.theme and args.theme not in THEME_NAMES:
        return fail(f"--theme {args.theme!r}: must be one of {', '.join(THEME_NAMES)}")
    if args.theme:
        ctx.settings = ctx.settings.model_copy(
            update={"ui": ctx.settings.ui.model_copy(update={"theme": args.theme})}
        )
    from console.startup import resume_collector
    from console.tui.app import ConsoleApp

    resume_collector()  # the console is built: what start-up made is frozen (console.startup)
    app = ConsoleApp(ctx, own_process=True)
    cancel = threading.Event()
    with stop_on_signals(cancel):  # while the app runs its own handlers take precedence
        app.run()
        # However the app ended (a signal, a lost terminal), an action still running stops at
        # its next safe point and its outcome is audited before the process exits.
        if not app.wait_for_action():
            return fail("a canary action was still running when the console ended", 1)
    return app.return_code or EXIT_OK
