"""The global options: accepted before or after the sub-command, honoured wherever they are
written, or refused with exit 2 where they cannot apply — never silently dropped.

Every parser gets the same options. The top-level parser holds the defaults; each sub-command's
parser adds them with ``default=SUPPRESS``, so a value written after the sub-command replaces
the one before it and an option not written after it leaves the one before it in place. A
sub-command says which of them it cannot honour (``set_defaults(ignores=...)``); ``check`` turns
such an option, or ``--config`` together with ``--demo``, into a usage error."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.config import SCENARIOS

#: Options every sub-command accepts (argparse ``dest`` → the flag as written).
GLOBAL: dict[str, str] = {
    "config": "--config",
    "demo": "--demo",
    "deployment": "--deployment",
    "read_only": "--read-only",
    "scenario": "--scenario",
    "seed": "--seed",
}
#: Options of the console itself (no sub-command).
CONSOLE_ONLY: dict[str, str] = {"theme": "--theme", "log_file": "--log-file"}
#: What each simulated-fleet option means, for the refusal.
SIMULATED = ("scenario", "seed")


def add_global_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """The global options on ``parser`` (``top``: with their defaults; else suppressed)."""
    d: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config", type=Path, metavar="FILE", help="configuration file (TOML)", **d
    )
    source.add_argument("--demo", action="store_true", help="use the embedded simulated fleet", **d)
    parser.add_argument(
        "--deployment", metavar="NAME", help="deployment to use (default: first)", **d
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="watch only: nothing that changes the cluster can run",
        **d,
    )
    parser.add_argument(
        "--scenario", choices=SCENARIOS, help="simulated fleet scenario (default: healthy)", **d
    )
    parser.add_argument("--seed", type=int, help="simulated fleet random seed", **d)


def add_everywhere(parser: argparse.ArgumentParser) -> None:
    """The global options on every sub-command's parser below ``parser`` that lacks them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if not any("--config" in a.option_strings for a in child._actions):
                    add_global_options(child)
                add_everywhere(child)


def is_set(args: argparse.Namespace, dest: str) -> bool:
    value = getattr(args, dest, None)
    return value is not None and value is not False


def check(args: argparse.Namespace, command: str) -> list[str]:
    """Why these options cannot run as written (empty: they can). ``command`` names the
    sub-command as typed (empty: the console itself)."""
    problems = []
    if is_set(args, "config") and is_set(args, "demo"):
        problems.append("--config and --demo: choose one (a file, or the simulated fleet)")
    if command:
        ignored = dict.fromkeys(getattr(args, "ignores", ()), "")
        for dest, flag in CONSOLE_ONLY.items():
            if is_set(args, dest):
                problems.append(f"{flag}: applies to the console itself, not to `{command}`")
        for dest in ignored:
            if is_set(args, dest):
                problems.append(f"{GLOBAL[dest]}: does not apply to `{command}`")
    return problems


def command_words(argv: list[str], parser: argparse.ArgumentParser) -> str:
    """The sub-command as typed (``canary step``), for messages."""
    words: list[str] = []
    current = parser
    for word in argv:
        sub = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        if sub is None:
            break
        if word in sub.choices:
            words.append(word)
            current = sub.choices[word]
    return " ".join(words)
