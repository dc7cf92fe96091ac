"""``inference-console audit verify|anchor [PATH]``: check the audit trail's hash chain and its
end against its head file; anchor a trail that has no head yet."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, fail_problems, say


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="check the audit trail")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "verify",
        help="exit 0 when the hash chain is whole and reaches its head, 1 naming the first "
        "break, 2 when there is no trail",
    )
    anchor = actions.add_parser(
        "anchor",
        help="record the head of a trail whose chain is whole (a trail from before head "
        "files, or one whose loss you accept)",
    )
    for action in (check, anchor):
        action.add_argument(
            "path", nargs="?", type=Path, help="audit file (default: [audit] path from the config)"
        )
    # --config (its [audit] path) and --demo (the simulated fleet's trail) are global options.
    check.set_defaults(func=run, ignores=("deployment", "scenario", "seed"))
    anchor.set_defaults(func=run_anchor, ignores=("deployment", "scenario", "seed"))


def _path(args: argparse.Namespace) -> Path | int:
    """The trail named, the demo trail with ``--demo``, else ``[audit] path`` from the config;
    an exit status when the config is bad."""
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
    return path


def run(args: argparse.Namespace) -> int:
    from console.audit import verify

    path = _path(args)
    if isinstance(path, int):
        return path
    verdict = verify(path)
    if verdict.ok:
        say(str(verdict))
        return EXIT_OK
    return fail(str(verdict), EXIT_USAGE if verdict.missing else EXIT_FAILURE)


def run_anchor(args: argparse.Namespace) -> int:
    from console.audit_anchor import anchor
    from console.errors import ConsoleError

    path = _path(args)
    if isinstance(path, int):
        return path
    try:
        said = anchor(path.expanduser())
    except ConsoleError as err:
        return fail(str(err), EXIT_FAILURE)
    say(said)
    return EXIT_OK
