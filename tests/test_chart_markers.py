"""Time on the charts: a time scale under every sparkline, actions from the audit trail marked
where they happened, and every window full from the first poll."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from console.config import demo_audit_path
from console.markers import AuditMarkers, Marker, positions
from tests.support import T0, demo_app, file_app, panel_rows, wait_polls, wait_until
from widgets.compare_panel import ComparePanel


def record(at: float, action: str, outcome: str = "ok", deployment: str = "llama") -> str:
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return json.dumps(
        {
            "time": stamp,
            "deployment": deployment,
            "action": action,
            "phase": "outcome",
            "outcome": outcome,
        }
    )


def test_markers_are_this_deployments_changes_and_follow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    markers = AuditMarkers(path)
    assert markers.read("llama", 0) == ()  # no file yet
    path.write_text(
        "\n".join(
            [
                record(T0 - 100, "step"),
                record(T0 - 90, "step", outcome="refused"),  # changed nothing
                record(T0 - 80, "revert", deployment="other"),
                "not json",
                record(T0 - 10, "emergency-revert"),
            ]
        )
        + "\n"
    )
    assert markers.read("llama", T0 - 300) == (Marker(T0 - 100, "S"), Marker(T0 - 10, "E"))
    assert markers.read("llama", T0 - 50) == (Marker(T0 - 10, "E"),)
    with path.open("a") as out:
        out.write(record(T0 - 5, "mirror") + "\n")
    assert markers.read("llama", T0 - 50)[-1] == Marker(T0 - 5, "M")


def test_positions_place_markers_along_the_span() -> None:
    marks = [Marker(100.0, "S"), Marker(150.0, "R"), Marker(250.0, "E")]
    assert positions(marks, 100.0, 200.0) == ((0.0, "S"), (0.5, "R"))


async def test_a_step_in_the_audit_trail_is_marked_on_every_chart(tmp_path: Path) -> None:
    app = file_app(tmp_path, ["x"])
    trail = demo_audit_path()
    trail.parent.mkdir(parents=True, exist_ok=True)
    trail.write_text(record(T0 - 150, "step") + "\n")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app)

        def axis_rows() -> list[str]:  # once the panel has been laid out with its axis row
            return [r for r in panel_rows(app, "volume") if "-5m" in r and "now" in r]

        await wait_until(pilot, lambda: bool(axis_rows()), "the time scale")
        axis = axis_rows()[0]
        halves = axis.split("│")
        assert len(halves) == 2
        for half in halves:  # each half: "-5m ... S ... now", the S about halfway along
            inner = half.strip()
            assert inner.startswith("-5m") and inner.endswith("now") and "S" in inner
            assert 0.35 < inner.index("S") / len(inner) < 0.65, inner
        compact = app.dashboard
        compact.toggle_compact()

        def ttft_rows() -> list[str]:
            return [r for r in panel_rows(app, "latency") if "TTFT" in r]

        await wait_until(pilot, lambda: bool(ttft_rows()), "the compact layout")
        latency = ttft_rows()
        # On the one-row sparkline beside TTFT, both tracks.
        ttft = next(row for row in latency if "TTFT" in row)
        assert all("S" in half.split("ms")[-1] for half in ttft.split("│")), ttft


async def test_the_hour_window_is_full_from_the_first_poll() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await wait_polls(pilot, app)
        await wait_polls(pilot, app)
        snapshot = app.dashboard.snapshot
        assert snapshot is not None and snapshot.history_s == 3600
        for history in snapshot.histories.values():
            series = history.values("requests_per_s")
            assert len(series) >= 99 and all(v is not None for v in series)


async def test_no_panel_sits_alone_in_half_a_row() -> None:
    app = demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_polls(pilot, app)
        grid = app.screen.query_one("#panels").content_region
        panels = list(app.screen.query(ComparePanel))
        rows: dict[int, list[ComparePanel]] = {}
        for panel in panels:
            rows.setdefault(panel.region.y, []).append(panel)
        for row in rows.values():
            used = sum(panel.outer_size.width for panel in row) + len(row) - 1
            assert used >= grid.width - 1, [p.id for p in row]
