"""Configuration: a TOML file (XDG path or --config) with environment overrides, validated by
pydantic; a bad file becomes one precise line per problem, never a traceback."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from console.config.sections import APP_DIR
from console.config.settings import ENV_PREFIX, Settings
from console.errors import ConfigError

__all__ = ["default_config_path", "load_settings", "overridden"]


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
        if overridden():  # pydantic-settings is loaded only when it has something to do
            from console.config.environment import settings_with_environment

            settings = settings_with_environment(data)
        else:
            settings = Settings(**data)
    except ValidationError as err:
        problems = [_describe(_source(e.get("loc", ()), where), e) for e in err.errors()]
        raise ConfigError(problems) from None
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


def overridden() -> bool:
    """Whether any environment variable could set a setting (matched without case, as
    pydantic-settings does)."""
    return any(name.upper().startswith(ENV_PREFIX) for name in os.environ)


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
