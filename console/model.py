"""Domain types: what every source returns, the core reasons about and the screen shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Track(StrEnum):
    """The two sides of a canary rollout."""

    STABLE = "stable"
    CANARY = "canary"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")


class Quantiles(_Value):
    """p50/p90/p99 of a latency or rate distribution; None where there is no data."""

    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


class SizeStats(_Value):
    """Tokens per request: mean and p90."""

    mean: float | None = None
    p90: float | None = None


class CodeRates(_Value):
    """Responses per second by status class (serialised as "2xx"/"4xx"/"5xx")."""

    ok: float | None = Field(default=None, alias="2xx")
    client_error: float | None = Field(default=None, alias="4xx")
    server_error: float | None = Field(default=None, alias="5xx")


class FinishRates(_Value):
    """Finished requests per second by why they finished, as the engine counts them (vLLM's
    ``finished_reason``; TGI's and SGLang's failure counters); None where the engine does not
    say. ``error`` is a server-side failure, ``abort`` a request given up (mostly the client)."""

    stop: float | None = None
    length: float | None = None
    abort: float | None = None
    error: float | None = None


class Replicas(_Value):
    """Replica counts of one track: desired, serving (available) and starting (created, not yet
    available)."""

    desired: int | None = None
    serving: int | None = None
    starting: int | None = None


class TrackValues(_Value):
    """Every panel's current value for one track. Missing data is None, never 0."""

    requests_per_s: float | None = None
    error_share: float | None = None
    codes_per_s: CodeRates = CodeRates()
    input_tokens: SizeStats = SizeStats()
    output_tokens: SizeStats = SizeStats()
    ttft_s: Quantiles = Quantiles()
    itl_s: Quantiles = Quantiles()
    e2e_s: Quantiles = Quantiles()
    tps: Quantiles = Quantiles()
    replicas: Replicas = Replicas()
    gpu_memory_used_fraction: float | None = None
    gpu_utilization_fraction: float | None = None
    kv_cache_used_fraction: float | None = None
    cpu_cores: float | None = None
    host_memory_bytes: float | None = None
    queue_depth: float | None = None
    #: Server-side failures per second: HTTP 5xx, or the engine's own failure count when larger
    #: (failures after a stream began answer 200; TGI's failed generations answer 424).
    failed_per_s: float | None = None
    running: float | None = None
    finish_per_s: FinishRates = FinishRates()
    queue_time_s: Quantiles = Quantiles()
    tpot_s: Quantiles = Quantiles()
    prefix_cache_hit_fraction: float | None = None
    #: Scrape targets of the track that Prometheus cannot reach (``up == 0``).
    targets_down: float | None = None

    def flat(self) -> dict[str, float | None]:
        """The values as dotted keys ("ttft_s.p99", "codes_per_s.5xx"), as histories store them."""
        out: dict[str, float | None] = {}
        for key, value in self.model_dump(by_alias=True).items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    out[f"{key}.{sub}"] = None if v is None else float(v)
            else:
                out[key] = None if value is None else float(value)
        return out


#: Every dotted key a history may carry (the flattened TrackValues).
HISTORY_KEYS: tuple[str, ...] = tuple(TrackValues().flat())


class History(_Value):
    """Evenly spaced samples of flattened track values: point i is at ``start + i * step_s``."""

    start: float
    step_s: float
    series: dict[str, list[float | None]] = {}

    def values(self, key: str) -> list[float | None]:
        return self.series.get(key, [])


class Health(StrEnum):
    """The canary's badge in the header."""

    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    INCONCLUSIVE = "inconclusive"
    NONE = "none"  # no canary traffic or no canary at all


class CanaryState(_Value):
    """Where the rollout stands: the configured plan and the current split."""

    weight_percent: float
    steps: tuple[float, ...] = (1, 5, 10, 25, 50, 100)
    mirror_percent: float | None = None
    health: Health = Health.NONE
    health_reason: str = ""
    #: When the weights last changed (epoch seconds; None: not seen change since start).
    changed_at: float | None = None

    @property
    def next_weight(self) -> float | None:
        return next((s for s in self.steps if s > self.weight_percent + 1e-9), None)


class FleetSnapshot(_Value):
    """One refresh of one deployment: per-track values, short histories, the canary, freshness.

    ``window_s`` is the look-back of the current values (rates over it, quantiles of what finished
    in it); ``history_s`` is the span of the sparkline histories. ``stale`` marks values that are
    not current (the source's newest samples are old, or polls failed); ``stale_reason`` says why
    when the source knows (``canary metrics 180s old``)."""

    deployment: str
    source: str
    at: datetime
    window_s: float
    #: The window asked for, when the source had to widen it (four scrape intervals at least:
    #: ``rate`` over fewer samples returns nothing); None when ``window_s`` is what was asked.
    requested_window_s: float | None = None
    history_s: float | None = None
    stale: bool = False
    stale_reason: str | None = None
    tracks: dict[Track, TrackValues]
    histories: dict[Track, History] = {}
    canary: CanaryState | None = None
    error: str | None = None

    def observed_share(self) -> float | None:
        """The canary's share of the requests it measured, percent (None: no traffic seen)."""
        stable = self.tracks.get(Track.STABLE)
        canary = self.tracks.get(Track.CANARY)
        if stable is None or canary is None:
            return None
        total = (stable.requests_per_s or 0.0) + (canary.requests_per_s or 0.0)
        return None if total <= 0 else 100.0 * (canary.requests_per_s or 0.0) / total


class DeploymentSpec(_Value):
    """Which Kubernetes objects make up one deployment's two tracks."""

    name: str
    namespace: str = "default"
    stable: str
    canary: str

    def tracks(self) -> tuple[tuple[Track, str], tuple[Track, str]]:
        """Each track with its Deployment's name, stable first."""
        return (Track.STABLE, self.stable), (Track.CANARY, self.canary)


class DeploymentStatus(_Value):
    """A Deployment's replica status as the cluster reports it."""

    name: str
    desired: int
    ready: int = 0
    available: int = 0
    updated: int = 0
    generation: int = 1
    observed_generation: int = 1

    @property
    def caught_up(self) -> bool:
        return self.observed_generation >= self.generation

    @property
    def starting(self) -> int:
        return max(self.desired - self.available, 0)


class RouteState(_Value):
    """The traffic split as written in the router object (weights are relative, not percent)."""

    kind: str
    name: str
    stable_weight: int
    canary_weight: int
    mirror_percent: float | None = None
    resource_version: str = ""
    #: Why the console cannot move this split (e.g. a KServe InferenceService in Standard mode,
    #: where ``canaryTrafficPercent`` does nothing); None when it can. Planners refuse with it.
    cannot_act: str | None = None

    @property
    def canary_percent(self) -> float:
        total = self.stable_weight + self.canary_weight
        return 0.0 if total <= 0 else 100.0 * self.canary_weight / total


class ClusterState(_Value):
    """Both tracks' Deployments and the route between them, read together."""

    stable: DeploymentStatus
    canary: DeploymentStatus
    route: RouteState

    def track(self, track: Track) -> DeploymentStatus:
        return self.stable if track is Track.STABLE else self.canary


@dataclass(frozen=True, slots=True)
class LogLine:
    """One log line from a source, as received (the full text; displays cut and clean it).

    A slotted dataclass rather than a pydantic model: a busy fleet produces tens of thousands of
    these a second and they are never validated from outside input.
    ``time`` is seconds since the epoch when the source knows it; ``level`` is set when the source
    knows it (audit records), else the display works it out from the text."""

    text: str
    source: str = ""
    track: str = ""
    time: float | None = None
    level: str | None = None
