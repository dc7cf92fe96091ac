"""``inference-console prometheus rules``: the recording rules the console's queries can read."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_OK, EXIT_USAGE, fail, fail_problems

DESCRIPTION = """\
Print a Prometheus rules file recording, for each track of the configured deployments (the pods
of one Deployment, found as the console finds them), the rates and sums its panels read: one
group per track, series labelled namespace and track (the Deployment's name), named
level:metric:operation, e.g. namespace_track:vllm_time_to_first_token_seconds_bucket:rate1m.
Rates are recorded for [prometheus] recording_windows (default 1m, the dashboard's rate window,
and 5m, the gates window). Load the file into Prometheus (rule_files), then set
[prometheus] recording_rules = true. Regenerate it after changing [prometheus] or [[deployments]]:
the console refuses recorded series made from another configuration."""


def register(sub: Any) -> None:
    parser = sub.add_parser("prometheus", help="Prometheus helpers (recording rules)")
    actions = parser.add_subparsers(dest="prometheus_command", metavar="ACTION", required=True)
    rules = actions.add_parser(
        "rules",
        help="print recording rules for the configured deployments",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules.add_argument(
        "--profile", choices=("vllm", "tgi", "sglang"), help="server family (default: config)"
    )
    rules.add_argument(
        "--interval", metavar="DURATION", help="evaluation interval of the groups (default: global)"
    )
    # --config and --deployment (only this one; default: all) are the global options.
    rules.set_defaults(func=run, ignores=("demo", "scenario", "seed"))


def run(args: argparse.Namespace) -> int:
    from console.config import (
        DEMO_DEPLOYMENT,
        ConfigError,
        PrometheusConfig,
        default_config_path,
        load_settings,
    )
    from console.errors import SourceError
    from console.sources.prometheus_config import rule_groups
    from console.sources.recording import rules_yaml, window_name
    from console.units import parse_duration

    path: Path | None = getattr(args, "config", None)
    if path is None and default_config_path().exists():
        path = default_config_path()
    try:
        settings = load_settings(path)
        interval = ""
        if args.interval:
            seconds = parse_duration(args.interval)
            if not seconds >= 1 or seconds != round(seconds):
                raise ValueError
            interval = window_name(seconds)
    except ConfigError as err:
        return fail_problems(err)
    except ValueError:
        return fail(
            f"--interval: {args.interval!r}: not a whole number of seconds, 1s or more", EXIT_USAGE
        )
    prom = settings.prometheus or PrometheusConfig()
    if args.profile:
        prom = prom.model_copy(update={"profile": args.profile})
    deployments = settings.deployments or [DEMO_DEPLOYMENT]
    if getattr(args, "deployment", None):
        deployments = [d for d in deployments if d.name == args.deployment]
        if not deployments:
            return fail(f"--deployment: {args.deployment!r}: no such deployment", EXIT_USAGE)
    try:
        groups = rule_groups(prom, deployments)
    except SourceError as err:
        return fail(str(err), EXIT_USAGE)
    windows = ", ".join(window_name(w) for w in prom.recording_windows)
    header = [
        f"Recording rules for inference-console ({prom.profile}; rate windows {windows}),",
        f"generated from {path or 'the built-in demo deployment'} by",
        "`inference-console prometheus rules`. Regenerate after changing [prometheus] or",
        "[[deployments]]: each group's marker digest must match the console's configuration.",
    ]
    print(rules_yaml(groups, header, interval), end="")
    used = {("ui.rate_window", settings.ui.rate_window)}
    used |= {(f"{d.name} gates.window", d.gates.window) for d in deployments}
    for what, seconds in sorted(used):
        if round(seconds) not in {round(w) for w in prom.recording_windows}:
            print(
                f"inference-console: note: {what} {window_name(seconds)} is not in "
                f"[prometheus] recording_windows ({windows}): those queries stay raw",
                file=sys.stderr,
            )
    return EXIT_OK
