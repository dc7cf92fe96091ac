"""The whole configuration as one validated model (the sections are in ``sections``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from console.config.sections import (
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

ENV_PREFIX = "INFERENCE_CONSOLE_"


class Settings(BaseModel):
    """The whole configuration. Environment variables override the file:
    ``INFERENCE_CONSOLE_REFRESH_INTERVAL=2s``, ``INFERENCE_CONSOLE_PROMETHEUS__URL=...``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

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
