"""``inference-console canary status|step|revert|mirror``: the canary from scripts and CI.

Nothing is written without ``--yes``. Exit status: 0 done (or status shown), 1 failed,
2 bad usage or config, 3 refused (gates, read-only, nothing to do), 4 partial, 5 planned only,
6 carried out but its outcome could not be written to the audit trail."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import TYPE_CHECKING, Any

from console.commands.common import EXIT_OK, EXIT_USAGE, add_source_options, fail, load

if TYPE_CHECKING:
    from console.canary import CanaryController, Outcome, Progress
    from console.canary_plan import Plan

EXIT_FAILED = 1
EXIT_REFUSED = 3
EXIT_PARTIAL = 4
EXIT_PLANNED = 5
EXIT_UNAUDITED = 6
EXIT_BY_OUTCOME = {
    "ok": EXIT_OK,
    "failed": EXIT_FAILED,
    "refused": EXIT_REFUSED,
    "partial": EXIT_PARTIAL,
}


def register(sub: Any) -> None:
    parser = sub.add_parser("canary", help="show, step, revert or mirror the canary")
    actions = parser.add_subparsers(dest="canary_command", metavar="ACTION", required=True)
    for name, text in (
        ("status", "weights, replicas, next step and gate results"),
        ("step", "warm the canary, then shift it to the next weight of the plan"),
        ("revert", "make stable carry everything, then send all traffic to it"),
        ("mirror", "mirror a percentage of live traffic to the canary"),
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
            action.add_argument(
                "--read-only", action="store_true", help="refuse to change anything"
            )
        if name == "revert":
            action.add_argument(
                "--emergency",
                action="store_true",
                help="shift everything to stable at once, without warming it",
            )
        if name == "mirror":
            action.add_argument("percent", type=float, help="0..100")
        action.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from console.config import ConfigError
    from console.errors import ConsoleError
    from console.factory import build_context, build_controller

    try:
        ctx = build_context(load(args), read_only=getattr(args, "read_only", False))
        ctl = build_controller(ctx)
    except ConfigError as err:
        for problem in err.problems:
            fail(problem)
        return EXIT_USAGE
    command = args.canary_command
    action = "emergency-revert" if getattr(args, "emergency", False) else command
    try:
        plan, snapshot = ctl.plan(
            "step" if command == "status" else action, getattr(args, "percent", None)
        )
    except ConsoleError as err:
        return fail(str(err))
    if command == "status":
        _show(plan, args.json, status=True)
        return EXIT_OK
    if ctx.read_only:
        why = f" ({ctx.notice})" if ctx.notice else ""
        return fail(f"read-only mode: nothing that changes the cluster can run{why}", EXIT_REFUSED)
    if not args.yes or plan.refusal:
        _show(plan, args.json)
        if plan.refusal:
            return fail(f"refused: {plan.refusal}", EXIT_REFUSED)
        print("not changed: add --yes to carry this out", file=sys.stderr)
        return EXIT_PLANNED
    return _carry_out(ctl, plan, snapshot, args.json)


def _carry_out(ctl: CanaryController, plan: Plan, snapshot: Any, as_json: bool) -> int:
    def progress(event: Progress) -> None:
        print(f"{event.phase}: {event.message}", file=sys.stderr)

    from console.errors import ConsoleError

    try:
        result: Outcome = ctl.run(plan, snapshot, threading.Event(), progress)
    except ConsoleError as err:
        return fail(f"{err}; nothing was changed")
    for repair in getattr(ctl.audit, "repairs", ()):
        print(f"audit trail: {repair}", file=sys.stderr)
    if as_json:
        print(
            json.dumps(
                {
                    "action": plan.action,
                    "outcome": result.outcome,
                    "message": result.message,
                    "before": plan.before.as_record(),
                    "after": result.after.as_record() if result.after else None,
                }
            )
        )
    else:
        print(f"{plan.action}: {result.outcome}: {result.message}")
    if result.audit_error:
        return fail(f"the outcome was not audited: {result.audit_error}", EXIT_UNAUDITED)
    return EXIT_BY_OUTCOME[result.outcome]


def _show(plan: Plan, as_json: bool, status: bool = False) -> None:
    gates = plan.gates.results if plan.gates else ()
    if as_json:
        print(
            json.dumps(
                {
                    "weights": plan.before.as_record()["weights"],
                    "replicas": plan.before.as_record()["replicas"],
                    "mirror_percent": plan.before.mirror_percent,
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
                }
            )
        )
        return
    b = plan.before
    print(
        f"canary {b.canary_percent:g}%  weights {b.stable_weight}/{b.canary_weight}  "
        f"replicas stable {b.stable_replicas} canary {b.canary_replicas}  "
        f"mirror {b.mirror_percent or 0:g}%"
    )
    for g in gates:
        print(f"  gate {g.name:<12} {g.status.value:<12} {g.detail}")
    print(f"{'next' if status else 'plan'}: {plan.action}")
    for line in plan.describe():
        print(f"  - {line}")
    if plan.refusal:
        print(f"  refused: {plan.refusal}")
