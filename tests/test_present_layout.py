"""The panels' layout as the widgets receive it: each panel's labels with their short forms and
the order narrow lines drop cells in (kept when stale), titles, notes, the compact sparkline row,
the heading; sparkline offsets on the absolute time axis, the chart's span, action markers; and
the levels at their edges (a canary judged against stable, a queue with nothing serving)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.config import ThresholdsConfig
from console.markers import Marker
from console.model import (
    FleetSnapshot,
    History,
    Quantiles,
    Replicas,
    Track,
    TrackValues,
)
from console.present import PANELS, SPARK_ROW, format_seconds, present
from tests.present_support import FULL
from widgets.data import Cell, PanelData

T = ThresholdsConfig()


#: Each panel's labels in order.
LABEL_TEXTS = {
    "volume": ["req/s"],
    "sizes": ["in", "mean", "p90", "out", "mean", "p90"],
    "codes": ["2xx", "4xx", "5xx", "errors"],
    "latency": ["", "p50", "p90", "p99", "TTFT", "ITL", "E2E"],
    "replicas": ["serving", "of 4", "·", "starting"],
    "utilisation": ["GPU mem", "util", "CPU", "cores", "mem"],
    "queue": ["waiting", "·", "KV cache"],
}
#: The shorter forms narrow lines use, and the cells they leave out first (higher first).
SHORT = {"errors": "err", "starting": "start", "cores": "c", "KV cache": "KV"}
DROP = {("replicas", "of 4"): 1, ("replicas", "·"): 2, ("queue", "·"): 1}
LABELS = {
    panel: [(t, SHORT.get(t, ""), DROP.get((panel, t), 0)) for t in texts]
    for panel, texts in LABEL_TEXTS.items()
}


def snap(
    stable: TrackValues | None = FULL,
    canary: TrackValues | None = FULL,
    *,
    stale: bool = False,
    histories: dict[Track, History] | None = None,
) -> FleetSnapshot:
    tracks = {t: v for t, v in ((Track.STABLE, stable), (Track.CANARY, canary)) if v is not None}
    return FleetSnapshot(
        deployment="d",
        source="s",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=60,
        stale=stale,
        tracks=tracks,
        histories=histories or {},
    )


def cells_of(panel: PanelData, side: str = "stable") -> list[Cell]:
    return [c for line in getattr(panel, side).lines for c in line]


@pytest.mark.parametrize("stale", [False, True])
def test_every_panel_is_labelled_with_its_short_forms_and_drop_order(stale: bool) -> None:
    panels = present(snap(stale=stale), T)
    for spec in PANELS:
        data = panels[spec.id]
        shown = [
            (c.text, c.short, c.drop)
            for c in cells_of(data)
            if (c.text, c.short, c.drop) in LABELS[spec.id]
        ]
        assert shown == LABELS[spec.id], spec.id
        # title, note and the line the compact sparkline follows, as the panel specifies
        assert (data.title, data.note) == (spec.title, spec.note)
        assert data.spark_row == SPARK_ROW.get(spec.id, 0)
        assert data.stable.spark_label == data.canary.spark_label == spec.spark_label
    assert panels["latency"].spark_row == 1 and panels["volume"].spark_row == 0
    assert panels["sizes"].note == "tok/req"
    assert panels[PANELS[0].id].heading and not any(panels[s.id].heading for s in PANELS[1:])


def test_gpu_utilisation_is_a_whole_percentage() -> None:
    texts = [c.text for c in cells_of(present(snap(), T)["utilisation"])]
    assert "60%" in texts and "80%" in texts


def test_no_snapshot_and_no_history_give_no_windows() -> None:
    for data in present(None, T).values():
        assert (data.value_window, data.chart_window, data.markers) == ("", "", ())
    for data in present(snap(), T).values():
        assert (data.value_window, data.chart_window) == ("1m", "")
        assert data.stable.spark_offset is None and data.canary.spark_offset is None


@pytest.mark.parametrize(
    ("start", "step", "offset"),
    [
        (30.0, 3.0, 10),
        (31.0, 2.0, 16),  # 15.5 rounds to the even 16
        (1.0, 0.5, 2),  # spacing under a second
        (0.0, 0.0, None),  # no spacing: no time axis
        (float("inf"), 1.0, None),
        (0.0, float("nan"), None),
        (2.0**53, 1.0, None),  # past where floats count whole numbers
        (1.5 * 2.0**53, 1.0, None),
        (2.0**52, 1.0, 2**52),
    ],
)
def test_a_sparkline_starts_at_its_index_on_the_absolute_time_axis(
    start: float, step: float, offset: int | None
) -> None:
    history = History(start=start, step_s=step, series={"requests_per_s": [1.0, 2.0]})
    volume = present(snap(histories={Track.CANARY: history}), T)["volume"]
    assert volume.canary.spark_offset == offset
    assert volume.stable.spark_offset is None  # stable has no history here
    assert volume.canary.spark == (1.0, 2.0) and volume.stable.spark == ()


@pytest.mark.parametrize(
    ("step", "series", "window"),
    [
        (3.0, {"requests_per_s": [1.0, 2.0, 3.0]}, "9s"),
        (0.5, {"requests_per_s": [1.0]}, "0s"),  # half a second: shown, rounded
        (3.0, {}, ""),  # no points: no span
        (float("inf"), {"requests_per_s": [1.0]}, ""),
        (0.0, {"requests_per_s": [1.0, 2.0]}, ""),
    ],
)
def test_the_chart_window_is_the_longest_history_span(
    step: float, series: dict[str, list[float | None]], window: str
) -> None:
    history = History(start=0.0, step_s=step, series=series)
    panels = present(snap(histories={Track.STABLE: history}), T)
    assert {p.chart_window for p in panels.values()} == {window}


def test_markers_fall_where_they_happened_on_the_sparklines() -> None:
    # five points a minute apart from t=600: the charts span 600..840
    history = History(start=600.0, step_s=60.0, series={"requests_per_s": [1.0] * 5})
    markers = (Marker(540.0, "S"), Marker(660.0, "S"), Marker(840.0, "R"), Marker(900.0, "M"))
    panels = present(snap(histories={Track.STABLE: history}), T, markers)
    for data in panels.values():
        assert data.markers == ((0.25, "S"), (1.0, "R"))
    assert all(
        p.markers == () for p in present(snap(histories={Track.STABLE: history}), T).values()
    )
    one = History(start=600.0, step_s=60.0, series={"requests_per_s": [1.0]})
    assert present(snap(histories={Track.STABLE: one}), T, markers)["volume"].markers == ()
    two = History(start=600.0, step_s=60.0, series={"requests_per_s": [1.0, 2.0]})
    assert present(snap(histories={Track.STABLE: two}), T, markers)["volume"].markers == (
        (1.0, "S"),
    )
    assert present(snap(), T, markers)["volume"].markers == ()  # no history: nowhere to mark
    empty = History(start=600.0, step_s=60.0, series={})
    assert present(snap(histories={Track.STABLE: empty}), T, markers)["volume"].markers == ()
    assert present(None, T, markers)["volume"].markers == ()


@pytest.mark.parametrize(
    ("field", "stable_p99", "canary_p99", "level"),
    [
        ("ttft_s", 0.5, 0.75, "warn"),  # exactly 1.5x: warn, not bad
        ("itl_s", 0.04, 0.06, "warn"),
        ("ttft_s", 0.5, 0.6, "ok"),  # exactly 1.2x: still ok
        ("itl_s", 0.05, 0.06, "ok"),
        ("ttft_s", 0.5, 0.65, "warn"),
        ("itl_s", 0.05, 0.065, "warn"),
        ("ttft_s", 0.1, 0.16, "bad"),
        ("itl_s", 0.01, 0.016, "bad"),
    ],
)
def test_canary_ttft_and_itl_are_judged_against_stable_at_the_edges(
    field: str, stable_p99: float, canary_p99: float, level: str
) -> None:
    ratio = canary_p99 / stable_p99
    assert level == ("bad" if ratio > 1.5 else "warn" if ratio > 1.2 else "ok")  # as it says
    # latencies under the absolute thresholds: only the comparison with stable counts
    s = TrackValues(**{field: Quantiles(p99=stable_p99)})
    c = TrackValues(**{field: Quantiles(p99=canary_p99)})
    row = 1 if field == "ttft_s" else 2
    panel = present(snap(s, c), T)["latency"]
    assert panel.canary.lines[row][3].level == level
    assert panel.stable.lines[row][3].level == "ok"


def test_a_canary_without_stable_values_is_judged_on_its_own() -> None:
    canary = TrackValues(ttft_s=Quantiles(p99=0.9), itl_s=Quantiles(p99=0.05), requests_per_s=1.0)
    panel = present(snap(None, canary), T)["latency"]
    assert panel.canary.lines[1][3].level == "ok" and panel.canary.lines[2][3].level == "ok"
    assert [c.text for c in panel.stable.lines[0]] == ["–"]


def test_an_empty_queue_with_nothing_serving_is_not_bad() -> None:
    idle = TrackValues(queue_depth=0.0, replicas=Replicas(desired=0, serving=0))
    assert cells_of(present(snap(idle, idle), T)["queue"])[0].level == "muted"
    waiting = TrackValues(queue_depth=0.5, replicas=Replicas(desired=1, serving=0))
    assert cells_of(present(snap(waiting, waiting), T)["queue"])[0].level == "bad"


def test_what_rounds_to_a_second_is_shown_in_seconds() -> None:
    assert format_seconds(0.9995) == "1s"
    assert format_seconds(0.9994) == "999ms"
