"""``inference-console sim serve``: the simulated fleet as an OpenAI-compatible server with
Prometheus ``/metrics``, for a real Prometheus to scrape and real clients to call."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail
from console.config import DEMO_DEPLOYMENT


def register(sub: Any) -> None:
    parser = sub.add_parser("sim", help="the simulated fleet, served over HTTP")
    actions = parser.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve /v1/models, /v1/completions, /v1/chat/completions and /metrics",
        description=(
            "Serve the simulated fleet: an OpenAI-compatible API whose timing follows the "
            "simulation, and Prometheus /metrics with per-pod vLLM series, kube-state-metrics "
            "replica gauges, DCGM GPU gauges and cAdvisor CPU/memory. Runs until interrupted."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    serve.add_argument("--model", default=DEMO_DEPLOYMENT.model or "llama-3-8b")
    pace = serve.add_argument_group(
        "injected pace (per track: 'canary=80ms'; without a track: both)",
        "Fixed timings instead of the simulation's, so a load test or the capacity probe has a "
        "known answer. /stable/v1 and /canary/v1 reach one track each.",
    )
    for flag, what in (
        ("--ttft", "time to first token, e.g. 50ms"),
        ("--itl", "inter-token latency, e.g. 10ms"),
        ("--capacity", "requests/s each replica starts; more wait in its queue"),
        ("--replicas", "replicas behind the track (with --capacity; default 1)"),
    ):
        pace.add_argument(flag, action="append", default=[], metavar="[TRACK=]VALUE", help=what)
    # --scenario and --seed are the global options (default: healthy, seed 7).
    serve.set_defaults(func=run, ignores=("config", "deployment"))


def run(args: argparse.Namespace) -> int:
    import asyncio

    from console.clock import SystemClock
    from console.sim import SimFleet
    from console.sim.serve import build_app, start
    from console.sim.serve_pace import build_pacing

    scenario = getattr(args, "scenario", None) or "healthy"
    seed = 7 if getattr(args, "seed", None) is None else args.seed
    if not 0 <= args.port <= 65535:
        return fail(f"--port: {args.port}: not a port number (0-65535)", EXIT_USAGE)
    try:
        pacing = build_pacing(args.ttft, args.itl, args.capacity, args.replicas)
    except ValueError as err:
        return fail(str(err), EXIT_USAGE)
    fleet = SimFleet(
        scenario=scenario, seed=seed, deployment=DEMO_DEPLOYMENT.spec(),
        clock=SystemClock(),
    )  # fmt: skip

    async def serve() -> None:
        runner, port = await start(build_app(fleet, args.model, seed, pacing), args.host, args.port)
        print(
            f"serving the simulated fleet ({scenario}, seed {seed}) on "
            f"http://{args.host}:{port}  (/v1, /metrics; Ctrl-C stops)",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        return EXIT_OK
    except OSError as err:
        return fail(
            f"cannot listen on {args.host}:{args.port}: {err.strerror or err}", EXIT_FAILURE
        )
    return EXIT_OK
