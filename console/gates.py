"""Canary gates: canary vs stable error share and p99 latency ratios, with a minimum sample."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from console.config import GatesConfig
from console.model import FleetSnapshot, Health, Track, TrackValues


class GateStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class GateResult:
    """One gate's outcome with what was observed and the limit it was held to."""

    name: str
    status: GateStatus
    observed: float | None
    limit: float | None
    detail: str


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.status is GateStatus.PASS for r in self.results)

    @property
    def health(self) -> Health:
        failed = {r.name for r in self.results if r.status is GateStatus.FAIL}
        if "error_share" in failed:
            return Health.FAILING
        if failed:
            return Health.DEGRADED
        if any(r.status is GateStatus.INCONCLUSIVE for r in self.results):
            return Health.INCONCLUSIVE
        return Health.HEALTHY

    @property
    def reason(self) -> str:
        """The first failing (else inconclusive) gate's detail; empty when all pass."""
        for status in (GateStatus.FAIL, GateStatus.INCONCLUSIVE):
            for r in self.results:
                if r.status is status:
                    return r.detail
        return ""


def evaluate(
    snapshot: FleetSnapshot, gates: GatesConfig, configured_percent: float | None = None
) -> GateReport:
    """Judge the canary against stable over the snapshot's window. Old values judge nothing: a
    stale snapshot is inconclusive whatever it shows."""
    if snapshot.stale:
        why = snapshot.stale_reason or "the metrics are not current"
        return GateReport(
            (
                GateResult(
                    "fresh", GateStatus.INCONCLUSIVE, None, None, f"inconclusive — wait: {why}"
                ),
            )
        )
    stable = snapshot.tracks.get(Track.STABLE, TrackValues())
    canary = snapshot.tracks.get(Track.CANARY, TrackValues())
    seen = (canary.requests_per_s or 0.0) * snapshot.window_s
    if seen < gates.min_requests:
        return GateReport(
            (
                GateResult(
                    "sample",
                    GateStatus.INCONCLUSIVE,
                    seen,
                    float(gates.min_requests),
                    f"inconclusive — wait: {seen:.0f} of {gates.min_requests} canary requests "
                    f"in the last {snapshot.window_s:.0f}s",
                ),
            )
        )
    results = [
        GateResult(
            "sample",
            GateStatus.PASS,
            seen,
            float(gates.min_requests),
            f"{seen:.0f} canary requests",
        ),
        _error_gate(stable, canary, gates),
        _ratio_gate(
            "ttft_p99",
            "p99 TTFT",
            stable.ttft_s.p99,
            canary.ttft_s.p99,
            gates.max_ttft_p99_ratio,
            gates.max_ttft_p99_s,
        ),
        _ratio_gate(
            "itl_p99",
            "p99 inter-token latency",
            stable.itl_s.p99,
            canary.itl_s.p99,
            gates.max_itl_p99_ratio,
            gates.max_itl_p99_s,
        ),
    ]
    if configured_percent is not None:
        results.append(_share_gate(stable, canary, configured_percent, gates))
    return GateReport(tuple(results))


def _error_gate(stable: TrackValues, canary: TrackValues, gates: GatesConfig) -> GateResult:
    observed = canary.error_share
    if observed is None:
        return GateResult(
            "error_share",
            GateStatus.INCONCLUSIVE,
            None,
            gates.max_error_share,
            "no error-share data for the canary",
        )
    base = "n/a" if stable.error_share is None else f"{stable.error_share:.2%}"
    ok = observed <= gates.max_error_share
    verb = "within" if ok else "over"
    return GateResult(
        "error_share",
        GateStatus.PASS if ok else GateStatus.FAIL,
        observed,
        gates.max_error_share,
        f"canary error share {observed:.2%} {verb} the {gates.max_error_share:.2%} limit "
        f"(stable {base})",
    )


def _ratio_gate(
    name: str,
    label: str,
    stable: float | None,
    canary: float | None,
    max_ratio: float,
    max_abs: float | None,
) -> GateResult:
    if canary is None or stable is None or stable <= 0:
        return GateResult(
            name, GateStatus.INCONCLUSIVE, None, max_ratio, f"no {label} for both tracks yet"
        )
    ratio = canary / stable
    if max_abs is not None and canary > max_abs:
        return GateResult(
            name,
            GateStatus.FAIL,
            ratio,
            max_ratio,
            f"canary {label} {canary:.3g}s over the {max_abs:.3g}s limit",
        )
    ok = ratio <= max_ratio
    return GateResult(
        name,
        GateStatus.PASS if ok else GateStatus.FAIL,
        ratio,
        max_ratio,
        f"canary {label} is {ratio:.2f}× stable ({canary:.3g}s vs {stable:.3g}s, "
        f"limit {max_ratio:.2f}×)",
    )


def _share_gate(
    stable: TrackValues, canary: TrackValues, configured_percent: float, gates: GatesConfig
) -> GateResult:
    total = (stable.requests_per_s or 0.0) + (canary.requests_per_s or 0.0)
    if total <= 0 or configured_percent <= 0:
        return GateResult(
            "share",
            GateStatus.INCONCLUSIVE,
            None,
            configured_percent,
            "no traffic to compare with the configured weight",
        )
    observed = 100.0 * (canary.requests_per_s or 0.0) / total
    deviation = abs(observed - configured_percent) / configured_percent
    ok = deviation <= gates.max_share_deviation
    return GateResult(
        "share",
        GateStatus.PASS if ok else GateStatus.FAIL,
        observed,
        configured_percent,
        f"canary gets {observed:.1f}% of requests, configured {configured_percent:g}%",
    )
