"""Measured per-replica capacity, stored beside the configuration (never in the user's TOML):
``$XDG_STATE_HOME/inference-console/capacity.json``, one entry per configuration and deployment,
each with when and how it was measured. The canary planner asks ``stored_capacity``."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from console.config.sections import APP_DIR, DeploymentConfig

#: The most a stored answer may say (as ``replica_capacity_rps`` in the configuration).
MAX_RPS = 1e6


@dataclass(frozen=True)
class StoredCapacity:
    """A probe's answer: requests/s one replica holds within the SLOs."""

    rps: float
    measured_at: str  # ISO 8601, UTC
    how: str
    track: str = "canary"
    replicas: int = 1

    def age_s(self, now: float) -> float | None:
        try:
            return now - dt.datetime.fromisoformat(self.measured_at).timestamp()
        except ValueError:
            return None


def default_store() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP_DIR / "capacity.json"


def key(config_path: Path | None, deployment: str) -> str:
    """Entries are per configuration file (resolved) and deployment; the demo has its own."""
    where = str(config_path.expanduser().resolve()) if config_path is not None else "demo"
    return f"{where}#{deployment}"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # an unreadable store is no stored value; the configured one stands
    return data if isinstance(data, dict) else {}


def stored_capacity(
    deployment: str, config_path: Path | None, store: Path | None = None
) -> StoredCapacity | None:
    """What a probe stored for ``deployment`` of the configuration at ``config_path``."""
    entry = _read(store or default_store()).get(key(config_path, deployment))
    if not isinstance(entry, dict):
        return None
    rps = entry.get("rps")
    if isinstance(rps, bool) or not isinstance(rps, int | float) or not math.isfinite(rps):
        return None
    if not 0 < rps <= MAX_RPS:
        return None
    try:
        return StoredCapacity(
            rps=float(rps),
            measured_at=str(entry["measured_at"]),
            how=str(entry.get("how", "")),
            track=str(entry.get("track", "canary")),
            replicas=int(entry.get("replicas", 1)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def save(
    capacity: StoredCapacity,
    deployment: str,
    config_path: Path | None,
    store: Path | None = None,
) -> Path:
    """Store ``capacity`` (atomically, 0600; other entries kept). Returns the file's path."""
    path = store or default_store()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = _read(path)
    data[key(config_path, deployment)] = asdict(capacity)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    return path


def capacity_for(
    deployment: DeploymentConfig,
    config_path: Path | None,
    now: float,
    store: Path | None = None,
) -> tuple[float, str]:
    """The per-replica capacity a step plan should use, and where it came from: a stored
    probe result when there is one, else ``replica_capacity_rps`` from the configuration."""
    stored = stored_capacity(deployment.name, config_path, store)
    if stored is None:
        return deployment.replica_capacity_rps, "configured replica_capacity_rps"
    age = stored.age_s(now)
    aged = f", {_age(age)} ago" if age is not None else ""
    return stored.rps, f"measured {stored.measured_at}{aged} ({stored.how})"


def with_stored_capacity(
    deployment: DeploymentConfig, config_path: Path | None, now: float, store: Path | None = None
) -> tuple[DeploymentConfig, str]:
    """``deployment`` with ``replica_capacity_rps`` from the stored probe result when present."""
    rps, source = capacity_for(deployment, config_path, now, store)
    if rps == deployment.replica_capacity_rps:
        return deployment, source
    return deployment.model_copy(update={"replica_capacity_rps": rps}), source


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"
