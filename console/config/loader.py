"""Configuration: a TOML file (XDG path or --config) with environment overrides, validated by
pydantic; a bad file becomes one precise line per problem, never a traceback."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

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
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
    )

    refresh_interval: Duration = Field(default=1.0, ge=0.1)
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
    #: Where ``read_only`` came from (the file, the environment), for the operator.
    _read_only_from: str = PrivateAttr(default="")

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
    def read_only_from(self) -> str:
        return self._read_only_from

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
        data = _read_toml(path, where)
    data.update(overrides or {})
    try:
        settings = Settings(**data)
    except ValidationError as err:
        problems = [_describe(_source(e.get("loc", ()), where), e) for e in err.errors()]
        raise ConfigError(problems) from None
    except SettingsError as err:  # an environment value that is not what its field takes
        raise ConfigError([_env_problem(err)]) from None
    except RecursionError:
        raise ConfigError([f"{where}: nested too deeply"]) from None
    # Read-only is one-way: the file or the environment may each ask for it, and neither can
    # take back what the other asked for.
    asked = {
        "file": path is not None and data.get("read_only") is True,
        "environment": _truthy(os.environ.get(f"{ENV_PREFIX}READ_ONLY", "")),
    }
    reasons = [
        f"read_only = true in {where}" if who == "file" else f"{ENV_PREFIX}READ_ONLY"
        for who, said in asked.items()
        if said
    ]
    if reasons and not settings.read_only:
        settings = settings.model_copy(update={"read_only": True})
    settings._read_only_from = " and ".join(reasons)
    return settings


#: The largest configuration file read (a path to /dev/zero must not fill the memory).
MAX_CONFIG_BYTES = 1 << 20


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([f"{where}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{where}: is a directory, not a file"]) from None
    except OSError as err:
        raise ConfigError([f"{where}: cannot read: {err.strerror or err}"]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{where}: larger than {MAX_CONFIG_BYTES // 1024} KiB"])
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError([f"{where}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([f"{where}: not valid TOML: {err}"]) from None
    except RecursionError:
        raise ConfigError([f"{where}: not valid TOML: nested too deeply"]) from None


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


def _env_problem(err: SettingsError) -> str:
    """One line for an environment value its field cannot take (the value is never shown: it
    may be a secret)."""
    match = re.search(r'field "([^"]+)"', str(err))
    name = f"{ENV_PREFIX}{match.group(1).upper()}" if match else f"{ENV_PREFIX}*"
    return f"environment: {name}: not a value this setting takes (JSON for lists and sections)"


def _source(loc: tuple[Any, ...], where: str) -> str:
    """Where a setting's value came from: the environment variable that set it (or set its
    section or list as JSON), otherwise ``where`` (the file)."""
    names = {name.upper() for name in os.environ if name.upper().startswith(ENV_PREFIX)}
    parts: list[str] = []
    for item in loc:
        if not isinstance(item, str):
            break  # a list's item: the variable sets the whole list
        parts.append(item)
    for size in range(len(parts), 0, -1):
        name = ENV_PREFIX + "__".join(parts[:size]).upper()
        if name in names:
            return f"environment: {name}"
    return where


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
    shown = "'**********'" if _secret(parts) else _short(value)
    return f"{where}: {field}: {shown}: {why}"


#: Settings whose values are never echoed in an error (a mistyped token is still a token).
SECRET_WORDS = ("token", "password", "secret", "authorization", "api_key", "apikey")


def _secret(parts: list[str]) -> bool:
    return any(word in part.lower() for part in parts for word in SECRET_WORDS)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, SecretStr):
        return "'**********'"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
