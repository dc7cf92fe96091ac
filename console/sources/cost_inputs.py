"""Measured cost inputs per track over a horizon: from Prometheus, or from the simulated fleet."""

from __future__ import annotations

import math
from datetime import datetime
from string import Template
from typing import Protocol

from console.cost.usage import TrackUsage, Usage
from console.model import DeploymentSpec, Track, TrackValues
from console.sources.promql import PrometheusClient
from console.sources.selectors import promql_string, track_selector
from console.units import format_duration

#: PromQL templates (``string.Template``: ``$sel`` pod matchers of one track, ``$gpu_sel`` the same
#: on DCGM's exported_* labels, ``$deployment_sel`` kube-state-metrics matchers, ``$horizon``,
#: ``$step`` and ``$namespace``/``$deployment``). Override any of them by name.
#:
#: Tokens: ``increase`` over the whole horizon handles counter resets (pod restarts) and, for pods
#: that came or went inside it, extrapolates at most half a scrape interval past their first/last
#: sample; summing per pod afterwards is the right order (sum of increases, not increase of sums).
#:
#: Replicas: kube_deployment_status_replicas counts the pods created (serving + starting). The
#: subquery ``max(...)[$horizon:$step]`` re-evaluates the count every ``$step`` across the horizon
#: (each point the newest sample within the lookback), so ``avg_over_time`` of it is a
#: time-weighted mean even when scrapes are missing or kube-state-metrics runs in two replicas
#: (``max`` folds its duplicate series into one). Replica-hours = that mean × horizon hours. The
#: replica_samples query counts the points that had data, to warn when coverage is thin.
DEFAULT_QUERIES: dict[str, str] = {
    "input_tokens": "sum(increase(vllm:prompt_tokens_total{$sel}[$horizon]))",
    "output_tokens": "sum(increase(vllm:generation_tokens_total{$sel}[$horizon]))",
    "replicas": (
        "avg_over_time(max(kube_deployment_status_replicas{$deployment_sel})[$horizon:$step])"
    ),
    "replica_samples": (
        "count_over_time(max(kube_deployment_status_replicas{$deployment_sel})[$horizon:$step])"
    ),
    "running_fraction": (
        "avg_over_time((max(kube_deployment_status_replicas{$deployment_sel}) > bool 0)"
        "[$horizon:$step])"
    ),
    # DCGM's exported_pod, else pod (DCGM scraped with honorLabels), as the panels read it.
    "gpu_utilization": (
        "avg(avg_over_time(DCGM_FI_DEV_GPU_UTIL{$gpu_sel}[$horizon])) / 100"
        " or avg(avg_over_time(DCGM_FI_DEV_GPU_UTIL{$gpu_pod_sel}[$horizon])) / 100"
    ),
}

#: Below this share of subquery points with data, the replica average gets a warning.
MIN_COVERAGE = 0.9


def default_step_s(horizon_s: float) -> int:
    """Subquery step: about 2016 points over the horizon, never finer than a minute (5m for 7d)."""
    return max(60, math.ceil(horizon_s / 2016))


#: Token counters of the other server profiles (TGI has no token counters: histogram sums).
PROFILE_TOKEN_QUERIES: dict[str, dict[str, str]] = {
    "vllm": {},
    "tgi": {
        "input_tokens": "sum(increase(tgi_request_input_length_sum{$sel}[$horizon]))",
        "output_tokens": "sum(increase(tgi_request_generated_tokens_sum{$sel}[$horizon]))",
    },
    "sglang": {
        "input_tokens": "sum(increase(sglang:prompt_tokens_total{$sel}[$horizon]))",
        "output_tokens": "sum(increase(sglang:generation_tokens_total{$sel}[$horizon]))",
    },
}


def profile_queries(profile: str) -> dict[str, str]:
    """The profile's token queries as ``cost.<name>`` overrides."""
    return {f"cost.{k}": v for k, v in PROFILE_TOKEN_QUERIES.get(profile, {}).items()}


def cost_queries(overrides: dict[str, str]) -> dict[str, str]:
    """The cost queries with ``cost.<name>`` entries of a config's ``[prometheus.queries]`` on top.
    Raises ValueError for an unknown name."""
    out = dict(DEFAULT_QUERIES)
    for key, template in overrides.items():
        if not key.startswith("cost."):
            continue
        name = key.removeprefix("cost.")
        if name not in DEFAULT_QUERIES:
            known = ", ".join(f"cost.{n}" for n in DEFAULT_QUERIES)
            raise ValueError(f"prometheus.queries: {key!r}: unknown query (known: {known})")
        out[name] = template
    return out


