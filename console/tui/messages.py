"""Typed messages that workers post back to the screen (workers never touch widgets).

A message a worker posts to the widget that handles it does not bubble: Textual takes that from
the class statement (``bubble=False``); a ``bubble`` attribute in the class body is overwritten."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from console.gates import GateReport
from console.model import FleetSnapshot, LogLine

if TYPE_CHECKING:
    from console.canary import CanaryController, Outcome, Plan, Progress


class SnapshotReady(Message, bubble=False):
    """A poll finished: the dashboard snapshot and, when it was due, a fresh gate report."""

    def __init__(self, snapshot: FleetSnapshot, gates: GateReport | None, took_s: float) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.gates = gates
        self.took_s = took_s  # how long the dashboard's snapshot took to fetch


class PollFailed(Message, bubble=False):
    """A poll failed; ``reason`` is one operator-readable line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class LogBatch(Message, bubble=False):
    """New lines from one log source for one of the log pane's streams (``target``);
    ``generation`` tells batches of a since-replaced set of sources apart."""

    def __init__(self, target: str, lines: list[LogLine], generation: int) -> None:
        super().__init__()
        self.target = target
        self.lines = lines
        self.generation = generation


class LogsSaved(Message, bubble=False):
    """Saving log lines finished: ``count`` lines in ``path``, or ``error`` (one line)."""

    def __init__(self, path: str, count: int, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.count = count
        self.error = error


class CanaryPlanned(Message):
    """A canary action was planned (nothing written yet): ask the operator."""

    def __init__(self, controller: CanaryController, plan: Plan, snapshot: FleetSnapshot) -> None:
        super().__init__()
        self.controller = controller
        self.plan = plan
        self.snapshot = snapshot


class CanaryProgress(Message):
    """A running canary action moved on (warming 2/3 ready, shifting, ...)."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class CanaryFinished(Message):
    """A canary action ended; ``outcome`` is None when it could not start (see ``error``)."""

    def __init__(self, outcome: Outcome | None, error: str = "", planning: bool = False) -> None:
        super().__init__()
        self.outcome = outcome
        self.error = error
        self.planning = planning  # the plan could not be made: no action was running
