"""The simulated fleet: two tracks behind a weighted route, advanced in whole-second ticks."""

from __future__ import annotations

import math
import random
import threading
from array import array

from console.clock import Clock, ManualClock, SystemClock
from console.config import DEMO_DEPLOYMENT
from console.model import DeploymentSpec, Track, TrackValues
from console.sim import layout as L
from console.sim.evaluate import EMPTY, Flat, window_flat
from console.sim.pods import PodNamer
from console.sim.scenarios import Event, Scenario, get_scenario
from console.sim.track import BAD_REQUEST_SHARE, Pod, TrackSim
from console.sim.truth import exact_values
from console.sim.workload import ArrivalProcess, poisson

#: History simulated before the first poll: the default 5-minute window plus its 1-minute rate
#: window, so the first paint has full sparklines (and the gates their 5 minutes). Each second
#: costs start-up time; longer windows fill in as the console runs.
DEFAULT_WARMUP_S = 360
TRUTH_S = 900
LIVE_WARMUP_S = TRUTH_S
"""Of a longer warm-up, the newest part simulated before the first poll (the ground truth's
15 minutes, and every window but the hour). The older part is simulated apart, from the same
start, on random streams of its own, the first time a reader asks for it: start-up does not
pay for the hour's sparkline until someone shows it (see ``_fill_older``)."""
LOAD_TIME_S = (40.0, 120.0)
MAX_WEIGHT = 1_000_000


