"""Panel queries for both tracks in one request each, and track values from what they return."""

from __future__ import annotations

import math
from collections.abc import Iterable
from string import Template

from console.model import HISTORY_KEYS, Track
from console.profiles import LAST_SAMPLE, Input, Profile
from console.sim.histogram import histogram_quantile

#: Labels the composed queries add to every series (unlikely to clash with a server's own).
TRACK_LABEL = "console_track"
INPUT_LABEL = "console_input"
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))

Flat = dict[str, float | None]
#: Raw results of one evaluation: (track, input name, ``by`` label value) -> value.
Raw = dict[tuple[str, str, str], float]


def expand(template: str, placeholders: dict[str, str], window: str) -> str:
    """One track's expression: ``template`` with its placeholders and ``$window`` filled in."""
    return Template(template).safe_substitute({**placeholders, "window": window})


def compose(inputs: Iterable[Input], selectors: dict[Track, dict[str, str]], window: str) -> str:
    """One PromQL expression returning every input for both tracks, each series labelled with
    its track and input (``or`` keeps them apart: no two share a label set)."""
    parts = []
    for item in inputs:
        for track in Track:
            expr = expand(item.template, selectors[track], window)
            parts.append(
                f'label_replace(label_replace({expr}, "{TRACK_LABEL}", "{track.value}", "", ""),'
                f' "{INPUT_LABEL}", "{item.name}", "", "")'
            )
    return " or ".join(parts)


def collect(raw: Raw, labels: dict[str, str], value: float, by: dict[str, str]) -> None:
    """Add one returned series to ``raw`` (series that differ only in other labels are summed)."""
    track = labels.get(TRACK_LABEL, "")
    name = labels.get(INPUT_LABEL, "")
    if not track or not name or math.isnan(value):
        return
    key = (track, name, labels.get(by.get(name, ""), "") if by.get(name) else "")
    raw[key] = raw.get(key, 0.0) + value


def sample_ages(raw: Raw, at: float) -> dict[Track, float]:
    """How old each track's newest engine sample is at ``at`` (tracks without one are left out:
    no series within the lookback is missing data, shown as nulls)."""
    ages = {}
    for track in Track:
        newest = raw.get((track.value, LAST_SAMPLE, ""))
        if newest is not None:
            ages[track] = at - newest
    return ages


def stale_reason(ages: dict[Track, float], after: float) -> str:
    """``canary metrics 180s old`` for each track whose newest sample is older than ``after``;
    empty when every track is fresh."""
    return "; ".join(
        f"{track.value} metrics {age:.0f}s old" for track, age in ages.items() if age > after
    )


def bucket_quantile(q: float, buckets: dict[str, float]) -> float | None:
    """PromQL's ``histogram_quantile`` over ``le`` -> rate: sorted, duplicate bounds merged,
    made monotonic, NaN (None) without a ``+Inf`` bucket or observations."""
    merged: dict[float, float] = {}
    for le, value in buckets.items():
        try:
            bound = float(le)
        except ValueError:
            continue
        merged[bound] = merged.get(bound, 0.0) + value
    if math.inf not in merged:
        return None
    bounds = sorted(merged)
    cumulative: list[float] = []
    top = -math.inf
    for bound in bounds:
        top = max(top, merged[bound])
        cumulative.append(top)
    return histogram_quantile(q, bounds[:-1], cumulative)


def finish_rates(profile: Profile, by_reason: dict[str, float] | None) -> dict[str, float]:
    """The engine's reasons summed into ``FinishRates`` fields (``profile.reasons``); empty when
    the engine reported none. A field the engine can report reads 0 when none happened."""
    if not by_reason:
        return {}
    out = dict.fromkeys(set(profile.reasons.values()), 0.0)
    for reason, rate in by_reason.items():
        field = profile.reasons.get(reason)
        if field is not None:
            out[field] += rate
    return out


def server_failures(http_5xx: float, engine_errors: float | None) -> float:
    """Server-side failures per second: the larger of the HTTP 5xx rate and the engine's own
    failure count. Each engine failure before the response began is also a 5xx and each one
    after it began (status 200 already sent) is not, so the larger never counts one twice and
    misses only 5xx answers the engine never saw together with mid-stream failures."""
    return max(http_5xx, engine_errors or 0.0)


def track_flat(profile: Profile, raw: Raw, track: Track, names: set[str]) -> Flat:
    """Flat values of ``track`` from ``raw``; ``names`` are the inputs that were asked for (an
    input that was asked for and returned nothing is missing data: None, never 0)."""
    flat: Flat = dict.fromkeys(HISTORY_KEYS)
    t = track.value
    grouped: dict[str, dict[str, float]] = {}
    for (tr, name, label), value in raw.items():
        if tr != t:
            continue
        if label or name == "codes" or name.endswith("_buckets"):
            grouped.setdefault(name, {})[label] = value
        elif name in flat:
            flat[name] = value
    reasons = finish_rates(profile, grouped.get("finish_reasons"))
    flat.update({f"finish_per_s.{k}": v for k, v in reasons.items()})
    codes = grouped.get("codes")
    if codes:
        total = sum(codes.values())
        flat["requests_per_s"] = total
        for cls in ("2xx", "4xx", "5xx"):
            flat[f"codes_per_s.{cls}"] = codes.get(cls, 0.0)
        failed = server_failures(codes.get("5xx", 0.0), reasons.get("error"))
        flat["failed_per_s"] = failed
        flat["error_share"] = min(failed / total, 1.0) if total > 0 else None
    for group, sources in profile.quantiles.items():
        wanted = QUANTILES if group.endswith("_s") else (("p90", 0.9),)
        for label, q in wanted:
            parts = [bucket_quantile(q, grouped.get(src, {})) for src in sources]
            total_q: float | None = None
            if all(p is not None for p in parts):
                total_q = sum(p for p in parts if p is not None)
            flat[f"{group}.{label}"] = total_q
            if group == "itl_s":
                flat[f"tps.{label}"] = 1.0 / total_q if total_q else None
    # Value-level overrides (e.g. ttft_s.p99) win over what was derived.
    for name in names:
        if name in flat:
            flat[name] = raw.get((t, name, ""))
    for key in ("replicas.desired", "replicas.serving", "replicas.starting"):
        count = flat[key]
        flat[key] = None if count is None else float(round(count))
    return flat
