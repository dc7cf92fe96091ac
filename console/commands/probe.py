"""``inference-console probe``: the capacity probe — a sweep against one replica's endpoint that
finds the highest rate it holds within the SLOs; asked first, the answer is stored beside the
configuration (never in it) as the deployment's measured ``replica_capacity_rps``.

Exit status: 0 a capacity was found, 1 not even the first rate held, 2 bad usage or
configuration, 3 refused (read-only), 5 not confirmed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load
from console.commands.traffic_common import add_options

#: Without --slo: the dashboard's default warn thresholds for p99 TTFT and ITL.
DEFAULT_SLOS = ("ttft=2s", "tpot=100ms")


def register(sub: Any) -> None:
    from console.commands.loadtest import add_load_options

    parser = sub.add_parser(
        "probe", help="find the rate one replica holds within the SLOs (capacity probe)"
    )
    add_options(parser)
    add_load_options(parser)
    parser.add_argument("--start-rps", type=float, default=1.0, metavar="R")
    parser.add_argument("--max-rps", type=float, default=1000.0, metavar="R")
    parser.add_argument("--step", default="10s", metavar="TIME", help="each rate's time")
    parser.add_argument("--precision", type=float, default=0.05, metavar="SHARE")
    parser.add_argument(
        "--replicas", type=int, default=1, metavar="N", help="replicas behind the endpoint"
    )
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--store", action="store_true", help="store the result without asking")
    store.add_argument("--no-store", action="store_true", help="never store the result")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from console.commands.loadtest import _step, build
    from console.config import ConfigError
    from console.traffic.endpoints import EndpointError
    from console.traffic.generator import PlanError
    from console.traffic.prompts import PromptError

    try:
        loaded = load(args)
        if not args.slo:
            args.slo = list(DEFAULT_SLOS)
        plan, prompts, slos = build(args, "constant", rate=args.start_rps)
        step_s = _step(args.step)
        if not 0 < args.start_rps <= args.max_rps <= 100_000:
            raise ValueError("--start-rps and --max-rps: 0 < start ≤ max ≤ 100000")
        if not 0.005 <= args.precision <= 0.5:
            raise ValueError("--precision: a share in 0.005..0.5")
        if not 1 <= args.replicas <= 10_000:
            raise ValueError("--replicas: a whole number in 1..10000")
    except ConfigError as err:
        return fail("\n".join(err.problems), EXIT_USAGE)
    except (ValueError, PlanError, PromptError) as err:
        return fail(str(err), EXIT_USAGE)
    try:
        return _probe(args, loaded, plan, prompts, slos, step_s)
    except EndpointError as err:
        return fail(str(err), EXIT_USAGE)


def _probe(args: Any, loaded: Any, plan: Any, prompts: Any, slos: Any, step_s: float) -> int:
    import asyncio

    from console.commands.loadtest import ProgressLine
    from console.commands.traffic_common import confirmed, endpoints
    from console.outside import inert
    from console.traffic.probe_result import probe_document
    from console.traffic.sweep import describe_slos, probe

    what = (
        f"capacity probe: from {args.start_rps:g} req/s doubling, then bisecting, "
        f"{step_s:g} s per rate, up to {args.max_rps:g} req/s, SLOs {describe_slos(slos)}"
    )
    bar = ProgressLine(enabled=not args.json and sys.stderr.isatty())
    with endpoints(loaded, (args.track,), args.api, args) as (endpoint,):
        refused = confirmed(loaded, [endpoint], what, args)
        if refused is not None:
            return refused
        print(f"{what} → {inert(endpoint.label)}", file=sys.stderr)
        result = asyncio.run(
            probe(
                endpoint,
                plan,
                iter(prompts),
                slos,
                start_rps=args.start_rps,
                max_rps=args.max_rps,
                step_s=step_s,
                precision=args.precision,
                replicas=args.replicas,
                progress=lambda rate, p: bar.show(p, f"{rate:g} req/s"),
            )
        )
    bar.done()
    document = probe_document(endpoint, result, slos, prompts.describe())
    if args.json:
        print(json.dumps(document, indent=2, allow_nan=False))
    else:
        for verdict in result.verdicts:
            mark = "holds" if verdict.holds else "fails"
            print(f"{verdict.rate:10.2f} req/s  {mark}  {inert(verdict.why)}")
        if result.per_replica_rps is not None:
            print(
                f"capacity: {result.per_replica_rps:.2f} req/s per replica "
                f"(configured: {loaded.deployment.replica_capacity_rps:g})"
            )
        else:
            print(f"no capacity found: {inert(result.reason)}")
    if result.per_replica_rps is None:
        return EXIT_FAILURE
    _maybe_store(args, loaded, result, document)
    return EXIT_OK


def _maybe_store(args: Any, loaded: Any, result: Any, document: dict[str, Any]) -> None:
    from console.config.capacity import StoredCapacity, save

    if args.no_store:
        return
    name = loaded.deployment.name
    if not args.store:
        if not sys.stdin.isatty():
            print("not stored: add --store to keep it as the replica capacity", file=sys.stderr)
            return
        print(
            f"Store {result.per_replica_rps:.2f} req/s as {name}'s replica capacity "
            "(beside the configuration, not in it)? [y/N] ",
            end="",
            file=sys.stderr,
        )
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print("not stored", file=sys.stderr)
            return
    stored = StoredCapacity(
        rps=round(result.per_replica_rps, 3),
        measured_at=document["measured_at"],
        how=result.how,
        track=args.track,
        replicas=args.replicas,
    )
    try:
        path = save(stored, name, None if loaded.demo else loaded.config_path)
    except OSError as err:
        fail(f"cannot store the capacity: {err.strerror or err}", EXIT_FAILURE)
        return
    print(f"stored in {path}", file=sys.stderr)
