"""What can be configured: one pydantic model per section of the TOML file (the loading, the
environment overrides and the error lines live in ``console.config``)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from console.model import DeploymentSpec
from console.profiles import resolve as resolve_queries
from console.traffic.endpoints import EndpointsConfig
from console.units import parse_duration

APP_DIR = "inference-console"

#: Seconds, written in config as "30s", "5m", "1h", "7d" or a bare number of seconds.
Duration = Annotated[float, BeforeValidator(parse_duration)]

SCENARIOS = ("healthy", "slow-canary", "failing-canary", "cold-start", "traffic-spike")
WINDOWS_S = (300.0, 900.0, 3600.0)


class _Section(BaseModel):
    # inf and nan are not numbers anyone configures: refused, like any out-of-range value.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
    replica_capacity_rps: float = Field(default=4.0, gt=0, le=1e6)
    headroom: float = Field(default=0.25, ge=0, le=10)
    min_canary_replicas: int = Field(default=1, ge=0)
    warm_timeout: Duration = 600.0
    trim_stable: bool = False
    #: Replicas of the old stable a finish keeps warm, so a rollback needs no cold start.
    finish_keep_stable: int = Field(default=0, ge=0, le=10000)
    gates: GatesConfig = GatesConfig()
    cost: CostConfig = CostConfig()
    #: Each track's OpenAI-compatible endpoint, for test traffic (``request``, ``loadtest``…).
    endpoints: EndpointsConfig | None = None
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

    @model_validator(mode="after")
    def _whole_steps_for_weights(self) -> DeploymentConfig:
        # Route weights are whole numbers out of 100 (KServe takes a whole percentage): 0.5 would
        # be written as 0 (a step that never moves) and 1.5 as 2 (more than the step).
        if self.router.kind != "replicas" and any(s != int(s) for s in self.steps):
            raise ValueError(
                f"steps must be whole percentages with the {self.router.kind} router: "
                f"{', '.join(f'{s:g}' for s in self.steps if s != int(s))}"
            )
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
    #: The scrape interval of the fleet's targets; unset: learned from Prometheus's targets.
    #: Rates are taken over at least four of them (fewer samples give ``rate`` nothing).
    scrape_interval: Duration | None = Field(default=None, gt=0, le=3600)
    #: The largest Prometheus answer read; a larger one is an error, not a memory spike.
    max_response_bytes: int = Field(default=8 * 2**20, ge=2**16, le=2**30)

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
        resolve_queries(self.profile, self.queries, self.metric_prefix)
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


def demo_audit_path() -> Path:
    """The simulated fleet's own trail, beside the default one: actions on the simulator never
    mix with the production record."""
    return default_audit_path().with_name("demo-audit.jsonl")


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
    #: The simulated fleet's time runs this many times faster than the wall clock (demos,
    #: end-to-end tests): warm-ups and gate windows pass sooner. Only with simulated metrics.
    speed: float = Field(default=1.0, ge=1.0, le=1000.0)


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
    # vLLM takes gpu_memory_utilization (0.9 by default) of the GPU at start-up, so ~0.92 with
    # the CUDA context is its normal reading; the KV cache's use is the pressure signal.
    gpu_memory_warn: float = Field(default=0.95, ge=0, le=1)
    gpu_memory_bad: float = Field(default=0.98, ge=0, le=1)
    kv_cache_warn: float = Field(default=0.90, ge=0, le=1)
    kv_cache_bad: float = Field(default=0.98, ge=0, le=1)


THEME_NAMES: Final = ("console-dark", "console-light", "console-colorblind")
"""The themes there are (``themes.THEMES`` holds their colours; a test keeps the two alike)."""


class UIConfig(_Section):
    theme: str = "console-dark"
    window: Duration = 300.0
    rate_window: Duration = 60.0
    compact: bool | None = None
    thresholds: ThresholdsConfig = ThresholdsConfig()

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, theme: str) -> str:
        if theme not in THEME_NAMES:
            raise ValueError(f"must be one of {', '.join(THEME_NAMES)}")
        return theme

    @field_validator("window")
    @classmethod
    def _known_window(cls, window: float) -> float:
        if window not in WINDOWS_S:
            raise ValueError("must be one of 5m, 15m, 1h")
        return window
