"""``inference-console loadtest``: a bounded load test against one track's endpoint — constant
rate, Poisson, fixed concurrency, or a sweep over rates — with TTFT, ITL, TPOT and E2E at
p50/p90/p99, achieved rate, output tokens/s, goodput against SLOs and error classes.

Exit status: 0 ran to its bound, 1 every request failed, 2 bad usage or configuration,
3 stopped early (error budget, saturation) or refused (read-only), 5 not confirmed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load
from console.commands.traffic_common import EXIT_REFUSED, add_options, add_slo_option

MODES = ("constant", "poisson", "concurrency", "sweep")


def register(sub: Any) -> None:
    parser = sub.add_parser("loadtest", help="a bounded load test against a track's endpoint")
    add_options(parser)
    add_load_options(parser)
    parser.add_argument("--mode", choices=MODES, default="constant")
    parser.add_argument("--rate", type=float, default=5.0, help="requests/s (default 5)")
    parser.add_argument("--rates", metavar="R1,R2,…", help="sweep: the rates, in order")
    parser.add_argument("--step", default="10s", metavar="TIME", help="sweep: each rate's time")
    parser.add_argument("--concurrency", type=int, default=8, metavar="N")
    parser.add_argument("--duration", default="30s", metavar="TIME", help="bound (default 30s)")
    parser.add_argument("--requests", type=int, default=1000, metavar="N", help="bound")
    parser.add_argument("--error-budget", type=float, metavar="SHARE", help="stop above it")
    parser.add_argument("--out", type=Path, metavar="FILE", help="also write the JSON here")
    parser.add_argument(
        "--requests-out", type=Path, metavar="FILE", help="every request as JSON Lines"
    )
    parser.set_defaults(func=run)


def add_load_options(parser: argparse.ArgumentParser) -> None:
    add_slo_option(parser)
    parser.add_argument("--prompts", type=Path, metavar="FILE", help="JSONL of prompts")
    parser.add_argument("--input-tokens", default="32", metavar="DIST", help="e.g. normal:512,64")
    parser.add_argument("--output-tokens", default="32", metavar="DIST", help="e.g. 128")
    parser.add_argument("--max-in-flight", type=int, default=512, metavar="N")
    parser.add_argument("--timeout", default="300s", metavar="TIME", help="per request")
    parser.add_argument("--idle-timeout", default="30s", metavar="TIME", help="between bytes")
    parser.add_argument("--ignore-eos", action="store_true", help="ask for exactly max_tokens")
    parser.add_argument(
        "--prompt-seed", type=int, default=0, metavar="N", help="seeds sizes and Poisson gaps"
    )


def build(args: argparse.Namespace, mode: str, **overrides: Any) -> tuple[Any, Any, Any]:
    """(LoadPlan, PromptSource, Slos) from the options; ValueError with a precise message."""
    from console.commands.traffic_common import parse_slos
    from console.sim.serve_pace import parse_seconds
    from console.traffic.client import Timeouts
    from console.traffic.generator import LoadPlan
    from console.traffic.prompts import PromptSource, load_jsonl, parse_sizes

    def seconds(flag: str, text: str) -> float:
        try:
            value = parse_seconds(text)
        except ValueError:
            raise ValueError(f"{flag}: {text!r}: not a time (e.g. 30s, 5m)") from None
        if not 0 < value <= 86_400:
            raise ValueError(f"{flag}: {text!r}: more than 0 and at most a day")
        return value

    output = parse_sizes(args.output_tokens, "--output-tokens")
    samples = load_jsonl(args.prompts, round(output.a)) if args.prompts else None
    prompts = PromptSource(
        parse_sizes(args.input_tokens, "--input-tokens"), output, samples, args.prompt_seed
    )
    timeouts = Timeouts(
        request_s=seconds("--timeout", args.timeout),
        idle_s=seconds("--idle-timeout", args.idle_timeout),
    )
    values: dict[str, Any] = {
        "mode": mode,
        "rate": getattr(args, "rate", None),
        "concurrency": getattr(args, "concurrency", None),
        "duration_s": seconds("--duration", getattr(args, "duration", "30s")),
        "max_requests": getattr(args, "requests", 1000),
        "max_in_flight": args.max_in_flight,
        "error_budget": getattr(args, "error_budget", None),
        "timeouts": timeouts,
        "ignore_eos": args.ignore_eos,
        "seed": args.prompt_seed,
        "drain_s": min(timeouts.request_s, 30.0),
    }
    values.update(overrides)
    return LoadPlan(**values), prompts, parse_slos(args.slo)


def parse_rates(text: str | None) -> list[float]:
    if not text:
        raise ValueError("--rates: a sweep needs its rates, e.g. --rates 2,4,8,16")
    try:
        rates = [float(x) for x in text.split(",")]
    except ValueError:
        raise ValueError(f"--rates: {text!r}: numbers separated by commas") from None
    if not rates or len(rates) > 100 or any(not 0 < r <= 100_000 for r in rates):
        raise ValueError(f"--rates: {text!r}: 1 to 100 rates, each in (0, 100000]")
    return rates


def run(args: argparse.Namespace) -> int:
    from console.config import ConfigError
    from console.traffic.endpoints import EndpointError
    from console.traffic.generator import PlanError
    from console.traffic.prompts import PromptError

    try:
        loaded = load(args)
        sweep = args.mode == "sweep"
        rates = parse_rates(args.rates) if sweep else []
        plan, prompts, slos = build(args, "constant" if sweep else args.mode)
        step_s = _step(args.step) if sweep else 0.0
    except ConfigError as err:
        return fail("\n".join(err.problems), EXIT_USAGE)
    except (ValueError, PlanError, PromptError) as err:
        return fail(str(err), EXIT_USAGE)
    try:
        return _run(args, loaded, plan, prompts, slos, rates, step_s)
    except EndpointError as err:
        return fail(str(err), EXIT_USAGE)


def _step(text: str) -> float:
    from console.sim.serve_pace import parse_seconds

    try:
        value = parse_seconds(text)
    except ValueError:
        raise ValueError(f"--step: {text!r}: not a time") from None
    if not 0 < value <= 3600:
        raise ValueError(f"--step: {text!r}: more than 0 and at most an hour")
    return value


def _run(
    args: Any, loaded: Any, plan: Any, prompts: Any, slos: Any, rates: list[float], step_s: float
) -> int:
    import asyncio

    from console.commands.traffic_common import confirmed, endpoints
    from console.outside import inert
    from console.traffic import report
    from console.traffic.format import summary_lines

    what = (
        f"sweep over {', '.join(f'{r:g}' for r in rates)} req/s, {step_s:g} s each"
        if rates
        else f"load test: {plan.describe()}"
    )
    bar = ProgressLine(enabled=not args.json and sys.stderr.isatty())
    with endpoints(loaded, (args.track,), args.api, args) as (endpoint,):
        refused = confirmed(loaded, [endpoint], what, args)
        if refused is not None:
            return refused
        print(f"{what} → {inert(endpoint.label)}", file=sys.stderr)
        if rates:
            from console.traffic.sweep import run_sweep

            steps, stopped, reason = asyncio.run(
                run_sweep(
                    endpoint,
                    plan,
                    rates,
                    step_s,
                    iter(prompts),
                    slos,
                    progress=lambda i, p: bar.show(p, f"step {i + 1}/{len(rates)}"),
                )
            )
            document = report.sweep_document(
                endpoint, steps, slos, prompts.describe(), stopped, reason
            )
            results = [r for _, run in steps for r in run.results]
        else:
            from console.traffic.generator import run_load

            run = asyncio.run(run_load(endpoint, plan, iter(prompts), progress=bar.show))
            document = report.loadtest_document(endpoint, run, plan, slos, prompts.describe())
            stopped, results = run.stopped, run.results
    bar.done()
    try:
        if args.out:
            report.write(document, args.out)
        if args.requests_out:
            _write_requests(args.requests_out, results)
    except OSError as err:
        fail(f"cannot write the results: {err.strerror or err}", EXIT_FAILURE)
    if args.json:
        print(json.dumps(document, indent=2, allow_nan=False))
    else:
        blocks = document["steps"] if rates else [document]
        for block in blocks:
            if rates:
                print(f"— {block['plan']['rate']:g} req/s —")
            for line in summary_lines(block["summary"]):
                print(inert(line))
        print(f"stopped: {inert(document['stop_reason'] or stopped)}")
    if results and all(not r.ok for r in results):
        return EXIT_FAILURE
    return EXIT_REFUSED if stopped in ("error_budget", "saturation") and not rates else EXIT_OK


def _write_requests(path: Path, results: list[Any]) -> None:
    with path.expanduser().open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r.record(), allow_nan=False) + "\n")


class ProgressLine:
    """A one-line progress bar on stderr (a terminal only), redrawn in place."""

    WIDTH = 30

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def show(self, progress: Any, label: str = "") -> None:
        if not self.enabled:
            return
        filled = round(progress.fraction * self.WIDTH)
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        text = (
            f"\r{label + ' ' if label else ''}[{bar}] {progress.fraction:4.0%}  "
            f"sent {progress.sent}  done {progress.done}  failed {progress.failed}  "
            f"in flight {progress.in_flight}  {progress.elapsed_s:5.1f} s"
        )
        sys.stderr.write(text)
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False
