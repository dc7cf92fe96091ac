"""Options and loading shared by the sub-commands (``--config`` / ``--demo``)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from console.config import (
    DEMO_DEPLOYMENT,
    ConfigError,
    DeploymentConfig,
    Settings,
    default_config_path,
    load_settings,
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Loaded:
    """What a command runs against: the settings, the chosen deployment, and whether it is the
    embedded simulated fleet."""

    settings: Settings
    deployment: DeploymentConfig
    demo: bool
    config_path: Path | None


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", type=Path, metavar="FILE", help="configuration file (TOML)")
    group.add_argument("--demo", action="store_true", help="use the embedded simulated fleet")
    parser.add_argument("--deployment", metavar="NAME", help="deployment to use (default: first)")


def load(args: argparse.Namespace) -> Loaded:
    """Resolve ``--config``/``--demo``/``--deployment``. Raises ConfigError on any problem.

    With neither flag, the XDG config file is used when it exists, else the simulated fleet.
    """
    path: Path | None = getattr(args, "config", None)
    demo = bool(getattr(args, "demo", False))
    if path is None and not demo:
        candidate = default_config_path()
        if candidate.exists():
            path = candidate
        else:
            demo = True
    settings = load_settings(None if demo else path)
    if demo or not settings.deployments:
        deployments = [DEMO_DEPLOYMENT]
        demo = True
    else:
        deployments = settings.deployments
    wanted = getattr(args, "deployment", None)
    if wanted:
        chosen = next((d for d in deployments if d.name == wanted), None)
        if chosen is None:
            names = ", ".join(d.name for d in deployments)
            raise ConfigError([f"--deployment: {wanted!r}: no such deployment (have: {names})"])
    else:
        chosen = deployments[0]
    return Loaded(settings=settings, deployment=chosen, demo=demo, config_path=path)


def fail(message: str, status: int = EXIT_FAILURE) -> int:
    """Print one line to stderr and return the exit status."""
    print(f"inference-console: {message}", file=sys.stderr)
    return status
