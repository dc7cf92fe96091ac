"""``[deployments.endpoints]``: each track's OpenAI-compatible base URL and an optional bearer
token read from a file or the environment, and resolving them for a request or a load test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

TrackName = Literal["stable", "canary"]
TRACK_NAMES: tuple[TrackName, ...] = ("stable", "canary")


class EndpointsConfig(BaseModel):
    """Where each track answers OpenAI-compatible requests (``…/v1``), and how to authenticate.

    The token itself is never in the file: ``token_file`` or ``token_env`` name where it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stable: str | None = None
    canary: str | None = None
    token_file: Path | None = None
    token_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    #: The response header that names the pod that answered, when a gateway or sidecar adds one.
    pod_header: str = Field(default="x-served-by", min_length=1)
    #: ``completions`` or ``chat`` (``/v1/chat/completions``) by default.
    api: Literal["chat", "completions"] = "chat"
    #: The model name sent with each request (default: the deployment's ``model``).
    model: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_credentials_in_urls(cls, data: Any) -> Any:
        # Checked on the whole section, so that the error line shows "{...}", never the URL.
        if isinstance(data, dict):
            for track in TRACK_NAMES:
                url = data.get(track)
                if isinstance(url, str) and "@" in url.split("//", 1)[-1].split("/", 1)[0]:
                    raise ValueError(
                        f"{track}: the URL must not carry credentials: use token_file or token_env"
                    )
        return data

    @field_validator("stable", "canary")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _one_token_source(self) -> EndpointsConfig:
        if self.token_file is not None and self.token_env is not None:
            raise ValueError("give token_file or token_env, not both")
        return self


class EndpointError(ValueError):
    """No usable endpoint: one line saying why."""


@dataclass(frozen=True)
class Endpoint:
    """One track's endpoint, resolved: its base URL, token (never printed) and whether it is the
    simulator on loopback (no confirmation needed) or a configured one (may take live traffic)."""

    deployment: str
    track: TrackName
    base_url: str
    model: str | None
    api: Literal["chat", "completions"] = "chat"
    token: SecretStr | None = None
    pod_header: str = "x-served-by"
    simulated: bool = False

    @property
    def label(self) -> str:
        return f"{self.deployment} {self.track} ({self.base_url})"

    def url(self, api: Literal["chat", "completions"] | None = None) -> str:
        path = "chat/completions" if (api or self.api) == "chat" else "completions"
        return f"{self.base_url}/{path}"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.get_secret_value()}"
        return headers

    def redact(self, text: str) -> str:
        """``text`` with the token removed, should a server echo it back."""
        if self.token is None:
            return text
        secret = self.token.get_secret_value()
        return text.replace(secret, "[token]") if secret else text


def read_token(config: EndpointsConfig) -> SecretStr | None:
    """The bearer token from ``token_file`` or ``token_env``; EndpointError names the source
    (never the value) when it cannot be read or is empty."""
    if config.token_file is not None:
        path = config.token_file.expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise EndpointError(
                f"endpoints.token_file: {path}: cannot read: {err.strerror or err}"
            ) from None
        if not value:
            raise EndpointError(f"endpoints.token_file: {path}: is empty")
        return SecretStr(value)
    if config.token_env is not None:
        value = os.environ.get(config.token_env, "").strip()
        if not value:
            raise EndpointError(f"endpoints.token_env: ${config.token_env} is not set or empty")
        return SecretStr(value)
    return None


def resolve(
    deployment: str,
    config: EndpointsConfig | None,
    track: TrackName,
    default_model: str | None = None,
) -> Endpoint:
    """The endpoint of ``track`` from config; EndpointError when none is configured."""
    url = getattr(config, track) if config is not None else None
    if config is None or url is None:
        raise EndpointError(
            f"deployment {deployment!r} has no {track} endpoint: add "
            f'[deployments.endpoints] {track} = "http://…/v1" to the configuration'
        )
    return Endpoint(
        deployment=deployment,
        track=track,
        base_url=url,
        model=config.model or default_model,
        api=config.api,
        token=read_token(config),
        pod_header=config.pod_header,
    )


def simulated(deployment: str, base: str, track: TrackName, model: str | None) -> Endpoint:
    """The simulator's endpoint for ``track`` at ``base`` (``http://127.0.0.1:PORT``)."""
    return Endpoint(
        deployment=deployment,
        track=track,
        base_url=f"{base.rstrip('/')}/{track}/v1",
        model=model,
        simulated=True,
    )
