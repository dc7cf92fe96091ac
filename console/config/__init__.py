"""Configuration: one pydantic model per section (``sections``), the loader that reads a TOML
file into ``Settings`` (``settings``) and turns every problem into one precise line (``loader``),
environment overrides through pydantic-settings, loaded only when a variable is set
(``environment``), and which file and deployment a run uses (``resolve``).

Headless: imports the domain model, units and errors, and the PromQL table
``console.profiles`` (pure data) to refuse unknown query overrides; never Textual, the UI,
the CLI or the sources (the factory builds those from these settings)."""

from console.config.loader import default_config_path, load_settings
from console.config.resolve import Loaded, resolve
from console.config.sections import (
    APP_DIR,
    SCENARIOS,
    WINDOWS_S,
    AuditConfig,
    CostConfig,
    DeploymentConfig,
    GatesConfig,
    KubernetesConfig,
    LogsConfig,
    PrometheusConfig,
    RouterConfig,
    SimConfig,
    ThresholdsConfig,
    UIConfig,
    default_audit_path,
    demo_audit_path,
)
from console.config.settings import DEMO_DEPLOYMENT, ENV_PREFIX, Settings
from console.errors import ConfigError

__all__ = [
    "APP_DIR",
    "DEMO_DEPLOYMENT",
    "ENV_PREFIX",
    "SCENARIOS",
    "WINDOWS_S",
    "AuditConfig",
    "ConfigError",
    "CostConfig",
    "DeploymentConfig",
    "GatesConfig",
    "KubernetesConfig",
    "Loaded",
    "LogsConfig",
    "PrometheusConfig",
    "RouterConfig",
    "Settings",
    "SimConfig",
    "ThresholdsConfig",
    "UIConfig",
    "default_audit_path",
    "default_config_path",
    "demo_audit_path",
    "load_settings",
    "resolve",
]