class PrometheusCostInputs:
    """Token counts and replica-hours per track over a horizon, measured through PromQL."""

    def __init__(
        self,
        client: PrometheusClient,
        queries: dict[str, str] | None = None,
        step_s: int | None = None,
    ) -> None:
        unknown = set(queries or {}) - set(DEFAULT_QUERIES)
        if unknown:
            raise ValueError(f"unknown cost queries: {', '.join(sorted(unknown))}")
        self.client = client
        self.queries = {**DEFAULT_QUERIES, **(queries or {})}
        self.step_s = step_s

    @property
    def name(self) -> str:
        return f"prometheus {self.client.shown_url}"

    def usage(
        self, spec: DeploymentSpec, horizon_s: float, at: datetime | float | None = None
    ) -> Usage:
        """Measure both tracks of ``spec`` over the ``horizon_s`` seconds ending at ``at``.
        Raises SourceError when Prometheus cannot answer; missing series become None + warning."""
        step = self.step_s or default_step_s(horizon_s)
        hours = horizon_s / 3600.0
        span = format_duration(horizon_s)
        warnings: list[str] = []
        tracks: dict[Track, TrackUsage] = {}
        pods: list[str] = []
        for track, name in spec.tracks():
            pods.append(name)
            values = {"sel": track_selector(spec.namespace, name)}
            values |= self._common(spec.namespace, name, horizon_s, step)

            def run(query: str, values: dict[str, str] = values) -> float | None:
                expr = Template(self.queries[query]).safe_substitute(values)
                return self.client.scalar(expr, at)

            tokens_in = run("input_tokens")
            tokens_out = run("output_tokens")
            for label, value in (("input", tokens_in), ("output", tokens_out)):
                if value is None:
                    warnings.append(
                        f"{track.value} ({name}): no {label}-token series over {span}: "
                        "left out of the total"
                    )
            mean = run("replicas")
            replica_hours = None if mean is None else mean * hours
            if mean is None:
                warnings.append(
                    f"{track.value} ({name}): no kube_deployment_status_replicas series over "
                    f"{span}: its GPU-hours are unknown"
                )
            else:
                points = run("replica_samples") or 0.0
                coverage = points / max(horizon_s / step, 1.0)
                if coverage < MIN_COVERAGE:
                    warnings.append(
                        f"{track.value} ({name}): replica counts cover {coverage:.0%} of {span}; "
                        "the rest is assumed to look the same"
                    )
            running = run("running_fraction")
            tracks[track] = TrackUsage(
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                replica_hours=replica_hours,
                active_hours=None if running is None else running * hours,
            )
        gpu_values = {
            "sel": track_selector(spec.namespace, pods),
            "gpu_sel": track_selector(
                spec.namespace, pods, label="exported_pod", namespace_label="exported_namespace"
            ),
            "gpu_pod_sel": track_selector(spec.namespace, pods),
            **self._common(spec.namespace, spec.stable, horizon_s, step),
        }
        expr = Template(self.queries["gpu_utilization"]).safe_substitute(gpu_values)
        utilization = self.client.scalar(expr, at)
        if utilization is not None:
            utilization = min(max(utilization, 0.0), 1.0)
        return Usage(
            source=self.name,
            horizon_s=horizon_s,
            tracks=tracks,
            utilization=utilization,
            warnings=warnings,
        )

    @staticmethod
    def _common(namespace: str, deployment: str, horizon_s: float, step: int) -> dict[str, str]:
        return {
            "namespace": namespace,
            "deployment": deployment,
            "deployment_sel": (
                f"namespace={promql_string(namespace)},deployment={promql_string(deployment)}"
            ),
            "horizon": f"{round(horizon_s)}s",
            "step": f"{step}s",
        }


class GroundTruth(Protocol):
    """Anything that reports a track's true current values (the simulated fleet does)."""

    def ground_truth(self, track: Track, window_s: float) -> TrackValues: ...

    def running_for(self, track: Track) -> float: ...


class SimCostInputs:
    """Cost inputs for the demo: the simulated fleet's recent rates extrapolated to the horizon."""

    name = "sim"

    def __init__(self, fleet: GroundTruth, window_s: float = 900.0) -> None:
        self.fleet = fleet
        self.window_s = window_s

    def usage(self, spec: DeploymentSpec, horizon_s: float) -> Usage:
        hours = horizon_s / 3600.0
        tracks: dict[Track, TrackUsage] = {}
        warnings = [
            f"simulated fleet: extrapolated to {format_duration(horizon_s)} from the last "
            f"{self.window_s / 60:g} minutes"
        ]
        for track, name in spec.tracks():
            values = self.fleet.ground_truth(track, self.window_s)
            rps = values.requests_per_s
            requests = None if rps is None else rps * horizon_s
            tokens_in = _times(requests, values.input_tokens.mean)
            tokens_out = _times(requests, values.output_tokens.mean)
            replicas = _replicas(values)
            if tokens_in is None or tokens_out is None:
                warnings.append(f"{track.value} ({name}): no token figures from the simulation")
            if replicas is None:
                warnings.append(f"{track.value} ({name}): no replica counts from the simulation")
            # Stable is the fleet's standing size, extrapolated over the horizon; the canary has
            # run only as long as its oldest pod (the rollout's actual duration so far).
            active = hours
            if track is Track.CANARY:
                active = min(hours, self.fleet.running_for(track) / 3600.0)
            tracks[track] = TrackUsage(
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                replica_hours=None if replicas is None else replicas * active,
                active_hours=None if replicas is None else (active if replicas > 0 else 0.0),
            )
        return Usage(source=self.name, horizon_s=horizon_s, tracks=tracks, warnings=warnings)


def _times(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a * b


def _replicas(values: TrackValues) -> float | None:
    serving, starting = values.replicas.serving, values.replicas.starting
    if serving is None and starting is None:
        return None
    return float((serving or 0) + (starting or 0))
