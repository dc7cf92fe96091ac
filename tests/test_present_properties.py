"""Panel presentation properties over generated snapshots: a worse value never shows a better
level, shown numbers read back as the values, missing data is never a number, a stale snapshot
greys every cell, and each track's sparkline is its own history."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from console.config import ThresholdsConfig
from console.model import (
    CodeRates,
    FleetSnapshot,
    History,
    Quantiles,
    Replicas,
    Track,
    TrackValues,
)
from console.present import PANELS, format_seconds, present
from console.units import parse_quantity
from tests.budget import budget
from tests.present_support import FULL

T = ThresholdsConfig()
RANK = {"ok": 0, "warn": 1, "bad": 2}
NUMBER = re.compile(r"[\d.]+(?:[kMGT]|%|ms|s|B|KiB|MiB|GiB|TiB)?(?:/s)?")
fractions = st.floats(0, 1)
seconds = st.floats(0.0001, 500)


def snap(stable: TrackValues, canary: TrackValues, stale: bool = False) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="d",
        source="s",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=60,
        stale=stale,
        tracks={Track.STABLE: stable, Track.CANARY: canary},
    )


def cells(values: TrackValues, panel: str, side: str = "stable") -> list[tuple[str, str]]:
    column = getattr(present(snap(values, values), T)[panel], side)
    return [(c.text, c.level) for line in column.lines for c in line]


def level_of(values: TrackValues, panel: str, text: str) -> str:
    found = [level for shown, level in cells(values, panel) if shown == text]
    assert found, (text, cells(values, panel))
    return found[0]


def expected(value: float, warn: float, bad: float) -> str:
    return "bad" if value >= bad else "warn" if value >= warn else "ok"


@budget(150)
@given(fractions, fractions)
def test_error_share_level_follows_its_thresholds(a: float, b: float) -> None:
    for share in (a, b):
        text = f"{100 * share:.1f}%"
        level = level_of(TrackValues(error_share=share), "codes", text)
        assert level == expected(share, T.error_share_warn, T.error_share_bad), share
    if a <= b:
        la = level_of(TrackValues(error_share=a), "codes", f"{100 * a:.1f}%")
        lb = level_of(TrackValues(error_share=b), "codes", f"{100 * b:.1f}%")
        assert RANK[la] <= RANK[lb]


@budget(150)
@given(fractions, fractions)
def test_gpu_memory_and_kv_cache_levels(memory: float, kv: float) -> None:
    v = TrackValues(gpu_memory_used_fraction=memory, kv_cache_used_fraction=kv)
    shown = dict(cells(v, "utilisation"))
    assert shown[f"{100 * memory:.0f}%"] in ("ok", "warn", "bad")
    levels = [lvl for text, lvl in cells(v, "utilisation") if text == f"{100 * memory:.0f}%"]
    assert expected(memory, T.gpu_memory_warn, T.gpu_memory_bad) in levels
    queue_cells = cells(v, "queue")
    kv_levels = [lvl for text, lvl in queue_cells if text == f"{100 * kv:.0f}%"]
    assert expected(kv, T.kv_cache_warn, T.kv_cache_bad) in kv_levels


@budget(150)
@given(st.floats(0, 500), st.integers(0, 8))
def test_queue_level_is_per_serving_replica(depth: float, serving: int) -> None:
    v = TrackValues(queue_depth=depth, replicas=Replicas(serving=serving))
    level = cells(v, "queue")[0][1]
    if serving:
        assert level == expected(depth / serving, T.queue_per_replica_warn, T.queue_per_replica_bad)
    elif depth > 0:
        assert level == "bad"  # requests waiting with nothing serving them


@budget(150)
@given(st.none() | st.integers(0, 20), st.none() | st.integers(0, 20), st.integers(0, 5))
def test_replica_levels(desired: int | None, serving: int | None, starting: int) -> None:
    v = TrackValues(replicas=Replicas(desired=desired, serving=serving, starting=starting))
    line = cells(v, "replicas")
    assert line[0][0] == ("–" if serving is None else str(serving))
    if desired and serving is not None:
        assert line[0][1] == ("bad" if serving == 0 else "warn" if serving < desired else "ok")
    else:
        assert line[0][1] == "normal"
    starting_cell = next(c for c in line[1:] if c[0] == str(starting))
    assert starting_cell[1] == ("warn" if starting else "normal")
    assert f"of {'–' if desired is None else desired}" in [text for text, _ in line]


@budget(200)
@given(seconds, seconds)
def test_canary_latency_is_also_judged_against_stable(stable_p99: float, canary_p99: float) -> None:
    stable = TrackValues(ttft_s=Quantiles(p99=stable_p99))
    canary = TrackValues(ttft_s=Quantiles(p99=canary_p99))
    panel = present(snap(stable, canary), T)["latency"]
    own = expected(canary_p99, T.ttft_p99_warn_s, T.ttft_p99_bad_s)
    ratio = canary_p99 / stable_p99
    relative = "bad" if ratio > 1.5 else "warn" if ratio > 1.2 else "ok"
    want = own if own == "bad" else max(own, relative, key=RANK.__getitem__)
    canary_cell = panel.canary.lines[1][3]  # row 0 names the quantiles, row 1 is TTFT
    assert canary_cell.text == format_seconds(canary_p99)
    assert canary_cell.level == want, (stable_p99, canary_p99)
    stable_cell = panel.stable.lines[1][3]
    assert stable_cell.level == expected(stable_p99, T.ttft_p99_warn_s, T.ttft_p99_bad_s)


@budget(200)
@given(st.floats(0.00001, 1e6))
def test_seconds_read_back(value: float) -> None:
    text = format_seconds(value)
    match = re.fullmatch(r"(.+?)(ms|s)", text)
    assert match, text
    number = parse_quantity(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
    assert math.isclose(number, value, rel_tol=5e-3), text
    assert (match.group(2) == "ms") == (value * 1000 < 999.5)


# Rates the panels read back: 0, or from 0.001/s (smaller ones are shown in scientific form).
RATES = st.just(0.0) | st.floats(1e-3, 1e6)


@budget(100)
@given(RATES, RATES.filter(lambda r: r <= 1e4), RATES.filter(lambda r: r <= 100))
def test_rates_read_back(rps: float, ok: float, errors: float) -> None:
    v = TrackValues(requests_per_s=rps, codes_per_s=CodeRates(ok=ok, server_error=errors))
    volume = cells(v, "volume")[0][0]
    assert math.isclose(parse_quantity(volume), rps, rel_tol=5e-3, abs_tol=5e-3)
    codes = cells(v, "codes")
    rates = [(t.removesuffix("/s"), lvl) for t, lvl in codes if re.fullmatch(r"[\d.]+[kMGT]?/s", t)]
    numbers = [parse_quantity(t) for t, _ in rates]
    assert any(math.isclose(n, ok, rel_tol=5e-3, abs_tol=5e-3) for n in numbers)
    five = rates[-1][1]
    assert five == ("bad" if errors >= 1e-9 else "ok")


@budget(60)
@given(st.booleans(), st.floats(0, 1), st.floats(0.001, 10))
def test_stale_greys_every_cell_and_missing_is_never_a_number(
    stale: bool, share: float, latency: float
) -> None:
    full = TrackValues(
        requests_per_s=3.0,
        error_share=share,
        ttft_s=Quantiles(p50=latency, p90=latency, p99=latency),
        replicas=Replicas(desired=2, serving=1, starting=1),
        queue_depth=1.0,
        gpu_memory_used_fraction=share,
        host_memory_bytes=2.0**30,
    )
    panels = present(snap(full, TrackValues(), stale=stale), T)
    for data in panels.values():
        for column in (data.stable, data.canary):
            levels = {c.level for line in column.lines for c in line}
            assert (levels == {"stale"}) == stale
        # the canary has no data at all: no number anywhere, only dashes and labels
        texts = [c.text for line in data.canary.lines for c in line]
        assert not [t for t in texts if NUMBER.fullmatch(t)], texts
    placeholders = present(None, T)
    assert all(
        c.level == "muted" or c.level == "stale"
        for data in placeholders.values()
        for column in (data.stable, data.canary)
        for line in column.lines
        for c in line
    )


def test_each_track_sparkline_is_its_own_history() -> None:
    series = {spec.spark_key: [1.0, 2.0] for spec in PANELS}
    other = {spec.spark_key: [7.0] for spec in PANELS}
    snapshot = snap(TrackValues(), TrackValues()).model_copy(
        update={
            "histories": {
                Track.STABLE: History(start=0, step_s=1, series=series),
                Track.CANARY: History(start=0, step_s=1, series=other),
            }
        }
    )
    for spec in PANELS:
        data = present(snapshot, T)[spec.id]
        assert data.stable.spark == (1.0, 2.0) and data.canary.spark == (7.0,)
        assert (data.stable.label, data.canary.label) == ("stable", "canary")
        assert data.shared_scale == (spec.id == "latency")


def test_labels_are_muted_and_values_are_not() -> None:
    """Every cell is either a label (muted, so values stand out) or a value with a level."""
    for spec in PANELS:
        for text, level in cells(FULL, spec.id):
            if NUMBER.fullmatch(text):
                assert level in ("ok", "warn", "bad", "normal"), (spec.id, text, level)
            else:
                assert level == "muted", (spec.id, text, level)


def test_token_sizes_show_mean_and_p90_of_each_direction() -> None:
    shown = [parse_quantity(t) for t, _ in cells(FULL, "sizes") if NUMBER.fullmatch(t)]
    assert shown == [512.0, 2040.0, 128.0, 700.0]
    # The latency table's rows: TTFT, ITL and E2E at p50/p90/p99 (ITL, not tok/s: a higher
    # number always means worse).
    rows = [t for t, _ in cells(FULL, "latency")]
    assert rows[:4] == ["", "p50", "p90", "p99"] and {"TTFT", "ITL", "E2E"} <= set(rows)
