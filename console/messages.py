"""Typed messages that workers post back to the screen (workers never touch widgets)."""

from __future__ import annotations

from textual.message import Message

from console.gates import GateReport
from console.model import FleetSnapshot


class SnapshotReady(Message):
    """A poll finished: the dashboard snapshot and, when it was due, a fresh gate report."""

    def __init__(self, snapshot: FleetSnapshot, gates: GateReport | None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.gates = gates


class PollFailed(Message):
    """A poll failed; ``reason`` is one operator-readable line."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
