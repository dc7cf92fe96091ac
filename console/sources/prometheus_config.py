"""The Prometheus client, metrics source and cost inputs, built from ``[prometheus]``."""

from __future__ import annotations

from collections.abc import Iterable

from console.clock import Clock
from console.config import DeploymentConfig, PrometheusConfig
from console.errors import SourceError
from console.model import Track
from console.profiles import resolve
from console.sources.cost_inputs import PrometheusCostInputs, cost_queries, profile_queries
from console.sources.prometheus import PrometheusSource
from console.sources.promql import PrometheusClient
from console.sources.recording import Rule, track_rules
from console.sources.selectors import track_placeholders


def read_token(prom: PrometheusConfig) -> str | None:
    """The bearer token from the settings or its file; SourceError (without the token) when the
    file cannot be read."""
    if prom.bearer_token is not None:
        return prom.bearer_token.get_secret_value()
    if prom.bearer_token_file is None:
        return None
    try:
        return prom.bearer_token_file.expanduser().read_text(encoding="utf-8").strip()
    except OSError as err:
        raise SourceError(
            f"prometheus.bearer_token_file: cannot read {prom.bearer_token_file}: "
            f"{err.strerror or err}"
        ) from None


def build_client(prom: PrometheusConfig) -> PrometheusClient:
    return PrometheusClient(
        prom.url,
        timeout=prom.timeout,
        bearer_token=read_token(prom),
        ca_file=prom.ca_file,
        insecure_skip_verify=prom.insecure_skip_verify,
        max_bytes=prom.max_response_bytes,
    )


def build_source(
    prom: PrometheusConfig, deployments: Iterable[DeploymentConfig], clock: Clock | None = None
) -> PrometheusSource:
    """The metrics source for ``deployments`` (their per-track selector overrides included)."""
    selectors: dict[str, dict[Track, str]] = {}
    for d in deployments:
        selectors[d.name] = selector_overrides(d)
    args = (build_client(prom), prom.profile, prom.queries, prom.metric_prefix, selectors, clock)
    if prom.recording_rules:
        from console.sources.prometheus_recorded import RecordedPrometheusSource

        return RecordedPrometheusSource(
            *args,
            windows=prom.recording_windows,
            stale_after=prom.stale_after,
            scrape_interval=prom.scrape_interval,
        )
    return PrometheusSource(
        *args, stale_after=prom.stale_after, scrape_interval=prom.scrape_interval
    )


def selector_overrides(deployment: DeploymentConfig) -> dict[Track, str]:
    """The track selectors configured for ``deployment`` (tracks without one left out)."""
    chosen = {Track.STABLE: deployment.stable_selector, Track.CANARY: deployment.canary_selector}
    return {track: selector for track, selector in chosen.items() if selector}


def rule_groups(
    prom: PrometheusConfig, deployments: Iterable[DeploymentConfig]
) -> list[tuple[str, list[Rule]]]:
    """The recording rules for ``deployments``' tracks: one group per track (a Deployment shared
    by two deployments is recorded once), built from the same inputs and placeholders as the
    source's queries. Raises SourceError when one Deployment has two different selectors."""
    try:
        _, inputs = resolve(prom.profile, prom.queries, prom.metric_prefix)
    except ValueError as err:
        raise SourceError(str(err)) from None
    groups: dict[tuple[str, str], list[Rule]] = {}
    for d in deployments:
        placeholders = track_placeholders(d.spec(), selector_overrides(d))
        for track, name in d.spec().tracks():
            rules = track_rules(
                prom.profile, inputs, placeholders[track], d.namespace, name,
                prom.recording_windows,
            )  # fmt: skip
            key = (d.namespace, name)
            if groups.setdefault(key, rules) != rules:
                raise SourceError(
                    f"deployment {d.name!r}: {d.namespace}/{name} is also a track of another "
                    "deployment, with another selector: one Deployment, one set of rules"
                )
    return [(f"inference-console/{ns}/{name}", rules) for (ns, name), rules in groups.items()]


def cost_inputs(prom: PrometheusConfig, client: PrometheusClient) -> PrometheusCostInputs:
    """The cost meter's measured inputs through ``client`` (the profile's token queries and any
    ``cost.*`` overrides)."""
    try:
        queries = cost_queries({**profile_queries(prom.profile), **prom.queries})
    except ValueError as err:
        raise SourceError(str(err)) from None
    return PrometheusCostInputs(client, queries)
