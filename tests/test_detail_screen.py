"""The details screen: opened with ``i`` over the last snapshot, every value labelled per track,
missing and non-finite values shown as such, and closed again."""

from __future__ import annotations

from datetime import UTC, datetime

from console.model import FinishRates, FleetSnapshot, Quantiles, Track, TrackValues
from console.tui.screens.detail import DetailScreen, detail_content, detail_rows
from tests.support import demo_app, wait_polls


def _snapshot(**canary: object) -> FleetSnapshot:
    return FleetSnapshot(
        deployment="llama",
        source="prometheus",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        window_s=240.0,
        requested_window_s=60.0,
        tracks={
            Track.STABLE: TrackValues(
                error_share=0.0,
                failed_per_s=0.0,
                finish_per_s=FinishRates(stop=8.0, length=2.0, abort=0.2, error=0.0),
                running=6,
                queue_time_s=Quantiles(p50=0.05, p99=0.2),
                tpot_s=Quantiles(p50=0.02, p99=0.04),
                prefix_cache_hit_fraction=0.5,
                targets_down=0,
            ),
            Track.CANARY: TrackValues(**canary),  # type: ignore[arg-type]
        },
    )


def test_rows_say_what_each_track_shows() -> None:
    rows = {what: (s, c) for what, s, c in detail_rows(_snapshot(
        error_share=0.25, failed_per_s=2.0, finish_per_s=FinishRates(error=2.0),
        queue_time_s=Quantiles(p50=1.5), targets_down=1,
    ))}  # fmt: skip
    assert rows["error share (server failures)"] == ("0.0%", "25.0%")
    assert rows["finished: error /s"] == ("0.00", "2.00")
    assert rows["finished: stop /s"] == ("8.00", "–")  # the canary's engine does not say
    assert rows["queue time p50"] == ("50ms", "1.50s")
    assert rows["prefix-cache hits"] == ("50.0%", "–")
    assert rows["pods not scraped"] == ("0", "1")


def test_non_finite_values_never_break_the_table() -> None:
    text = detail_content(
        _snapshot(running=float("inf"), failed_per_s=float("nan"), error_share=1e308)
    ).plain
    assert "overflow" in text and "rates over 4m (widened from 1m" in text
    assert detail_content(None).plain.startswith("No data yet.")


async def test_i_opens_the_details_of_the_last_snapshot_and_closes_them() -> None:
    app = demo_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_polls(pilot, app)
        await pilot.press("i")
        assert isinstance(app.screen, DetailScreen)
        body = str(app.screen.query_one("#detail-body").render())
        assert "requests running" in body and "stable" in body and "canary" in body
        assert "finished: error /s" in body
        await pilot.press("i")
        assert not isinstance(app.screen, DetailScreen)
