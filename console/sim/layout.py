"""Where each counter, histogram bucket and gauge lives in a track's per-tick vector."""

from __future__ import annotations

from console.sim.histogram import E2E_BUCKETS, ITL_BUCKETS, TOKEN_BUCKETS, TTFT_BUCKETS


class _Cursor:
    def __init__(self) -> None:
        self.n = 0

    def take(self, size: int = 1) -> int:
        at = self.n
        self.n += size
        return at


_c = _Cursor()
# Cumulative counters (per track and per pod).
REQ_2XX = _c.take()
REQ_4XX = _c.take()
REQ_5XX = _c.take()
PROMPT_SUM = _c.take()
GEN_SUM = _c.take()
TTFT_B = _c.take(len(TTFT_BUCKETS) + 1)
TTFT_SUM = _c.take()
ITL_B = _c.take(len(ITL_BUCKETS) + 1)
ITL_SUM = _c.take()
E2E_B = _c.take(len(E2E_BUCKETS) + 1)
E2E_SUM = _c.take()
PROMPT_B = _c.take(len(TOKEN_BUCKETS) + 1)
GEN_B = _c.take(len(TOKEN_BUCKETS) + 1)
N_COUNTERS = _c.n
# Gauges (per track, sampled at the end of each tick).
QUEUE = _c.take()
RUNNING = _c.take()
GPU_MEM = _c.take()
GPU_UTIL = _c.take()
KV_CACHE = _c.take()
CPU = _c.take()
HOST_MEM = _c.take()
DESIRED = _c.take()
SERVING = _c.take()
STARTING = _c.take()
PODS = _c.take()
WIDTH = _c.n

#: (first index, finite bounds) of each histogram.
HISTOGRAMS: dict[str, tuple[int, tuple[float, ...]]] = {
    "ttft": (TTFT_B, TTFT_BUCKETS),
    "itl": (ITL_B, ITL_BUCKETS),
    "e2e": (E2E_B, E2E_BUCKETS),
    "prompt": (PROMPT_B, TOKEN_BUCKETS),
    "gen": (GEN_B, TOKEN_BUCKETS),
}
