"""The simulated fleet's scenarios: plain parameter records, one per name in ``SCENARIOS``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from console.config import SCENARIOS


@dataclass(frozen=True)
class TrackProfile:
    """How one track's model server behaves relative to the common baseline."""

    ttft_factor: float = 1.0
    itl_factor: float = 1.0
    error_5xx_share: float = 0.0


@dataclass(frozen=True)
class Event:
    """A cluster action the scenario takes by itself, ``at_s`` seconds after the fleet's start
    (negative: during warm-up, i.e. just before the operator arrived)."""

    at_s: float
    kind: Literal["scale_stable", "scale_canary", "weights", "mirror"]
    value: int = 0
    canary_weight: int = 0


@dataclass(frozen=True)
class Spike:
    """Arrivals ramp up to ``factor`` × normal, hold, then ramp back down (seconds from start)."""

    start_s: float
    ramp_s: float
    hold_s: float
    factor: float

    def multiplier(self, since_start: float) -> float:
        x = since_start - self.start_s
        if x <= 0:
            return 1.0
        if x < self.ramp_s:
            return 1.0 + (self.factor - 1.0) * x / self.ramp_s
        x -= self.ramp_s
        if x < self.hold_s:
            return self.factor
        x -= self.hold_s
        if x < self.ramp_s:
            return self.factor - (self.factor - 1.0) * x / self.ramp_s
        return 1.0


@dataclass(frozen=True)
class Scenario:
    """Everything that distinguishes one scenario: traffic level, initial split, track profiles,
    a traffic spike and self-initiated cluster events."""

    name: str
    peak_rps: float = 16.0
    stable_replicas: int = 5
    canary_replicas: int = 1
    stable_weight: int = 95
    canary_weight: int = 5
    mirror_percent: int = 0
    stable: TrackProfile = TrackProfile()
    canary: TrackProfile = TrackProfile()
    spike: Spike | None = None
    events: tuple[Event, ...] = field(default_factory=tuple)


_SCENARIO_LIST = (
    Scenario(name="healthy"),
    Scenario(name="slow-canary", canary=TrackProfile(ttft_factor=2.5, itl_factor=2.0)),
    Scenario(name="failing-canary", canary=TrackProfile(error_5xx_share=0.08)),
    Scenario(
        name="cold-start",
        canary_replicas=0,
        stable_weight=100,
        canary_weight=0,
        events=(
            Event(at_s=-20, kind="scale_canary", value=2),
            Event(at_s=-5, kind="weights", value=90, canary_weight=10),
        ),
    ),
    Scenario(
        name="traffic-spike",
        canary_weight=5,
        spike=Spike(start_s=60, ramp_s=90, hold_s=300, factor=3.0),
    ),
)

SCENARIO_BY_NAME: dict[str, Scenario] = {s.name: s for s in _SCENARIO_LIST}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; ValueError listing the known names otherwise."""
    try:
        return SCENARIO_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
