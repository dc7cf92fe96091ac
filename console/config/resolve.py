"""Which configuration and deployment a command or the console runs against: ``--config`` /
``--demo`` / ``--deployment`` resolved into the settings and the chosen deployment."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from console.config.capacity import with_stored_capacity
from console.config.loader import default_config_path, load_settings
from console.config.sections import DeploymentConfig
from console.config.settings import DEMO_DEPLOYMENT, Settings
from console.errors import ConfigError


@dataclass(frozen=True)
class Loaded:
    """What a command runs against: the settings, the chosen deployment, and whether it is the
    embedded simulated fleet."""

    settings: Settings
    deployment: DeploymentConfig
    demo: bool
    config_path: Path | None
    #: Deployments whose ``replica_capacity_rps`` is a capacity probe's stored answer instead of
    #: the configured number: name → where it came from ("measured …, 2h ago (capacity probe…)").
    capacity_sources: dict[str, str] = field(default_factory=dict)


def resolve(path: Path | None, demo: bool, wanted: str | None) -> Loaded:
    """The settings from ``path`` (or the simulated fleet with ``demo``) and the deployment named
    ``wanted`` (None: the first). Raises ConfigError on any problem.

    With neither a path nor ``demo``, the XDG config file is used when it exists, else the
    simulated fleet."""
    if path is None and not demo:
        candidate = default_config_path()
        if candidate.exists():
            path = candidate
        else:
            demo = True
    explicit = path is not None and not demo
    settings = load_settings(None if demo else path)
    if explicit and path != default_config_path() and not settings.deployments:
        raise ConfigError(
            [f"{path}: no [[deployments]]: nothing to show (--demo shows the simulated fleet)"]
        )
    if demo or not settings.deployments:
        deployments = [DEMO_DEPLOYMENT]
        demo = True
    else:
        deployments = settings.deployments
    deployments, sources = _measured_capacity(deployments, None if demo else path)
    if not demo:
        settings = settings.model_copy(update={"deployments": deployments})
    if wanted:
        chosen = next((d for d in deployments if d.name == wanted), None)
        if chosen is None:
            names = ", ".join(d.name for d in deployments)
            raise ConfigError([f"--deployment: {wanted!r}: no such deployment (have: {names})"])
    else:
        chosen = deployments[0]
    return Loaded(
        settings=settings,
        deployment=chosen,
        demo=demo,
        config_path=path,
        capacity_sources=sources,
    )


def _measured_capacity(
    deployments: list[DeploymentConfig], path: Path | None
) -> tuple[list[DeploymentConfig], dict[str, str]]:
    """Each deployment with a stored capacity-probe answer (asked for when it was stored) in
    place of its configured ``replica_capacity_rps``, and the source of each replaced value."""

    out: list[DeploymentConfig] = []
    sources: dict[str, str] = {}
    for deployment in deployments:
        measured, source = with_stored_capacity(deployment, path, time.time())
        if measured is not deployment:
            sources[deployment.name] = source
        out.append(measured)
    return out, sources
