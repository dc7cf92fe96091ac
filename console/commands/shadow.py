"""``inference-console shadow``: replay a sample of requests (JSONL) to both tracks and compare
the answers — lengths, token counts, JSON validity where JSON was asked for, refusals, finish
reasons, latency. A summary table; ``--diff N`` shows one sample's answers side by side.

Exit status: 0 compared, 1 no sample was answered by both tracks, 2 bad usage or configuration,
3 refused (read-only), 5 not confirmed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load
from console.commands.traffic_common import add_options

#: ``--demo`` without ``--samples``: a few prompts, one asking for JSON.
DEMO_SAMPLES = (
    {"prompt": "Summarise the release notes in one line.", "max_tokens": 24},
    {"prompt": "List three canary gates.", "max_tokens": 16},
    {
        "messages": [{"role": "user", "content": "Reply in JSON."}],
        "expect_json": True,
        "max_tokens": 8,
    },
)


def register(sub: Any) -> None:
    parser = sub.add_parser("shadow", help="replay requests to both tracks and compare answers")
    add_options(parser, track=False)
    parser.add_argument("--samples", type=Path, metavar="FILE", help="JSONL of requests")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="at most N samples")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N")
    parser.add_argument(
        "--diff",
        type=int,
        action="append",
        default=[],
        metavar="INDEX",
        help="show this sample's two answers and their diff",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="also write the JSON here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from console.config import ConfigError
    from console.traffic.endpoints import EndpointError
    from console.traffic.prompts import PromptError, load_jsonl

    try:
        loaded = load(args)
        if not 1 <= args.limit <= 10_000:
            raise ValueError("--limit: a whole number in 1..10000")
        if not 1 <= args.concurrency <= 256:
            raise ValueError("--concurrency: a whole number in 1..256")
        if args.samples is not None:
            prompts = load_jsonl(args.samples)[: args.limit]
        elif loaded.demo:
            prompts = _demo_samples()
        else:
            raise ValueError("--samples: a JSONL of requests to replay is needed")
    except ConfigError as err:
        return fail("\n".join(err.problems), EXIT_USAGE)
    except (ValueError, PromptError) as err:
        return fail(str(err), EXIT_USAGE)
    try:
        return _compare(args, loaded, prompts)
    except EndpointError as err:
        return fail(str(err), EXIT_USAGE)


def _demo_samples() -> list[Any]:
    import tempfile

    from console.traffic.prompts import load_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "samples.jsonl"
        path.write_text("".join(json.dumps(s) + "\n" for s in DEMO_SAMPLES))
        return load_jsonl(path)


def _compare(args: Any, loaded: Any, prompts: list[Any]) -> int:
    import asyncio

    from console.commands.traffic_common import confirmed, endpoints
    from console.outside import inert
    from console.traffic.report import write
    from console.traffic.shadow import compare, replay, text_diff
    from console.traffic.shadow_format import summary_table

    what = f"shadow comparison: {len(prompts)} requests, each sent to both tracks"
    with endpoints(loaded, ("stable", "canary"), args.api, args) as (stable, canary):
        refused = confirmed(loaded, [stable, canary], what, args)
        if refused is not None:
            return refused
        print(f"{what} → {inert(stable.label)}, {inert(canary.label)}", file=sys.stderr)
        pairs = asyncio.run(replay(stable, canary, prompts, concurrency=args.concurrency))
    document = compare(pairs)
    document["deployment"] = loaded.deployment.name
    if args.out:
        try:
            write(document, args.out)
        except OSError as err:
            fail(f"cannot write the results: {err.strerror or err}", EXIT_FAILURE)
    if args.json:
        print(json.dumps(document, indent=2, allow_nan=False))
    else:
        for line in summary_table(document):
            print(inert(line))
        texts = {p[1].index: (p[1].text, p[2].text) for p in pairs}
        for index in args.diff:
            if index not in texts:
                print(f"--diff {index}: no such sample (0..{len(pairs) - 1})", file=sys.stderr)
                continue
            stable_text, canary_text = texts[index]
            print(f"\n— sample {index} —")
            for line in text_diff(stable_text, canary_text) or ["(the answers are the same)"]:
                print(inert(line))
    return EXIT_OK if document["differences"]["both_ok"] else EXIT_FAILURE
