"""``PrometheusSource`` reading the series recorded by ``inference-console prometheus rules``.

The panels, requests and arithmetic are the raw source's; only the inputs change: each covered
input reads its recorded series (``namespace_track:…{namespace=…,track=…}``) instead of every
pod's raw series, so the server's work per refresh no longer grows with the fleet. A window the
rules do not record (``snapshot --window 10m`` with 1m/5m rules) reads the raw series for the
windowed inputs, which is exact but as slow as without rules; the source's name lists the
recorded windows. Missing rules, or rules generated from another configuration, are errors that
say so (see ``console.sources.recording``).
Recorded series are fresh while the rules evaluate, however old the raw samples behind them are,
so freshness reads the recorded newest raw sample time (``…:last_sample_time``) instead.
"""

from __future__ import annotations

from console.clock import Clock
from console.errors import SourceError
from console.model import DeploymentSpec, Track
from console.profiles import Input
from console.sources.prometheus import STALE_AFTER_S, PrometheusSource
from console.sources.prometheus_values import Raw, compose
from console.sources.promql import PrometheusClient
from console.sources.recording import (
    MARKER,
    MARKER_INPUT,
    recorded_inputs,
    track_rules,
    window_name,
)

REGENERATE = "`inference-console prometheus rules`"


class RecordedPrometheusSource(PrometheusSource):
    """Panel values from recorded series (see the module docstring)."""

    def __init__(
        self,
        client: PrometheusClient,
        profile: str = "vllm",
        overrides: dict[str, str] | None = None,
        metric_prefix: str = "",
        track_selectors: dict[str, dict[Track, str]] | None = None,
        clock: Clock | None = None,
        *,
        windows: tuple[float, ...] = (60.0, 300.0),
        stale_after: float = STALE_AFTER_S,
        scrape_interval: float | None = None,
    ) -> None:
        super().__init__(
            client, profile, overrides, metric_prefix, track_selectors, clock,
            stale_after=stale_after, scrape_interval=scrape_interval,
        )  # fmt: skip
        if not windows:
            raise SourceError("recording rules need at least one window")
        self.windows = windows
        self.by[MARKER_INPUT] = "digest"
        self._plans: dict[str, dict[str, tuple[Input, ...]]] = {}
        self._digests: dict[DeploymentSpec, dict[Track, str]] = {}

    @property
    def name(self) -> str:
        windows = ", ".join(window_name(w) for w in sorted(self.windows))
        return super().name.removesuffix(")") + f"; rules {windows})"

    def inputs(self) -> tuple[Input, ...]:
        return tuple(item for items in self.panels.values() for item in items)

    def digests(self, spec: DeploymentSpec) -> dict[Track, str]:
        """The marker digest each track's rules carry when generated from this configuration."""
        if spec not in self._digests:
            placeholders = super().selectors(spec)
            out: dict[Track, str] = {}
            for track, deployment in spec.tracks():
                rules = track_rules(
                    self.profile.name,
                    self.inputs(),
                    placeholders[track],
                    spec.namespace,
                    deployment,
                    self.windows,
                )
                out[track] = dict(rules[0].labels)["digest"]
            self._digests[spec] = out
        return self._digests[spec]

    def selectors(self, spec: DeploymentSpec) -> dict[Track, dict[str, str]]:
        out = super().selectors(spec)
        for track, digest in self.digests(spec).items():
            out[track]["digest"] = digest
        return out

    def expressions(self, selectors: dict[Track, dict[str, str]], window: str) -> dict[str, str]:
        if window not in self._plans:
            plan: dict[str, tuple[Input, ...]] = {}
            for item in recorded_inputs(self.profile.name, self.inputs(), self.windows, window):
                plan[item.panel] = (*plan.get(item.panel, ()), item)
            self._plans[window] = plan
        plan = self._plans[window]
        return {panel: compose(inputs, selectors, window) for panel, inputs in plan.items()}

    def _instant(self, selectors: dict[Track, dict[str, str]], window: str, at: float) -> Raw:
        raw = super()._instant(selectors, window, at)
        for track in Track:
            want = selectors[track]["digest"]
            found = sorted(lb for t, name, lb in raw if (t, name) == (track, MARKER_INPUT))
            where = f"{MARKER}{{{selectors[track]['rec_sel']}}}"
            if not found:
                raise SourceError(
                    f"recording rules missing: no recorded series {where} in Prometheus at "
                    f"{self.client.shown_url}: are the rules from {REGENERATE} loaded?"
                )
            if want not in found:
                raise SourceError(
                    f"recording rules out of date: {where} has digest {', '.join(found)}, "
                    "this configuration "
                    f"makes {want}: the loaded rules were generated from another configuration; "
                    f"regenerate them with {REGENERATE} and reload Prometheus"
                )
        return raw
