"""``inference-console cost``: per-token API vs dedicated GPUs vs TCO over a horizon."""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import TYPE_CHECKING, Any

from console.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    add_source_options,
    fail,
    fail_problems,
    load,
    say,
)
from console.config import ConfigError
from console.errors import SourceError
from console.units import format_duration, parse_duration

if TYPE_CHECKING:
    from console.cost.usage import Usage

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d+)?|\.\d+))\s*([kKmMgG]?)\s*$")
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}

#: (option, CostInputs name, must be strictly positive)
NUMBER_OPTIONS: tuple[tuple[str, str, bool], ...] = (
    ("--input-tokens", "input_tokens", False),
    ("--output-tokens", "output_tokens", False),
    ("--price-in", "price_in_per_mtok", False),
    ("--price-out", "price_out_per_mtok", False),
    ("--gpu-hours", "gpu_hours", True),
    ("--gpu-hour-price", "gpu_hour_price", False),
    ("--engineering-hours", "engineering_hours_per_week", False),
    ("--engineering-rate", "engineering_rate", False),
)

DESCRIPTION = """\
Compare what the deployment's traffic would cost on a per-token API with what its dedicated GPUs
cost, over a horizon (default 7 days). Tokens and GPU-hours are measured (Prometheus with
--config, the simulated fleet with --demo) unless given; prices and engineering figures come from
the options, else the config's [cost] section (per-deployment overrides win), else defaults.

  API cost  = input tokens / 1e6 x price-in + output tokens / 1e6 x price-out
  dedicated = GPU-hours x price per GPU-hour
  TCO       = dedicated + engineering hours per week x rate x (horizon / 7 days)

The crossover is the weekly token volume, at the same input/output mix, at which the API bill
equals the dedicated TCO. Numbers accept k, M and G suffixes (1.5M = 1,500,000)."""

HELP = {
    "--horizon": "period to cost, e.g. 7d, 36h, 2w (default 7d; under 7d warns)",
    "--input-tokens": "input (prompt) tokens over the horizon",
    "--output-tokens": "output (generated) tokens over the horizon",
    "--price-in": "API price per million input tokens, USD",
    "--price-out": "API price per million output tokens, USD",
    "--gpu-hours": "GPU-hours over the horizon (replica-hours x GPUs per replica)",
    "--gpu-hour-price": "price of one GPU-hour, USD",
    "--engineering-hours": "engineering hours PER WEEK spent running the dedicated fleet",
    "--engineering-rate": "engineering cost per hour, USD",
}


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "cost",
        help="per-token API vs dedicated GPUs vs TCO, and the crossover",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_options(parser)
    parser.add_argument("--horizon", metavar="DURATION", help=HELP["--horizon"])
    for option, _, _ in NUMBER_OPTIONS:
        metavar = "USD" if "price" in option or "rate" in option else "N"
        parser.add_argument(option, metavar=metavar, help=HELP[option])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def parse_number(option: str, text: str, positive: bool) -> float:
    """A given number; raises ValueError with the exact operator-facing line."""
    match = _NUMBER.match(text.replace(",", "").replace("_", ""))
    if not match:
        raise ValueError(f"{option}: {text!r}: not a number (digits with an optional k, M or G)")
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if not math.isfinite(value):
        raise ValueError(f"{option}: {text!r}: not a finite number")
    if positive and value <= 0:
        raise ValueError(f"{option}: {text!r}: must be a positive number")
    if value < 0:
        raise ValueError(f"{option}: {text!r}: must be a non-negative number")
    return value


def given_numbers(args: argparse.Namespace) -> dict[str, float]:
    """The numbers given on the command line, by CostInputs name. Raises ValueError."""
    given: dict[str, float] = {}
    horizon = getattr(args, "horizon", None)
    if horizon is not None:
        try:
            given["horizon_s"] = parse_duration(horizon)
        except ValueError:
            raise ValueError(
                f"--horizon: {horizon!r}: not a duration (a number with s, m, h, d or w, e.g. 7d)"
            ) from None
    for option, name, positive in NUMBER_OPTIONS:
        text = getattr(args, option.removeprefix("--").replace("-", "_"), None)
        if text is not None:
            given[name] = parse_number(option, text, positive)
    return given


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every start of the console parses this command's options.
    from console.cost.usage import MissingInputs, cost_report, merge_cost_config, resolve_horizon
    from console.cost.wording import render_text

    try:
        given = given_numbers(args)
    except ValueError as err:
        return fail(str(err), EXIT_USAGE)
    try:
        loaded = load(args)
    except ConfigError as err:
        return fail_problems(err)
    config = merge_cost_config(loaded.settings.cost, loaded.deployment.cost)
    horizon = resolve_horizon(given, config).value
    measured_needed = not {"input_tokens", "output_tokens", "gpu_hours"} <= given.keys()
    usage: Usage | None = None
    try:
        if measured_needed:
            from console.factory import measured_usage

            usage = measured_usage(loaded, horizon)
    except SourceError as err:
        return fail(str(err), EXIT_FAILURE)
    except ValueError as err:
        return fail(str(err), EXIT_USAGE)
    try:
        report = cost_report(given, config, usage)
    except MissingInputs as err:
        return fail_problems(err)
    if getattr(args, "json", False):
        payload = {"deployment": loaded.deployment.name, **report.model_dump(mode="json")}
        payload["source"] = usage.source if usage else "given"
        print(json.dumps(payload, indent=2))
    else:
        source = usage.source if usage else "given numbers"
        title = (
            f"Cost of {loaded.deployment.name} over {format_duration(horizon)} (inputs: {source})"
        )
        say(render_text(report, title))
    return EXIT_OK