class SimFleet:
    """A deterministic simulated deployment. Everything it reports depends only on the scenario,
    seed, deployment, start time, the ticks processed and the cluster actions taken."""

    def __init__(
        self,
        scenario: str | Scenario = "healthy",
        seed: int = 7,
        deployment: DeploymentSpec | None = None,
        clock: Clock | None = None,
        warmup_s: float = DEFAULT_WARMUP_S,
        retain_s: float = 3600,
        live_warmup_s: float = LIVE_WARMUP_S,
        stream: str = "",
    ) -> None:
        self.scenario = get_scenario(scenario) if isinstance(scenario, str) else scenario
        self.seed = seed
        self.deployment = deployment or DEMO_DEPLOYMENT.spec()
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.start = math.floor(self.clock.now())
        self.retain_s = max(int(retain_s), 1)
        self.first = self.start - min(max(int(warmup_s), 0), self.retain_s)
        #: The tick the simulation itself starts from; older ticks come from ``_fill_older``.
        self.live_from = max(self.first, self.start - max(int(live_warmup_s), 0))
        self.last = self.live_from
        self._older_pending = self.live_from > self.first
        self._stream = stream
        sc = self.scenario
        self.stable_weight, self.canary_weight = sc.stable_weight, sc.canary_weight
        #: When a write last changed the weights (None: not since the fleet started).
        self.weights_changed_at: float | None = None
        self.mirror_percent: float = sc.mirror_percent
        self._rv = 1
        self.route_version = "1"
        self.generation = {Track.STABLE: 1, Track.CANARY: 1}
        self._arrival_rng = random.Random(f"{seed}:{stream}arrivals")
        self._cluster_rng = random.Random(f"{seed}:{stream}cluster")
        self.arrivals = ArrivalProcess(sc.peak_rps, self.start, sc.spike)
        self.names = {
            track: PodNamer(self.name_of(track), seed) for track in (Track.STABLE, Track.CANARY)
        }
        self.tracks = {
            Track.STABLE: TrackSim(sc.stable, random.Random(f"{seed}:{stream}stable"), TRUTH_S),
            Track.CANARY: TrackSim(sc.canary, random.Random(f"{seed}:{stream}canary"), TRUTH_S),
        }
        for track, n in ((Track.STABLE, sc.stable_replicas), (Track.CANARY, sc.canary_replicas)):
            sim = self.tracks[track]
            sim.desired = n
            born = self.first - 7200
            sim.pods = [Pod(self.names[track].next(), born, born + 60) for _ in range(n)]
        self._events: dict[int, list[Event]] = {}
        for event in sc.events:
            self._events.setdefault(self.start + math.ceil(event.at_s), []).append(event)
        for tick in sorted(k for k in self._events if k <= self.live_from):
            for event in self._events.pop(tick):
                self._apply(event)
        self._size = self.retain_s + 1
        self._ring = {track: array("d", [0.0]) * (L.WIDTH * self._size) for track in self.tracks}
        for track, sim in self.tracks.items():
            self._store(track, self.live_from, sim.gauges(self.live_from, sim.pods))
        # The warm-up (up to an hour of ticks, ~0.4 s) is not run here: every reader syncs
        # first, so the first poll or log read pays for it in its worker thread, and building
        # the fleet costs the console's start-up nothing.

    def name_of(self, track: Track) -> str:
        return self.deployment.stable if track is Track.STABLE else self.deployment.canary

    # -- time ---------------------------------------------------------------------------------

    def advance_to(self, t: float) -> None:
        """Process every whole tick up to and including ``t``."""
        with self.lock:
            target = math.floor(t)
            for k in range(self.last + 1, target + 1):
                self._tick(k)

    def sync(self) -> int:
        """Catch up with the clock; returns the newest processed tick."""
        self.advance_to(self.clock.now())
        return self.last

    def _tick(self, k: int) -> None:
        for event in self._events.pop(k, ()):
            self._apply(event)
        rate = self.arrivals.rate(k, self._arrival_rng)
        share = self.canary_weight / (self.stable_weight + self.canary_weight)
        mirror = self.mirror_percent / 100.0
        rng = self._arrival_rng
        for track, lam in (
            (Track.STABLE, rate * (1 - share)),
            (Track.CANARY, rate * (share + mirror)),
        ):
            sim = self.tracks[track]
            fault = sim.profile.error_5xx_share
            good = lam * (1 - BAD_REQUEST_SHARE)
            n_bad = poisson(lam * BAD_REQUEST_SHARE, rng)
            n_fault = poisson(good * fault, rng) if fault else 0
            n_ok = poisson(good * (1 - fault), rng)
            self._store(track, k, sim.step(k, n_ok, n_bad, n_fault))
        self.last = k

    def _store(self, track: Track, k: int, vec: list[float]) -> None:
        at = (k % self._size) * L.WIDTH
        self._ring[track][at : at + L.WIDTH] = array("d", vec)

    def vector(self, track: Track, k: int) -> array[float] | None:
        """The stored per-tick vector of tick ``k``, or None when it is not retained."""
        if k > self.last or k < max(self.first, self.last - self.retain_s):
            return None
        if k < self.live_from and self._older_pending:
            self._fill_older()
        at = (k % self._size) * L.WIDTH
        return self._ring[track][at : at + L.WIDTH]

    def _fill_older(self) -> None:
        """Simulate the warm-up's ticks before ``live_from`` (still retained) and store them.

        A fleet of the same scenario, seed and start, on random streams of its own, runs from
        ``first`` to ``live_from``; its cumulative counters are moved so that at ``live_from``
        they meet this fleet's (which start there at zero), so a window across the seam
        counts what happened on each side. Deterministic per seed, whenever it runs."""
        with self.lock:
            if not self._older_pending:
                return
            self._older_pending = False
            oldest = max(self.first, self.last - self.retain_s)
            if oldest >= self.live_from:
                return  # the live part alone fills what is still retained
            older = SimFleet(
                self.scenario,
                self.seed,
                self.deployment,
                clock=ManualClock(self.start),  # stopped where this fleet started
                warmup_s=self.start - self.first,
                retain_s=self.retain_s,
                live_warmup_s=self.start - self.first,
                stream="older:",
            )
            older.advance_to(self.live_from)
            n = L.N_COUNTERS
            for track in self.tracks:
                seam = older.vector(track, self.live_from)
                ours = self.vector(track, self.live_from)
                assert seam is not None and ours is not None
                offsets = [a - b for a, b in zip(ours[:n], seam[:n], strict=True)]
                for k in range(oldest, self.live_from):
                    vec = older.vector(track, k)
                    assert vec is not None
                    moved = [v + o for v, o in zip(vec[:n], offsets, strict=True)]
                    self._store(track, k, moved + list(vec[n:]))

    # -- values -------------------------------------------------------------------------------

    def window(self, track: Track, end: int, lookback: int) -> tuple[Flat, bool]:
        """Flat values of the ``lookback`` seconds ending at tick ``end`` and whether they are
        final (do not depend on how much history is still retained)."""
        oldest = max(self.first, self.last - self.retain_s)
        vec_end = self.vector(track, end)
        if vec_end is None:
            return dict(EMPTY), end < self.first
        begin = end - lookback
        final = begin >= oldest or oldest == self.first
        begin = max(begin, oldest)
        vec_begin = self.vector(track, begin)
        return window_flat(vec_end, vec_begin, float(end - begin)), final

    def ground_truth(self, track: Track, window_s: float) -> TrackValues:
        """Exact values over the last ``window_s`` (≤ 900 s) from the raw per-request samples."""
        with self.lock:
            self.sync()
            span = round(window_s)
            if not 0 < span <= TRUTH_S:
                raise ValueError(f"ground truth covers 1..{TRUTH_S} s, not {window_s}")
            vec = self.vector(track, self.last)
            assert vec is not None
            return exact_values(self.tracks[track], self.last, span, self.first, vec)

    def running_for(self, track: Track) -> float:
        """Seconds since the track's oldest pod was created (0 with no pods): how long it has
        been running, e.g. how long a canary has run beside stable."""
        with self.lock:
            self.sync()
            pods = self.tracks[track].pods
            return float(self.last - min(p.created for p in pods)) if pods else 0.0

    # -- cluster actions ----------------------------------------------------------------------

    def _bump(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _apply(self, event: Event) -> None:
        if event.kind == "scale_stable":
            self._scale(Track.STABLE, event.value)
        elif event.kind == "scale_canary":
            self._scale(Track.CANARY, event.value)
        elif event.kind == "weights":
            self._set_weights(event.value, event.canary_weight)
        else:
            self._set_mirror(event.value)

    def scale(self, track: Track, replicas: int) -> None:
        """Set the desired replicas now; new pods serve after their model has loaded."""
        with self.lock:
            self.sync()
            self._scale(track, replicas)
            # Show the new replica counts at once (the tick's counters are unchanged).
            sim = self.tracks[track]
            ready = [p for p in sim.pods if p.ready(self.last)]
            self._store(track, self.last, sim.gauges(self.last, ready))

    def _scale(self, track: Track, replicas: int) -> None:
        if replicas < 0:
            raise ValueError(f"replicas must be ≥ 0, not {replicas}")
        sim = self.tracks[track]
        sim.desired = replicas
        self.generation[track] += 1
        self._bump()
        now = self.last
        while len(sim.pods) < replicas:
            load = math.ceil(self._cluster_rng.uniform(*LOAD_TIME_S))
            sim.pods.append(Pod(self.names[track].next(), now, now + 1 + load))
        if len(sim.pods) > replicas:
            # Like a ReplicaSet: not-ready pods go first, then the youngest.
            order = sorted(sim.pods, key=lambda p: (not p.ready(now + 1), p.created), reverse=True)
            doomed = {id(p) for p in order[: len(sim.pods) - replicas]}
            sim.pods = [p for p in sim.pods if id(p) not in doomed]

    def set_weights(self, stable: int, canary: int) -> str:
        """Write the route's backend weights (relative integers); returns the new version."""
        check_weights(stable, canary)
        with self.lock:
            self.sync()
            return self._set_weights(stable, canary)

    def _set_weights(self, stable: int, canary: int) -> str:
        if (stable, canary) != (self.stable_weight, self.canary_weight):
            self.weights_changed_at = self.clock.now()
        self.stable_weight, self.canary_weight = stable, canary
        self.route_version = self._bump()
        return self.route_version

    def set_mirror(self, percent: float) -> str:
        """Mirror ``percent`` of all traffic to the canary as well (0 removes the mirror)."""
        check_mirror(percent)
        with self.lock:
            self.sync()
            return self._set_mirror(percent)

    def _set_mirror(self, percent: float) -> str:
        self.mirror_percent = percent
        self.route_version = self._bump()
        return self.route_version


def check_weights(stable: int, canary: int) -> None:
    """ValueError unless both are integers in 0..1,000,000 and not both zero (HTTPRoute rules)."""
    for w in (stable, canary):
        if isinstance(w, bool) or not isinstance(w, int) or not 0 <= w <= MAX_WEIGHT:
            raise ValueError(f"weights are integers in 0..{MAX_WEIGHT}, not {w!r}")
    if stable == 0 and canary == 0:
        raise ValueError("stable and canary weights cannot both be 0")


def check_mirror(percent: float) -> None:
    """ValueError unless ``percent`` is a number in 0..100."""
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
        raise ValueError(f"mirror percent must be in 0..100, not {percent!r}")
