"""``inference-console audit verify [PATH]``: check the audit trail's hash chain."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, fail, fail_problems, say


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="check the audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "verify",
        help="exit 0 when the hash chain is whole, 1 naming the first broken record",
    )
    check.add_argument(
        "path", nargs="?", type=Path, help="audit file (default: [audit] path from the config)"
    )
    # --config (its [audit] path) and --demo (the simulated fleet's trail) are global options.
    check.set_defaults(func=run, ignores=("deployment", "scenario", "seed"))


def run(args: argparse.Namespace) -> int:
    from console.audit import verify
    from console.config import ConfigError, default_config_path, demo_audit_path, load_settings

    path: Path | None = args.path
    if path is None and getattr(args, "demo", False):
        path = demo_audit_path()
    if path is None:
        config = getattr(args, "config", None) or default_config_path()
        try:
            settings = load_settings(config if config.exists() else None)
        except ConfigError as err:
            return fail_problems(err)
        path = settings.audit.path
    verdict = verify(path)
    if verdict.ok:
        say(str(verdict))
        return EXIT_OK
    return fail(str(verdict), EXIT_FAILURE)
