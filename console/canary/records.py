"""What a canary action reports: its progress, its outcome, and its audit record (who, what, the
split before and after, the gates and the metrics they were judged on, what happened)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from console.audit import actor
from console.canary.plan import Plan, Split
from console.model import FleetSnapshot, Track
from console.outside import inert_record

Phase = Literal["warm", "shift", "trim", "scale", "done"]
Result = Literal["ok", "refused", "failed", "partial", "cancelled"]
RecordPhase = Literal["intent", "outcome"]


@dataclass(frozen=True)
class Progress:
    """A step of a running action, for the canary bar and the CLI."""

    phase: Phase
    message: str
    ready: int | None = None
    wanted: int | None = None


@dataclass(frozen=True)
class Outcome:
    """How an action ended, with the split it left."""

    outcome: Result
    message: str
    plan: Plan
    after: Split | None = None
    #: False when the outcome record could not be written (the message says why).
    audited: bool = True

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class Done(list[str]):
    """What an action has done so far, in words; ``route_written`` once its route write went
    through (the route should then read the plan's ``after``); ``scaled``: per track the count
    it had before the action scaled it and the count the action left it at."""

    route_written = False

    def __init__(self) -> None:
        super().__init__()
        self.scaled: dict[Track, tuple[int, int]] = {}

    def scaled_to(self, track: Track, before: int, now: int) -> None:
        self.scaled[track] = (self.scaled.get(track, (before, now))[0], now)
        self.append(f"{track.value} scaled to {now}")


def audit_record(
    deployment: str,
    identity: str | None,
    plan: Plan,
    snapshot: FleetSnapshot,
    phase: RecordPhase,
    message: str,
    outcome: Result | None = None,
    after: Split | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """An ``intent`` (``outcome`` None: ``after`` is the planned split) or an ``outcome`` record
    (``after`` is the split the cluster was left with, None when it could not be read)."""
    gates = plan.gates.results if plan.gates else ()
    left = plan.after if phase == "intent" else after
    record = {
        "actor": actor(identity),
        "deployment": deployment,
        "action": plan.action,
        "phase": phase,
        "outcome": outcome,
        "before": plan.before.as_record(),
        "after": left.as_record() if left else None,
        "gates": [
            {
                "name": g.name,
                "status": g.status.value,
                "observed": g.observed,
                "limit": g.limit,
                "detail": g.detail,
            }
            for g in gates
        ],
        "metrics": {t.value: v.model_dump(by_alias=True) for t, v in snapshot.tracks.items()},
        "message": message,
        "error": error,
    }
    # The record keeps the text, never the control characters or a credential it quoted.
    cleaned: dict[str, Any] = inert_record(record)
    return cleaned


def replicas_word(count: int) -> str:
    return f"{count} replica" if count == 1 else f"{count} replicas"


def done_words(changed: Done) -> str:
    return f" (already done: {', '.join(changed)})" if changed else " (nothing was changed)"
