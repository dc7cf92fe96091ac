"""What ``request``, ``loadtest``, ``probe`` and ``shadow`` share: the endpoint of a track (from
config, or the simulator on loopback with ``--demo``), the confirmation before load, SLO and
size options, and printing a summary."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from console.commands.common import Loaded, add_source_options
from console.outside import inert
from console.traffic.endpoints import Endpoint, TrackName, resolve, simulated
from console.traffic.stats import Slos

EXIT_REFUSED = 3
EXIT_NOT_CONFIRMED = 5
#: ``--demo``: what one simulated replica holds, and the replicas behind each track's endpoint
#: (the demo's configured ``replica_capacity_rps`` is 4: ``probe --demo`` measures this).
DEMO_CAPACITY_RPS = 8.0
DEMO_REPLICAS = {"stable": 4, "canary": 1}


def add_options(parser: argparse.ArgumentParser, track: bool = True, load: bool = True) -> None:
    add_source_options(parser)
    if track:
        parser.add_argument(
            "--track", choices=("stable", "canary"), default="canary", help="default: canary"
        )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--api", choices=("chat", "completions"), help="default: the endpoint's (chat)"
    )
    if load:
        parser.add_argument(
            "--yes", action="store_true", help="send the load without asking (configured endpoints)"
        )


@contextmanager
def endpoints(
    loaded: Loaded,
    tracks: tuple[TrackName, ...],
    api: str | None,
    args: argparse.Namespace | None = None,
) -> Iterator[list[Endpoint]]:
    """The endpoints of ``tracks``: from the deployment's config, or with ``--demo`` a simulator
    served on loopback for as long as the block runs (``--scenario``/``--seed`` from ``args``).
    Raises EndpointError."""
    deployment = loaded.deployment
    if loaded.demo:
        from console.clock import SystemClock
        from console.sim import SimFleet
        from console.sim.serve import ServerThread
        from console.sim.serve_pace import Pacing, TrackPace

        pacing = Pacing(
            {
                t: TrackPace(capacity_rps=DEMO_CAPACITY_RPS, replicas=n)
                for t, n in DEMO_REPLICAS.items()
            }
        )
        scenario = getattr(args, "scenario", None) or loaded.settings.sim.scenario
        seed = getattr(args, "seed", None)
        fleet = SimFleet(
            scenario=scenario,
            seed=loaded.settings.sim.seed if seed is None else seed,
            deployment=deployment.spec(),
            clock=SystemClock(),
        )
        with ServerThread(fleet, pacing=pacing) as server:
            found = [simulated(deployment.name, server.url, t, deployment.model) for t in tracks]
            yield [_with_api(e, api) for e in found]
        return
    found = [resolve(deployment.name, deployment.endpoints, t, deployment.model) for t in tracks]
    yield [_with_api(e, api) for e in found]


def _with_api(endpoint: Endpoint, api: str | None) -> Endpoint:
    from dataclasses import replace

    if api in ("chat", "completions"):
        return replace(endpoint, api=api)  # type: ignore[arg-type]
    return endpoint


def confirmed(
    loaded: Loaded, targets: list[Endpoint], what: str, args: argparse.Namespace
) -> int | None:
    """None when the load may go: the simulator, ``--yes``, or "y" at the terminal. Otherwise
    the exit status, having said why (read-only — from the file, the environment or
    ``--read-only`` anywhere — refuses load against configured endpoints)."""
    if all(e.simulated for e in targets):
        return None
    names = ", ".join(inert(e.label) for e in targets)
    if loaded.settings.read_only or bool(getattr(args, "read_only", False)):
        print(f"inference-console: read-only: no load is sent to {names}", file=sys.stderr)
        return EXIT_REFUSED
    if getattr(args, "yes", False):
        return None
    print(f"{what}\n  to {names}", file=sys.stderr)
    if sys.stdin.isatty():
        print("These endpoints may take live traffic. Send? [y/N] ", end="", file=sys.stderr)
        sys.stderr.flush()
        try:
            reply = sys.stdin.readline().strip().lower()
        except (OSError, KeyboardInterrupt):
            reply = ""
        if reply in ("y", "yes"):
            return None
    print("not sent: these endpoints may take live traffic; add --yes to send", file=sys.stderr)
    return EXIT_NOT_CONFIRMED


def add_slo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="NAME=TIME",
        help="a request is good when these hold: ttft=500ms, tpot=50ms (alias itl), e2e=10s",
    )


def parse_slos(values: list[str], default: Slos | None = None) -> Slos:
    """``["ttft=500ms", "itl=50ms"]`` → Slos. ValueError with a precise message."""
    from console.sim.serve_pace import parse_seconds

    found: dict[str, float] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        key = {"ttft": "ttft_s", "tpot": "tpot_s", "itl": "tpot_s", "e2e": "e2e_s"}.get(
            name.strip().lower()
        )
        if not sep or key is None:
            raise ValueError(f"--slo: {raw!r}: use ttft=TIME, tpot=TIME (or itl=) or e2e=TIME")
        try:
            seconds = parse_seconds(value)
        except ValueError:
            raise ValueError(f"--slo: {raw!r}: not a time (e.g. 500ms or 2s)") from None
        if not 0 < seconds < 86_400:
            raise ValueError(f"--slo: {raw!r}: must be more than 0 and under a day")
        found[key] = seconds
    if not found and default is not None:
        return default
    return Slos(**found)
