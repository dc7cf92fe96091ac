"""``inference-console canary status|step|revert|mirror``: the canary from scripts and CI.

Nothing is written without ``--yes``. Exit status: 0 done (or status shown), 1 failed,
2 bad usage or config, 3 refused (gates, read-only, nothing to do), 4 partial, 5 planned only."""

from __future__ import annotations

import argparse
import json
import math
import threading
from typing import TYPE_CHECKING, Any

from console.commands.common import (
    EXIT_OK,
    add_source_options,
    context,
    fail,
    fail_problems,
    say,
)
from console.signals import stop_on_signals

if TYPE_CHECKING:
    from console.canary import Action, CanaryController, Outcome, Plan, Progress

#: The controller's action for each sub-command (status shows what a step would do).
ACTIONS: dict[str, Action] = {
    "status": "step",
    "step": "step",
    "revert": "revert",
    "mirror": "mirror",
    "finish": "finish",
}

EXIT_FAILED = 1
EXIT_REFUSED = 3
EXIT_PARTIAL = 4
EXIT_PLANNED = 5
EXIT_CANCELLED = 6
EXIT_BY_OUTCOME = {
    "ok": EXIT_OK,
    "failed": EXIT_FAILED,
    "refused": EXIT_REFUSED,
    "partial": EXIT_PARTIAL,
    "cancelled": EXIT_CANCELLED,
}


def register(sub: Any) -> None:
    parser = sub.add_parser("canary", help="show, step, revert, mirror or finish the canary")
    actions = parser.add_subparsers(dest="canary_command", metavar="ACTION", required=True)
    for name, text in (
        ("status", "weights, replicas, next step and gate results"),
        ("step", "warm the canary, then shift it to the next weight of the plan"),
        ("revert", "make stable carry everything, then send all traffic to it"),
        ("mirror", "mirror a percentage of live traffic to the canary"),
        ("finish", "at 100%: scale the old stable down and record the release as complete"),
    ):
        action = actions.add_parser(name, help=text)
        add_source_options(action)
        action.add_argument("--json", action="store_true", help="print JSON")
        if name != "status":
            action.add_argument(
                "--yes",
                action="store_true",
                help="really change the cluster (otherwise only print the plan)",
            )
        if name == "revert":
            action.add_argument(
                "--emergency",
                action="store_true",
                help="shift everything to stable at once, without warming it",
            )
        if name == "mirror":
            action.add_argument("percent", type=mirror_percent, help="0..100")
        action.set_defaults(func=run)


def mirror_percent(text: str) -> float:
    """A mirror percentage: a finite number in 0..100 (else a usage error, exit 2)."""
    from console.canary.plan import MIN_MIRROR_PERCENT

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage in 0..100")
    if 0 < value < MIN_MIRROR_PERCENT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is below {MIN_MIRROR_PERCENT:g}%, the smallest mirror (0: none)"
        )
    return value


def run(args: argparse.Namespace) -> int:
    from console.config import ConfigError
    from console.errors import ConsoleError
    from console.factory import build_controller

    try:
        ctx = context(args)
        ctl = build_controller(ctx)
    except ConfigError as err:
        return fail_problems(err)
    command = args.canary_command
    action: Action = ACTIONS[command]
    if getattr(args, "emergency", False):
        action = "emergency-revert"
    try:
        plan, snapshot = ctl.plan(action, getattr(args, "percent", None))
    except ConsoleError as err:
        return fail(str(err))
    about = {"source": ctx.metrics.name, "simulated": ctx.demo or ctx.fleets != {}}
    if command == "status":
        _show(plan, args.json, about, status=True)
        return EXIT_OK
    if ctx.read_only:
        why = f" ({ctx.read_only_reason})" if ctx.read_only_reason else ""
        return fail(f"read-only mode: nothing that changes the cluster can run{why}", EXIT_REFUSED)
    if not args.yes or plan.refusal:
        _show(plan, args.json, about)
        if plan.refusal:
            return fail(f"refused: {plan.refusal}", EXIT_REFUSED)
        say("not changed: add --yes to carry this out", err=True)
        return EXIT_PLANNED
    if about["simulated"]:
        say("simulated fleet: no real cluster is changed", err=True)
    return _carry_out(ctl, plan, snapshot, args.json, about)


def _carry_out(
    ctl: CanaryController, plan: Plan, snapshot: Any, as_json: bool, about: dict[str, Any]
) -> int:
    """Run the action in a worker while this thread waits: SIGINT, SIGTERM, SIGHUP and SIGQUIT
    stop it at its next safe point (nothing more is written, never a new traffic shift), and its
    outcome is still printed and audited."""
    from console.errors import ConsoleError

    cancel = threading.Event()
    result: list[Outcome | BaseException] = []

    def progress(event: Progress) -> None:
        say(f"{event.phase}: {event.message}", err=True)

    def work() -> None:
        try:
            result.append(ctl.run(plan, snapshot, cancel, progress))
        except BaseException as err:  # handed to the main thread, which reports it
            result.append(err)

    worker = threading.Thread(target=work, name="canary-action")
    with stop_on_signals(cancel):
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    done = result[0]
    if isinstance(done, ConsoleError):
        return fail(f"{done}; nothing was changed")
    if isinstance(done, BaseException):
        raise done
    for repair in getattr(ctl.audit, "repairs", ()):
        say(f"audit trail: {repair}", err=True)
    if as_json:
        print(
            json.dumps(
                {
                    "action": plan.action,
                    "outcome": done.outcome,
                    "message": done.message,
                    "audited": done.audited,
                    "before": plan.before.as_record(),
                    "after": done.after.as_record() if done.after else None,
                    **about,
                }
            )
        )
    else:
        say(f"{plan.action}: {done.outcome}: {done.message}")
    if not done.audited:
        fail("the outcome could not be written to the audit trail")
        return EXIT_FAILED
    return EXIT_BY_OUTCOME[done.outcome]


def _show(plan: Plan, as_json: bool, about: dict[str, Any], status: bool = False) -> None:
    gates = plan.gates.results if plan.gates else ()
    if as_json:
        print(
            json.dumps(
                {
                    "weights": plan.before.as_record()["weights"],
                    "replicas": plan.before.as_record()["replicas"],
                    "mirror_percent": plan.before.mirror_percent or 0.0,
                    "canary_percent": plan.before.canary_percent,
                    "next": None
                    if status and plan.refusal.endswith("no step left")
                    else {
                        "action": plan.action,
                        "steps": plan.describe(),
                        "refusal": plan.refusal or None,
                    },
                    "observed_rps": plan.observed_rps,
                    "gates": [
                        {"name": g.name, "status": g.status.value, "detail": g.detail}
                        for g in gates
                    ],
                    **about,
                }
            )
        )
        return
    b = plan.before
    say(
        f"canary {b.canary_percent:g}%  weights {b.stable_weight}/{b.canary_weight}  "
        f"replicas stable {b.stable_replicas} canary {b.canary_replicas}  "
        f"mirror {b.mirror_percent or 0:g}%"
    )
    for g in gates:
        say(f"  gate {g.name:<12} {g.status.value:<12} {g.detail}")
    say(f"{'next' if status else 'plan'}: {plan.action}")
    for line in plan.describe():
        say(f"  - {line}")
    if plan.refusal:
        say(f"  refused: {plan.refusal}")
