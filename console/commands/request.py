"""``inference-console request``: one streamed request to a track's endpoint, the reply printed
as it arrives (as inert text) and then its TTFT, inter-token latency, tokens/s, tokens in and
out, status and the pod that answered. Exit 0 when it succeeded, 1 when it failed, 2 on bad
usage or configuration."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from console.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, load
from console.commands.traffic_common import add_options

MAX_PROMPT_BYTES = 1 << 20


def register(sub: Any) -> None:
    parser = sub.add_parser("request", help="send one streamed request to a track's endpoint")
    add_options(parser, load=False)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--prompt", metavar="TEXT", help="the prompt")
    source.add_argument("--prompt-file", type=Path, metavar="FILE", help="the prompt, from a file")
    source.add_argument("--edit", action="store_true", help="write the prompt in $EDITOR")
    parser.add_argument("--max-tokens", type=int, default=128, metavar="N")
    parser.set_defaults(func=run)


def read_prompt(args: argparse.Namespace) -> str:
    """The prompt from --prompt, --prompt-file, --edit or standard input. ValueError if none."""
    if args.prompt is not None:
        text = str(args.prompt)
    elif args.prompt_file is not None:
        try:
            data = args.prompt_file.expanduser().read_bytes()[: MAX_PROMPT_BYTES + 1]
        except OSError as err:
            raise ValueError(f"--prompt-file: {args.prompt_file}: {err.strerror or err}") from None
        if len(data) > MAX_PROMPT_BYTES:
            raise ValueError(f"--prompt-file: {args.prompt_file}: larger than 1 MiB")
        text = data.decode("utf-8", "replace")
    elif args.edit:
        text = _edit()
    elif not sys.stdin.isatty():
        text = sys.stdin.read(MAX_PROMPT_BYTES)
    else:
        raise ValueError("no prompt: give --prompt, --prompt-file, --edit or standard input")
    if not text.strip():
        raise ValueError("the prompt is empty")
    return text


def _edit() -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False) as f:
        path = Path(f.name)
    try:
        status = subprocess.call([*editor.split(), str(path)])
        if status != 0:
            raise ValueError(f"the editor ({editor}) exited with status {status}")
        return path.read_text(encoding="utf-8", errors="replace")[:MAX_PROMPT_BYTES]
    finally:
        path.unlink(missing_ok=True)


def run(args: argparse.Namespace) -> int:
    from console.config import ConfigError
    from console.traffic.endpoints import EndpointError

    if not 1 <= args.max_tokens <= 32_768:
        return fail("--max-tokens: a whole number in 1..32768", EXIT_USAGE)
    try:
        prompt = read_prompt(args)
        loaded = load(args)
    except ConfigError as err:
        return fail("\n".join(err.problems), EXIT_USAGE)
    except ValueError as err:
        return fail(str(err), EXIT_USAGE)
    try:
        return _send(args, loaded, prompt)
    except EndpointError as err:
        return fail(str(err), EXIT_USAGE)


def _send(args: argparse.Namespace, loaded: Any, prompt: str) -> int:
    import asyncio

    from console.commands.traffic_common import endpoints
    from console.outside import inert
    from console.traffic.manual import manual_json, manual_lines, manual_request

    streamed = not args.json and sys.stdout.isatty()

    def show(piece: str) -> None:
        sys.stdout.write(inert(piece))
        sys.stdout.flush()

    with endpoints(loaded, (args.track,), args.api, args) as (endpoint,):
        result = asyncio.run(
            manual_request(endpoint, prompt, args.max_tokens, on_text=show if streamed else None)
        )
    if args.json:
        print(json.dumps(manual_json(endpoint, result), indent=2))
    else:
        if not streamed:
            print(inert(result.text))
        else:
            print()
        for line in manual_lines(result):
            print(inert(line))
    return EXIT_OK if result.ok else EXIT_FAILURE
