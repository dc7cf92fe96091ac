"""Configuration: a TOML file (XDG path or --config) with environment overrides, validated by
pydantic; a bad file becomes one precise line per problem, never a traceback."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from console.config.sections import (
    APP_DIR,
    AuditConfig,
    CostConfig,
    DeploymentConfig,
    Duration,
    GatesConfig,
    KubernetesConfig,
    LogsConfig,
    PrometheusConfig,
    SimConfig,
    UIConfig,
)
from console.errors import ConfigError

ENV_PREFIX = "INFERENCE_CONSOLE_"


class Settings(BaseSettings):
    """The whole configuration. Environment variables override the file:
    ``INFERENCE_CONSOLE_REFRESH_INTERVAL=2s``, ``INFERENCE_CONSOLE_PROMETHEUS__URL=...``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    refresh_interval: Duration = 1.0
    stale_after: Duration | None = None
    read_only: bool = False
    prometheus: PrometheusConfig | None = None
    #: None: no cluster configured, the simulated one serves.
    kubernetes: KubernetesConfig | None = None
    audit: AuditConfig = Field(default_factory=AuditConfig)
    logs: LogsConfig = LogsConfig()
    cost: CostConfig = CostConfig()
    sim: SimConfig = SimConfig()
    ui: UIConfig = UIConfig()
    deployments: list[DeploymentConfig] = []

    @field_validator("deployments")
    @classmethod
    def _unique_names(cls, deployments: list[DeploymentConfig]) -> list[DeploymentConfig]:
        seen: set[str] = set()
        for d in deployments:
            if d.name in seen:
                raise ValueError(f"deployment name {d.name!r} appears twice")
            seen.add(d.name)
        return deployments

    @property
    def stale_after_s(self) -> float:
        """Data older than this is marked STALE (default: three refresh intervals, at least 5 s)."""
        return self.stale_after or max(3 * self.refresh_interval, 5.0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first (it overrides), then what was read from the file (passed as init).
        return (env_settings, init_settings)


#: The simulated fleet's deployment. Its canary sees ~1 req/s at 5 %, so the gates judge on 100
#: requests rather than the default 200 (which a 5-minute window would reach only at 10 %).
DEMO_DEPLOYMENT = DeploymentConfig(
    name="llama",
    namespace="inference",
    stable="llama-v1",
    canary="llama-v2",
    model="llama-3-8b",
    gates=GatesConfig(min_requests=100),
)


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR / "config.toml"


def load_settings(path: Path | None, *, overrides: dict[str, Any] | None = None) -> Settings:
    """Read and validate ``path`` (None: environment and defaults only).

    Raises ConfigError listing every problem as ``file: field: value: why``.
    """
    where = str(path) if path else "environment"
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{where}: file not found"]) from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError([f"{where}: cannot read: {err}"]) from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError([f"{where}: not valid TOML: {err}"]) from None
    data.update(overrides or {})
    try:
        return Settings(**data)
    except ValidationError as err:
        raise ConfigError([_describe(where, e) for e in err.errors()]) from None


def _describe(where: str, error: Any) -> str:
    loc = error.get("loc", ())
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{parts[-1]}[{item}]"
        else:
            parts.append(str(item))
    field = ".".join(parts) or "(top level)"
    why = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        return f"{where}: {field}: unknown setting"
    if error.get("type") == "missing":
        return f"{where}: {field}: required but missing"
    value = error.get("input")
    shown = _short(value)
    return f"{where}: {field}: {shown}: {why}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, SecretStr):
        return "'**********'"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
