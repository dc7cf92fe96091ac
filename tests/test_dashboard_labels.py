"""The real dashboard over the simulated fleet at the sizes people have: every number labelled
(track, quantile, unit, window) and nothing cut with an ellipsis — panels, canary bar, header."""

from __future__ import annotations

import pytest

from console.present import PANELS
from tests.support import demo_app, panel_rows, wait_polls, wait_until
from widgets.canary_bar import CanaryBar
from widgets.status_header import StatusHeader

SIZES = [(80, 24), (120, 40), (160, 48), (220, 60)]


@pytest.mark.parametrize("scenario", ["healthy", "failing-canary", "cold-start"])
@pytest.mark.parametrize("size", SIZES)
async def test_every_number_is_labelled_and_nothing_is_cut(
    size: tuple[int, int], scenario: str
) -> None:
    app = demo_app(scenario)
    async with app.run_test(size=size) as pilot:
        await wait_polls(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.gates is not None, "the gates")
        await wait_polls(pilot, app)  # a poll after the first: its layout has settled
        await pilot.pause()
        compact = app.dashboard.has_class("-compact")
        everything = []
        for spec in PANELS:
            rows = panel_rows(app, spec.id)
            everything += rows
            text = "\n".join(rows)
            assert "…" not in text, f"{spec.id} at {size}: {text}"
            if not compact:  # each panel names its tracks
                assert "stable" in rows[0] and "canary" in rows[0], rows[0]
                assert "-5m" in text and "now" in text  # the sparkline's time scale
        screen = "\n".join(everything)
        if compact:  # one heading names the columns for the whole stack
            heading = panel_rows(app, "volume")[0]
            assert heading.index("stable") < heading.index("│") < heading.index("canary")
            assert "last 1m" in heading
        latency = panel_rows(app, "latency")
        assert sum("p50" in row and "p90" in row and "p99" in row for row in latency) >= 1
        assert "tok/s" not in screen  # inter-token latency: higher is worse, like the others
        for unit in ("req/s", "2xx", "5xx", "/s", "ms", "serving", "starting", "waiting"):
            assert unit in screen, f"{unit} missing at {size}"

        for widget in (app.screen.query_one(CanaryBar), app.screen.query_one(StatusHeader)):
            line = widget.render_line(0).text
            assert "…" not in line, f"{type(widget).__name__} at {size}: {line}"
        if scenario == "failing-canary":
            bar = app.screen.query_one(CanaryBar).render_line(0).text
            assert "err" in bar and "%" in bar, bar  # the reason, whole or short, never cut
