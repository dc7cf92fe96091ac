"""Configuration: a TOML file (XDG path or --config) with environment overrides, validated by
pydantic; a bad file becomes one precise line per problem, never a traceback."""

from __future__ import annotations

import itertools
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from console.model import DeploymentSpec
from console.units import parse_duration

ENV_PREFIX = "INFERENCE_CONSOLE_"
APP_DIR = "inference-console"

#: Seconds, written in config as "30s", "5m", "1h", "7d" or a bare number of seconds.
Duration = Annotated[float, BeforeValidator(parse_duration)]

SCENARIOS = ("healthy", "slow-canary", "failing-canary", "cold-start", "traffic-spike")
WINDOWS_S = (300.0, 900.0, 3600.0)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatesConfig(_Section):
    """When a canary may take its next step."""

    window: Duration = 300.0
    min_requests: int = Field(default=200, ge=0)
    max_error_share: float = Field(default=0.02, ge=0, le=1)
    max_ttft_p99_ratio: float = Field(default=1.25, gt=0)
    max_itl_p99_ratio: float = Field(default=1.25, gt=0)
    max_ttft_p99_s: float | None = Field(default=None, gt=0)
    max_itl_p99_s: float | None = Field(default=None, gt=0)
    max_share_deviation: float = Field(default=0.5, ge=0)


class RouterConfig(_Section):
    """The object that splits traffic between the tracks."""

    kind: Literal["httproute", "istio", "kserve", "replicas"] = "httproute"
    #: The router object's name (default: the deployment's name).
    name: str | None = None
    #: The backends naming each track in it: HTTPRoute backendRef names, Istio subsets or hosts
    #: (default: the track's Deployment name).
    stable_backend: str | None = None
    canary_backend: str | None = None
    #: ``replicas`` only: the most replicas a step may ask of either track. Small steps cost
    #: stable replicas with that router (1 % is 99 : 1); a step over the cap is skipped.
    max_replicas: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _cap_needs_replicas(self) -> RouterConfig:
        if self.max_replicas is not None and self.kind != "replicas":
            raise ValueError(
                f"max_replicas applies only to kind = 'replicas' (this router is {self.kind!r})"
            )
        return self


class CostConfig(_Section):
    """Prices and engineering figures for the cost meter (all optional per deployment)."""

    price_in_per_mtok: float | None = Field(default=None, ge=0)
    price_out_per_mtok: float | None = Field(default=None, ge=0)
    gpu_hour_price: float | None = Field(default=None, ge=0)
    gpus_per_replica: int | None = Field(default=None, gt=0)
    engineering_hours_per_week: float | None = Field(default=None, ge=0)
    engineering_rate: float | None = Field(default=None, ge=0)
    horizon: Duration | None = None


class DeploymentConfig(_Section):
    """One deployment: its two tracks, the router, the step plan and its gates."""

    name: str = Field(min_length=1)
    namespace: str = "default"
    stable: str = Field(min_length=1)
    canary: str = Field(min_length=1)
    router: RouterConfig = RouterConfig()
    steps: tuple[float, ...] = (1, 5, 10, 25, 50, 100)
    replica_capacity_rps: float = Field(default=4.0, gt=0)
    headroom: float = Field(default=0.25, ge=0)
    min_canary_replicas: int = Field(default=1, ge=0)
    warm_timeout: Duration = 600.0
    trim_stable: bool = False
    gates: GatesConfig = GatesConfig()
    cost: CostConfig = CostConfig()
    model: str | None = None
    #: PromQL label matchers (no braces) replacing the default pod selector of a track.
    stable_selector: str | None = None
    canary_selector: str | None = None

    @field_validator("steps")
    @classmethod
    def _steps_increase(cls, steps: tuple[float, ...]) -> tuple[float, ...]:
        if not steps:
            raise ValueError("needs at least one step")
        if any(not 0 < s <= 100 for s in steps):
            raise ValueError("each step is a percentage in (0, 100]")
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise ValueError("steps must strictly increase")
        return steps

    @model_validator(mode="after")
    def _tracks_differ(self) -> DeploymentConfig:
        if self.stable == self.canary:
            raise ValueError(f"stable and canary are both {self.stable!r}")
        return self

    def spec(self) -> DeploymentSpec:
        return DeploymentSpec(
            name=self.name, namespace=self.namespace, stable=self.stable, canary=self.canary
        )


