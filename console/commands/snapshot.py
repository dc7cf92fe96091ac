"""``inference-console snapshot``: one refresh of a deployment's panels, as JSON for scripts."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from console.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    add_source_options,
    fail,
    fail_problems,
    say,
)
from console.model import FleetSnapshot, Track, TrackValues

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "snapshot.schema.json"


class SnapshotTracks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stable: TrackValues
    canary: TrackValues


class SnapshotJSON(BaseModel):
    """What ``snapshot --json`` prints. Missing data is null, never 0. Rates are per second over
    ``window_s``; quantiles come from the track's summed histogram buckets. ``stale`` is true when
    the source's newest samples of a track are older than ``[prometheus] stale_after``."""

    model_config = ConfigDict(extra="forbid", title="inference-console snapshot")

    deployment: str
    source: str
    at: datetime
    window_s: float
    #: The window asked for when ``window_s`` had to be widened (four scrape intervals at least).
    requested_window_s: float | None = None
    stale: bool
    #: Why the values are not current (``canary metrics 180s old``); null when ``stale`` is false.
    stale_reason: str | None
    tracks: SnapshotTracks

    @classmethod
    def of(cls, snapshot: FleetSnapshot) -> SnapshotJSON:
        empty = TrackValues()
        return cls(
            deployment=snapshot.deployment,
            source=snapshot.source,
            at=snapshot.at,
            window_s=snapshot.window_s,
            requested_window_s=snapshot.requested_window_s,
            stale=snapshot.stale,
            stale_reason=snapshot.stale_reason,
            tracks=SnapshotTracks(
                stable=snapshot.tracks.get(Track.STABLE, empty),
                canary=snapshot.tracks.get(Track.CANARY, empty),
            ),
        )


def schema_text() -> str:
    """The published JSON Schema (``docs/snapshot.schema.json``), generated from the model."""
    schema = SnapshotJSON.model_json_schema(by_alias=True, mode="serialization")
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "snapshot",
        help="one refresh of the panels (--json for scripts)",
        description=(
            "Query the metrics source once and print every panel's value for both tracks. "
            "With --json the keys follow docs/snapshot.schema.json; missing data is null. "
            "Exit 0 on success, 1 when the source cannot answer, 2 for bad options or config."
        ),
    )
    add_source_options(parser)
    parser.add_argument("--window", default="5m", metavar="DURATION", help="look-back (5m)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--schema", action="store_true", help="print the JSON Schema of the output and exit"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from console.commands.common import context
    from console.config import ConfigError
    from console.errors import ConsoleError
    from console.units import parse_duration

    if args.schema:
        print(schema_text(), end="")
        return EXIT_OK
    try:
        window = parse_duration(args.window)
        if not window > 0:
            raise ValueError
    except ValueError:
        return fail(
            f"--window: {args.window!r}: not a positive duration (e.g. 30s, 5m)", EXIT_USAGE
        )
    try:
        ctx = context(args, read_only=True)
    except ConfigError as err:
        return fail_problems(err)
    try:
        snapshot = ctx.metrics.snapshot(ctx.deployment.spec(), window)
    except ConsoleError as err:
        return fail(str(err), EXIT_FAILURE)
    finally:
        ctx.close()
    report = SnapshotJSON.of(snapshot)
    if args.json:
        print(json.dumps(report.model_dump(mode="json", by_alias=True), indent=2))
    else:
        say(render_text(report))
    return EXIT_OK


def render_text(report: SnapshotJSON) -> str:
    """A plain two-column table: every value of both tracks."""
    stable, canary = report.tracks.stable.flat(), report.tracks.canary.flat()
    lines = [
        f"{report.deployment} from {report.source} at {report.at.isoformat(timespec='seconds')}"
        f" over {report.window_s:g}s"
        + (
            f" (widened from {report.requested_window_s:g}s: four scrape intervals)"
            if report.requested_window_s is not None
            else ""
        ),
        f"{'':28}{'stable':>14}{'canary':>14}",
    ]
    for key in stable:
        lines.append(f"{key:28}{_cell(stable[key]):>14}{_cell(canary[key]):>14}")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "null" if value is None else f"{value:.6g}"
