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
