"""Canary gates: canary vs stable error share and p99 latency ratios, with a minimum sample;
stable's own health at 0 %; a dead canary failing at once; the share settling after a change."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from console.config import GatesConfig
from console.model import FleetSnapshot, Health, Track, TrackValues
from console.units import format_duration


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
    short: str = ""
    """The detail in a few words for a narrow screen (``5xx 8.45% > 2.00%``); whole, never cut."""


@dataclass(frozen=True)
class GateReport:
    results: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.status is GateStatus.PASS for r in self.results)

    @property
    def health(self) -> Health:
        failed = {r.name for r in self.results if r.status is GateStatus.FAIL}
        if failed & {"error_share", "serving", "stable_health"}:
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

    @property
    def short_reason(self) -> str:
        """``reason`` in a few words (its gate's ``short``, else the reason itself)."""
        for status in (GateStatus.FAIL, GateStatus.INCONCLUSIVE):
            for r in self.results:
                if r.status is status:
                    return r.short or r.detail
        return ""


def evaluate(
    snapshot: FleetSnapshot, gates: GatesConfig, configured_percent: float | None = None
) -> GateReport:
    """Judge the canary against stable over the snapshot's window. Old values judge nothing: a
    stale snapshot is inconclusive whatever it shows. At 0 % there is nothing to compare: stable's
    own health is judged (a step from zero warms the canary and checks it is ready before any
    traffic moves). A dead canary (no serving replica while it has traffic, or every request
    failing) fails at once: the minimum sample guards statistics, not a canary that is down."""
    window = format_duration(snapshot.window_s)
    if snapshot.stale:
        why = snapshot.stale_reason or "the metrics are not current"
        return GateReport(
            (
                GateResult(
                    "fresh",
                    GateStatus.INCONCLUSIVE,
                    None,
                    None,
                    f"inconclusive — wait: {why}",
                    "wait: metrics old",
                ),
            )
        )
    stable = snapshot.tracks.get(Track.STABLE, TrackValues())
    canary = snapshot.tracks.get(Track.CANARY, TrackValues())
    if configured_percent is not None and configured_percent <= 0:
        return GateReport((_stable_health(stable, gates, window), _NOTHING_TO_COMPARE))
    # A rate from outside so large that the count overflows (1e308/s) is no count at all.
    seen = _finite(_finite(canary.requests_per_s) * snapshot.window_s)
    dead = _dead_canary(canary, configured_percent, seen, window)
    if dead is not None:
        return GateReport((dead,))
    if seen < gates.min_requests:
        return GateReport(
            (
                GateResult(
                    "sample",
                    GateStatus.INCONCLUSIVE,
                    seen,
                    float(gates.min_requests),
                    f"inconclusive — wait: {seen:.0f} of {gates.min_requests} canary requests "
                    f"in the last {window}",
                    f"wait: {seen:.0f}/{gates.min_requests} req",
                ),
            )
        )
    results = [
        GateResult(
            "sample",
            GateStatus.PASS,
            seen,
            float(gates.min_requests),
            f"{seen:.0f} canary requests in {window}",
        ),
        _error_gate(stable, canary, gates, window),
        _ratio_gate(
            "ttft_p99",
            "p99 TTFT",
            stable.ttft_s.p99,
            canary.ttft_s.p99,
            gates.max_ttft_p99_ratio,
            gates.max_ttft_p99_s,
            window,
        ),
        _ratio_gate(
            "itl_p99",
            "p99 inter-token latency",
            stable.itl_s.p99,
            canary.itl_s.p99,
            gates.max_itl_p99_ratio,
            gates.max_itl_p99_s,
            window,
        ),
    ]
    if configured_percent is not None:
        results.append(_share_gate(snapshot, stable, canary, configured_percent, gates))
    return GateReport(tuple(results))


_NOTHING_TO_COMPARE = GateResult(
    "canary",
    GateStatus.PASS,
    None,
    None,
    "no canary traffic at 0%: nothing to compare yet; the step warms the canary and checks "
    "it is ready before any traffic moves",
    "0%: nothing to compare",
)


def _finite(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


def _stable_health(stable: TrackValues, gates: GatesConfig, window: str) -> GateResult:
    """Before a canary starts, stable itself must be healthy: a step would otherwise judge the
    canary against a fleet that is already failing."""
    share = stable.error_share
    if share is None or not math.isfinite(share) or share < 0:
        return GateResult(
            "stable_health",
            GateStatus.INCONCLUSIVE,
            None,
            gates.max_error_share,
            f"inconclusive — wait: no error share for stable over {window}",
            "wait: no stable data",
        )
    ok = share <= gates.max_error_share
    return GateResult(
        "stable_health",
        GateStatus.PASS if ok else GateStatus.FAIL,
        share,
        gates.max_error_share,
        f"stable error share {share:.2%} ({window}) "
        + ("within" if ok else "over")
        + f" the {gates.max_error_share:.2%} limit"
        + ("" if ok else ": stable itself is failing"),
        f"stable err {share:.2%} {'≤' if ok else '>'} {gates.max_error_share:.2%}",
    )


def _dead_canary(
    canary: TrackValues, configured_percent: float | None, seen: float, window: str
) -> GateResult | None:
    """A canary that is down fails at once, whatever the sample size."""
    serving = canary.replicas.serving
    if configured_percent is not None and configured_percent > 0 and serving == 0:
        return GateResult(
            "serving",
            GateStatus.FAIL,
            0.0,
            None,
            f"the canary has no serving replica while the route gives it "
            f"{configured_percent:g}%: its requests fail",
            "canary: no serving replica",
        )
    share = canary.error_share
    if share is not None and math.isfinite(share) and share >= ALL_FAILING and seen >= 1:
        return GateResult(
            "error_share",
            GateStatus.FAIL,
            share,
            None,
            f"every canary request failed over {window} ({seen:.0f} requests, "
            f"error share {share:.0%})",
            "every canary request failed",
        )
    return None


#: An error share this high is a canary that is down, not a statistic to wait for.
ALL_FAILING = 0.99


def _error_gate(
    stable: TrackValues, canary: TrackValues, gates: GatesConfig, window: str
) -> GateResult:
    observed = canary.error_share
    if observed is None or not math.isfinite(observed) or observed < 0:
        return GateResult(
            "error_share",
            GateStatus.INCONCLUSIVE,
            None,
            gates.max_error_share,
            f"no error-share data for the canary over {window}",
            "no err data",
        )
    base = (
        "n/a"
        if stable.error_share is None or not math.isfinite(stable.error_share)
        else f"{stable.error_share:.2%}"
    )
    ok = observed <= gates.max_error_share
    verb = "within" if ok else "over"
    return GateResult(
        "error_share",
        GateStatus.PASS if ok else GateStatus.FAIL,
        observed,
        gates.max_error_share,
        f"canary error share {observed:.2%} ({window}) {verb} the "
        f"{gates.max_error_share:.2%} limit (stable {base})",
        f"err {observed:.2%} {'≤' if ok else '>'} {gates.max_error_share:.2%}",
    )


def _ratio_gate(
    name: str,
    label: str,
    stable: float | None,
    canary: float | None,
    max_ratio: float,
    max_abs: float | None,
    window: str,
) -> GateResult:
    if (
        canary is None
        or stable is None
        or not math.isfinite(canary)
        or not math.isfinite(stable)
        or stable <= 0
        or canary < 0  # a negative latency is a broken exporter, not a fast canary
    ):
        return GateResult(
            name,
            GateStatus.INCONCLUSIVE,
            None,
            max_ratio,
            f"no {label} for both tracks over {window} yet",
            f"no {_SHORT.get(name, label)} yet",
        )
    ratio = canary / stable
    if max_abs is not None and canary > max_abs:
        return GateResult(
            name,
            GateStatus.FAIL,
            ratio,
            max_ratio,
            f"canary {label} {canary:.3g}s ({window}) over the {max_abs:.3g}s limit",
            f"{_SHORT.get(name, label)} {canary:.3g}s > {max_abs:.3g}s",
        )
    ok = ratio <= max_ratio
    return GateResult(
        name,
        GateStatus.PASS if ok else GateStatus.FAIL,
        ratio,
        max_ratio,
        f"canary {label} is {ratio:.2f}× stable ({window}: {canary:.3g}s vs "
        f"{stable:.3g}s, limit {max_ratio:.2f}×)",
        f"{_SHORT.get(name, label)} {ratio:.2f}× {'≤' if ok else '>'} {max_ratio:.2f}×",
    )


def _share_gate(
    snapshot: FleetSnapshot,
    stable: TrackValues,
    canary: TrackValues,
    configured_percent: float,
    gates: GatesConfig,
) -> GateResult:
    """The canary's share of live requests against the route's weight. Mirrored copies are not
    live requests: they are taken out. A window that reaches back before the last weight change
    mixes two splits, so until a whole window has passed since it the gate is settling."""
    window = format_duration(snapshot.window_s)
    state = snapshot.canary
    if state is not None and state.changed_at is not None:
        since = snapshot.at.timestamp() - state.changed_at
        if 0 <= since < snapshot.window_s:
            left = snapshot.window_s - since
            return GateResult(
                "share",
                GateStatus.INCONCLUSIVE,
                None,
                configured_percent,
                f"settling — {left:.0f}s: the weights changed {since:.0f}s ago and the share "
                f"is judged over a whole {window} after the change",
                f"settling — {left:.0f}s",
            )
    mirror = (state.mirror_percent or 0.0) / 100 if state is not None else 0.0
    stable_rps, canary_rps = _finite(stable.requests_per_s), _finite(canary.requests_per_s)
    live = (stable_rps + canary_rps) / (1 + mirror)
    canary_live = max(canary_rps - mirror * live, 0.0)
    if live <= 0 or configured_percent <= 0:
        return GateResult(
            "share",
            GateStatus.INCONCLUSIVE,
            None,
            configured_percent,
            f"no traffic over {window} to compare with the configured weight",
            "no traffic",
        )
    observed = 100.0 * canary_live / live
    deviation = abs(observed - configured_percent) / configured_percent
    ok = deviation <= gates.max_share_deviation
    mirrored = f"; mirrored copies ({mirror:.0%}) left out" if mirror else ""
    return GateResult(
        "share",
        GateStatus.PASS if ok else GateStatus.FAIL,
        observed,
        configured_percent,
        f"canary gets {observed:.1f}% of requests ({window}), configured "
        f"{configured_percent:g}%{mirrored}",
        f"share {observed:.1f}% vs {configured_percent:g}%",
    )


_SHORT = {"ttft_p99": "p99 TTFT", "itl_p99": "p99 ITL"}