class PrometheusConfig(_Section):
    url: str = "http://127.0.0.1:9090"
    profile: Literal["vllm", "tgi", "sglang"] = "vllm"
    timeout: Duration = 5.0
    bearer_token_file: Path | None = None
    bearer_token: SecretStr | None = None
    ca_file: Path | None = None
    insecure_skip_verify: bool = False
    #: Per-panel overrides by input name or snapshot value key (``ttft_s.p99``), and ``cost.*``.
    queries: dict[str, str] = {}
    #: Prefix of the server's metric names where they were renamed (``kserve_`` for kserve_vllm:).
    metric_prefix: str = Field(default="", pattern=r"^[a-zA-Z_:]*$")
    #: Read the series recorded by ``inference-console prometheus rules`` instead of every pod's.
    recording_rules: bool = False
    #: The rate windows those rules record: the dashboard's rate window and the gates window.
    recording_windows: tuple[Duration, ...] = (60.0, 300.0)
    #: A track whose newest sample of the server's own gauge is older than this is STALE. Two
    #: minutes: four missed scrapes at 30 s (eight at 15 s), room for a 1 m scrape interval plus
    #: a rule interval, and well inside Prometheus's 5 m lookback, after which series vanish.
    stale_after: Duration = Field(default=120.0, gt=0)

    @field_validator("recording_windows")
    @classmethod
    def _whole_seconds(cls, windows: tuple[float, ...]) -> tuple[float, ...]:
        if not windows:
            raise ValueError("needs at least one window")
        if any(w < 1 or w != round(w) for w in windows):
            raise ValueError("each window is a whole number of seconds, at least 1s")
        return tuple(sorted(set(windows)))

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _known_queries(self) -> PrometheusConfig:
        from console.sources.profiles import resolve

        resolve(self.profile, self.queries, self.metric_prefix)
        return self


class KubernetesConfig(_Section):
    """The cluster: kubeconfig (default ``$KUBECONFIG``, then ``~/.kube/config``) and context."""

    context: str | None = None
    kubeconfig: Path | None = None
    request_timeout: Duration = Field(default=10.0, gt=0)
    #: The field manager named in ``managedFields`` for the console's writes.
    field_manager: str = Field(default="inference-console", min_length=1, max_length=128)


def default_audit_path() -> Path:
    """``$XDG_STATE_HOME/inference-console/audit.jsonl`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / APP_DIR / "audit.jsonl"


class AuditConfig(_Section):
    path: Path = Field(default_factory=default_audit_path)


class LogsConfig(_Section):
    """The log pane: how many lines it keeps, the tail on start, a local file to follow."""

    buffer_lines: int = Field(default=10_000, ge=100, le=1_000_000)
    tail_lines: int = Field(default=500, ge=0, le=100_000)
    file: Path | None = None
    sim: bool = True
    save_dir: Path = Path("~/.local/state/inference-console/logs")
    #: With ``[kubernetes]``: the pods' logs in the logs tab, Events and changes by others in
    #: the audit tab.
    kubernetes: bool = True
    pod_tail_lines: int = Field(default=100, ge=0, le=100_000)
    #: Pods whose logs are followed at once, per track (each is a connection to the API server).
    max_pods_per_track: int = Field(default=20, ge=1, le=500)
    events_interval: Duration = Field(default=5.0, ge=0.05)


class SimConfig(_Section):
    scenario: Literal["healthy", "slow-canary", "failing-canary", "cold-start", "traffic-spike"] = (
        "healthy"
    )
    seed: int = 7


class ThresholdsConfig(_Section):
    """Where panel values turn warn/bad colours (canary latency is also judged against stable)."""

    error_share_warn: float = Field(default=0.01, ge=0, le=1)
    error_share_bad: float = Field(default=0.05, ge=0, le=1)
    ttft_p99_warn_s: float = Field(default=2.0, gt=0)
    ttft_p99_bad_s: float = Field(default=5.0, gt=0)
    itl_p99_warn_s: float = Field(default=0.1, gt=0)
    itl_p99_bad_s: float = Field(default=0.25, gt=0)
    e2e_p99_warn_s: float = Field(default=30.0, gt=0)
    e2e_p99_bad_s: float = Field(default=60.0, gt=0)
    queue_per_replica_warn: float = Field(default=1.0, ge=0)
    queue_per_replica_bad: float = Field(default=8.0, ge=0)
    gpu_memory_warn: float = Field(default=0.92, ge=0, le=1)
    gpu_memory_bad: float = Field(default=0.97, ge=0, le=1)
    kv_cache_warn: float = Field(default=0.90, ge=0, le=1)
    kv_cache_bad: float = Field(default=0.98, ge=0, le=1)


class UIConfig(_Section):
    theme: str = "console-dark"
    window: Duration = 300.0
    rate_window: Duration = 60.0
    compact: bool | None = None
    thresholds: ThresholdsConfig = ThresholdsConfig()

    @field_validator("window")
    @classmethod
    def _known_window(cls, window: float) -> float:
        if window not in WINDOWS_S:
            raise ValueError("must be one of 5m, 15m, 1h")
        return window


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


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` holds one precise line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
