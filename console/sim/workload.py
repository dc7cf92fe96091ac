"""What users send: arrival rates (daily cycle, slow noise, bursts, spikes) and request sizes."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from dataclasses import dataclass
from statistics import NormalDist

from console.sim.histogram import MAX_MODEL_LEN, TOKEN_BUCKETS
from console.sim.scenarios import Spike

DAY_S = 86400.0
PEAK_HOUR_UTC = 15.0
TROUGH_FRACTION = 0.35
NOISE_REVERSION = 1.0 / 300.0
NOISE_STEP = 0.012
BURST_CHANCE_PER_S = 1.0 / 1800.0
_STANDARD_NORMAL = NormalDist()


def daily_factor(t: float) -> float:
    """Fraction of the daily peak at absolute time ``t`` (peak 15:00 UTC, trough ~35 % at 03:00)."""
    hour = (t % DAY_S) / 3600.0
    wave = 0.5 + 0.5 * math.cos(2.0 * math.pi * (hour - PEAK_HOUR_UTC) / 24.0)
    return TROUGH_FRACTION + (1.0 - TROUGH_FRACTION) * wave


class ArrivalProcess:
    """Requests per second over time: peak × daily cycle × mean-reverting noise × bursts × spike."""

    def __init__(self, peak_rps: float, start: int, spike: Spike | None) -> None:
        self.peak_rps = peak_rps
        self.start = start
        self.spike = spike
        self.noise = 0.0
        self.burst_left = 0
        self.burst_factor = 1.0

    def rate(self, t: int, rng: random.Random) -> float:
        """Advance the noise and burst state by one tick and return the rate for tick ``t``."""
        self.noise += -NOISE_REVERSION * self.noise + NOISE_STEP * rng.gauss(0.0, 1.0)
        if self.burst_left > 0:
            self.burst_left -= 1
        elif rng.random() < BURST_CHANCE_PER_S:
            self.burst_left = rng.randint(30, 120)
            # A burst a fleet sized for its peak absorbs (queueing, not refusing): the healthy
            # scenario stays healthy at its daily peak; traffic-spike is the overload.
            self.burst_factor = rng.uniform(1.2, 1.6)
        rate = self.peak_rps * daily_factor(t) * math.exp(self.noise)
        if self.burst_left > 0:
            rate *= self.burst_factor
        if self.spike is not None:
            rate *= self.spike.multiplier(t - self.start)
        return rate


def poisson(lam: float, rng: random.Random) -> int:
    """One Poisson(lam) draw (multiplication method; normal approximation for large rates)."""
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    n = 0
    p = rng.random()
    while p > limit:
        n += 1
        p *= rng.random()
    return n


@dataclass(frozen=True)
class SizeModel:
    """Heavy-tailed token counts: a lognormal body and a Pareto tail, capped at max_model_len."""

    median: float
    sigma: float
    tail_share: float
    tail_from: float
    tail_alpha: float

    def quantile(self, u: float) -> int:
        """A deterministic map from u in (0, 1) to a token count with this distribution (at most
        max_model_len − 1, so a prompt always leaves room for one output token)."""
        if u < self.tail_share:
            v = u / self.tail_share
            x = self.tail_from * (1.0 - v) ** (-1.0 / self.tail_alpha)
        else:
            v = (u - self.tail_share) / (1.0 - self.tail_share)
            x = self.median * math.exp(self.sigma * _STANDARD_NORMAL.inv_cdf(v))
        return max(1, min(MAX_MODEL_LEN - 1, round(x)))


PROMPT_SIZES = SizeModel(median=400, sigma=0.9, tail_share=0.03, tail_from=2500, tail_alpha=1.6)
OUTPUT_SIZES = SizeModel(median=180, sigma=0.7, tail_share=0.02, tail_from=900, tail_alpha=1.8)

TABLE_SIZE = 2048


class SizeTable:
    """A precomputed inverse-CDF table: one ``random()`` and one index per draw, bucket included."""

    def __init__(self, model: SizeModel) -> None:
        grid = ((i + 0.5) / TABLE_SIZE for i in range(TABLE_SIZE))
        self.tokens: list[int] = [model.quantile(u) for u in grid]
        self.tokens.sort()
        self.buckets: list[int] = [bisect_left(TOKEN_BUCKETS, float(n)) for n in self.tokens]


_TABLES: dict[SizeModel, SizeTable] = {}


def size_table(model: SizeModel) -> SizeTable:
    """The (cached) table for ``model``."""
    table = _TABLES.get(model)
    if table is None:
        table = _TABLES[model] = SizeTable(model)
    return table
