"""Settings with ``INFERENCE_CONSOLE_*`` environment overrides, through pydantic-settings.

Loaded only when such a variable is set: pydantic-settings costs a tenth of the console's
start-up to import and builds its own copy of the settings model, and without a variable for
it there is nothing for it to do (the file's values validate the same either way)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from console.config.settings import ENV_PREFIX, Settings
from console.errors import ConfigError


@cache
def _with_environment() -> type[Settings]:
    class FromEnvironment(Settings, BaseSettings):
        model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__")

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            # Environment first (it overrides), then what was read from the file (as init).
            return (env_settings, init_settings)

    return FromEnvironment


def settings_with_environment(data: dict[str, Any]) -> Settings:
    """``data`` (the file's values) with the environment's over them. Raises ValidationError
    as ``Settings`` does, and ConfigError for a variable its setting cannot parse."""
    try:
        return _with_environment()(**data)
    except SettingsError as err:
        raise ConfigError([_env_problem(err)]) from None


def _env_problem(err: SettingsError) -> str:
    """One line for an environment value its field cannot take (the value is never shown: it
    may be a secret)."""
    match = re.search(r'field "([^"]+)"', str(err))
    name = f"{ENV_PREFIX}{match.group(1).upper()}" if match else f"{ENV_PREFIX}*"
    return f"environment: {name}: not a value this setting takes (JSON for lists and sections)"
