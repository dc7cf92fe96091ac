"""Panel presentation: formatting, threshold levels, missing data and staleness."""

from __future__ import annotations

from datetime import UTC, datetime

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

T = ThresholdsConfig()


def snap(stable: TrackValues, canary: TrackValues, stale: bool = False) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="d",
        source="s",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=60,
        stale=stale,
        tracks={Track.STABLE: stable, Track.CANARY: canary},
        histories={Track.STABLE: History(start=0, step_s=3, series={"requests_per_s": [1.0, 2.0]})},
    )


def cells(panel: object, side: str) -> list[tuple[str, str]]:
    column = getattr(panel, side)
    return [(c.text, c.level) for line in column.lines for c in line]


def test_no_snapshot_gives_placeholders_for_every_panel() -> None:
    panels = present(None, T)
    assert set(panels) == {p.id for p in PANELS}
    for data in panels.values():
        assert all(text == "–" for text, _ in cells(data, "stable"))


def test_missing_values_show_a_dash_never_zero() -> None:
    panels = present(snap(TrackValues(), TrackValues()), T)
    texts = [t for t, _ in cells(panels["latency"], "canary")]
    assert "0" not in texts and "0ms" not in texts
    assert texts.count("–") == 9


def test_error_share_levels() -> None:
    ok = present(snap(TrackValues(error_share=0.001), TrackValues(error_share=0.02)), T)
    assert ("0.1%", "ok") in cells(ok["codes"], "stable")
    assert ("2.0%", "warn") in cells(ok["codes"], "canary")
    bad = present(snap(TrackValues(error_share=0.2), TrackValues()), T)
    assert ("20.0%", "bad") in cells(bad["codes"], "stable")


def test_canary_latency_is_judged_against_stable() -> None:
    stable = TrackValues(ttft_s=Quantiles(p50=0.1, p90=0.3, p99=0.5))
    slow = TrackValues(ttft_s=Quantiles(p50=0.1, p90=0.3, p99=0.9))  # 1.8x stable, under 2 s
    panels = present(snap(stable, slow), T)
    assert ("900ms", "bad") in cells(panels["latency"], "canary")
    assert ("500ms", "ok") in cells(panels["latency"], "stable")


def test_replicas_short_of_desired_warn_and_none_serving_is_bad() -> None:
    panels = present(
        snap(
            TrackValues(replicas=Replicas(desired=5, serving=4, starting=1)),
            TrackValues(replicas=Replicas(desired=2, serving=0, starting=2)),
        ),
        T,
    )
    assert ("4", "warn") in cells(panels["replicas"], "stable")
    assert ("0", "bad") in cells(panels["replicas"], "canary")


def test_stale_snapshot_marks_every_cell_stale() -> None:
    panels = present(
        snap(
            TrackValues(requests_per_s=3.0, codes_per_s=CodeRates(ok=3.0)),
            TrackValues(),
            stale=True,
        ),
        T,
    )
    for data in panels.values():
        assert {level for _, level in cells(data, "stable")} == {"stale"}


def test_sparkline_comes_from_the_history() -> None:
    panels = present(snap(TrackValues(requests_per_s=2.0), TrackValues()), T)
    assert panels["volume"].stable.spark == (1.0, 2.0)
    assert panels["volume"].canary.spark == ()


def test_format_seconds() -> None:
    assert format_seconds(None) == "–"
    assert format_seconds(0.0123) == "12.3ms"
    assert format_seconds(0.5) == "500ms"
    assert format_seconds(1.5) == "1.5s"
    assert format_seconds(95.0) == "95s"


def test_quantiles_are_named_once_and_latency_reads_worse_to_the_right() -> None:
    stable = TrackValues(
        ttft_s=Quantiles(p50=0.06, p90=0.19, p99=0.44),
        itl_s=Quantiles(p50=0.0175, p90=0.0235, p99=0.0249),
        e2e_s=Quantiles(p50=2.5, p90=7.8, p99=24.0),
    )
    panels = present(snap(stable, TrackValues()), T)
    lines = [[c.text for c in line] for line in panels["latency"].stable.lines]
    assert lines[0] == ["", "p50", "p90", "p99"]
    assert lines[1] == ["TTFT", "60ms", "190ms", "440ms"]
    assert lines[2] == ["ITL", "17.5ms", "23.5ms", "24.9ms"]  # not tok/s: higher is worse
    assert lines[3] == ["E2E", "2.5s", "7.8s", "24s"]
    assert panels["latency"].aligned


def test_every_rate_carries_its_unit_and_the_windows_are_given() -> None:
    values = TrackValues(codes_per_s=CodeRates(ok=24.9, client_error=0.267, server_error=8.05))
    panels = present(snap(values, TrackValues()), T)
    texts = [c.text for line in panels["codes"].stable.lines for c in line]
    assert {"24.9/s", "0.267/s", "8.05/s"} <= set(texts)
    assert panels["codes"].value_window == "1m"
    assert panels["codes"].chart_window == "6s"  # two points 3 s apart
    assert [p.heading for p in panels.values()].count(True) == 1


def test_values_from_outside_that_are_not_numbers_stay_short() -> None:
    nan, inf = float("nan"), float("inf")
    wild = TrackValues(
        requests_per_s=1e308,
        error_share=nan,
        codes_per_s=CodeRates(ok=inf, client_error=-inf, server_error=nan),
        ttft_s=Quantiles(p50=nan, p90=inf, p99=1e308),
        gpu_memory_used_fraction=1e308,
        host_memory_bytes=1e308,
        cpu_cores=nan,
        queue_depth=inf,
    )
    panels = present(snap(wild, wild), T)
    for data in panels.values():
        for cell in (c for line in data.stable.lines for c in line):
            assert len(cell.text) <= 9, cell.text
    latency = [c.text for line in panels["latency"].stable.lines for c in line]
    assert {"NaNs", "∞s", "1e308s"} <= set(latency)
    assert ("NaN%", "muted") in cells(panels["codes"], "stable")
