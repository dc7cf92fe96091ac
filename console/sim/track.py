"""One track's model servers: pods, a shared queue, continuous batching, and their counters."""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from console.sim import layout as L
from console.sim.histogram import (
    E2E_BUCKETS,
    ITL_BUCKETS,
    MAX_MODEL_LEN,
    TOKEN_BUCKETS,
    TTFT_BUCKETS,
)
from console.sim.scenarios import TrackProfile
from console.sim.workload import OUTPUT_SIZES, PROMPT_SIZES, TABLE_SIZE, size_table

MAX_SEQS = 32
QUEUE_PER_REPLICA = 48
TTFT_BASE_S = 0.035
PREFILL_S_PER_TOKEN = 0.00006
ITL_BASE_S = 0.011
GIB = 1024.0**3
# An 8B model in bf16 on a 24 GiB GPU. vLLM takes ``gpu_memory_utilization`` (0.9) of the GPU
# at start-up — weights, activations, and every KV-cache block it can fit — so the GPU's memory
# reads ~90 % whatever the load; the KV cache's use is what moves with the batch.
GPU_BYTES = 24 * GIB
GPU_MEMORY_UTILIZATION = 0.9
CUDA_CONTEXT_BYTES = 0.5 * GIB
WEIGHTS_BYTES = 14.99 * GIB
ACTIVATION_BYTES = 1.6 * GIB
KV_BYTES_PER_TOKEN = 128 * 1024  # 2 (K, V) × 32 layers × 8 KV heads × 128 dims × 2 bytes
KV_SPACE = GPU_MEMORY_UTILIZATION * GPU_BYTES - WEIGHTS_BYTES - ACTIVATION_BYTES
BAD_REQUEST_SHARE = 0.007

ItlGroups = tuple[tuple[float, int], ...]
"""A request's decode steps as (inter-token latency, steps) groups: most steps at the batch's
pace, some slowed by other requests' prefills sharing the step, a few stalled much longer."""
#: A running request: (pod, prompt, output, ttft, itl groups, e2e, prompt/output buckets, kv).
Finished = tuple["Pod", int, int, float, ItlGroups, float, int, int, int]
#: A ground-truth sample of a successful request: (tick, prompt, output, ttft, itl groups, e2e).
Sample = tuple[int, int, int, float, ItlGroups, float]


@dataclass
class Pod:
    """One replica: identity, readiness and its own cumulative counters (for per-pod series)."""

    name: str
    created: int
    ready_at: int
    running: int = 0
    kv_tokens: int = 0
    counters: list[float] = field(default_factory=lambda: [0.0] * L.N_COUNTERS)

    def ready(self, t: int) -> bool:
        return t >= self.ready_at

    def load_progress(self, t: int) -> float:
        span = max(self.ready_at - self.created, 1)
        return min(max((t - self.created) / span, 0.0), 1.0)


def kv_fraction(p: Pod) -> float:
    """The share of a pod's KV-cache space in use, 0-1 (vLLM's ``kv_cache_usage_perc``)."""
    return min(p.kv_tokens * KV_BYTES_PER_TOKEN / KV_SPACE, 1.0)


def pod_usage(p: Pod, t: int) -> tuple[float, float, float, float]:
    """One pod's GPU memory bytes, GPU utilisation (0-1), CPU cores and host memory bytes."""
    if t >= p.ready_at:
        occ = p.running / MAX_SEQS
        return (
            GPU_MEMORY_UTILIZATION * GPU_BYTES + CUDA_CONTEXT_BYTES,
            min(1.0, 0.04 + 0.96 * occ**0.7),
            1.2 + 2.2 * occ,
            10 * GIB + 4 * GIB * occ,
        )
    progress = p.load_progress(t)
    return WEIGHTS_BYTES * progress, 0.0, 1.0, 2 * GIB + 14 * GIB * progress


class TrackSim:
    """The servers behind one Deployment. ``tick`` processes one second of traffic."""

    def __init__(self, profile: TrackProfile, rng: random.Random, truth_s: int) -> None:
        self.profile = profile
        self.rng = rng
        self.truth_s = truth_s
        self.pods: list[Pod] = []
        self.desired = 0
        self.queue: deque[tuple[int, float, int, int]] = deque()
        self.pending: dict[int, list[Finished]] = {}
        self.counters: list[float] = [0.0] * L.N_COUNTERS
        self.samples: deque[Sample] = deque()
        self.codes: deque[tuple[int, int, int, int]] = deque()
        self.prompt_table = size_table(PROMPT_SIZES)
        self.output_table = size_table(OUTPUT_SIZES)

    def step(self, t: int, n_ok: int, n_bad: int, n_fault: int) -> list[float]:
        """Process tick ``t``: finish, start pods, take ``n_ok`` servable arrivals plus ``n_bad``
        malformed (4xx) and ``n_fault`` failing (5xx) ones, batch, and sample the gauges."""
        finished = self.finish(t)
        ready = [p for p in self.pods if t >= p.ready_at]
        c = self.counters
        n4 = n5 = 0
        if ready:
            n4 = n_bad
            n5 = n_fault + self.enqueue(t, n_ok, QUEUE_PER_REPLICA * len(ready))
            blamed = ready[t % len(ready)].counters
            blamed[L.REQ_4XX] += n4
            blamed[L.REQ_5XX] += n5
        else:
            n5 = n_ok + n_bad + n_fault
        c[L.REQ_4XX] += n4
        c[L.REQ_5XX] += n5
        self.admit(t, ready)
        self.codes.append((t, finished, n4, n5))
        self.prune(t)
        return self.gauges(t, ready)

    def gauges(self, t: int, ready: list[Pod]) -> list[float]:
        """The tick's vector: cumulative counters followed by the gauges."""
        vec = self.counters + [0.0] * (L.WIDTH - L.N_COUNTERS)
        pods = self.pods
        vec[L.QUEUE] = len(self.queue)
        vec[L.DESIRED] = self.desired
        vec[L.SERVING] = len(ready)
        vec[L.STARTING] = len(pods) - len(ready)
        vec[L.PODS] = len(pods)
        if not pods:
            return vec
        mem = util = cpu = host = kv = 0.0
        running = 0
        for p in pods:
            if t >= p.ready_at:
                running += p.running
            p_mem, p_util, p_cpu, p_host = pod_usage(p, t)
            mem += p_mem
            util += p_util
            cpu += p_cpu
            host += p_host
            kv += kv_fraction(p)
        vec[L.RUNNING] = running
        vec[L.GPU_MEM] = mem / (GPU_BYTES * len(pods))
        vec[L.GPU_UTIL] = util / len(pods)
        vec[L.KV_CACHE] = kv / len(pods)
        vec[L.CPU] = cpu
        vec[L.HOST_MEM] = host
        return vec

    def finish(self, t: int) -> int:
        """Record every request whose last token falls in tick ``t``; returns how many."""
        done = self.pending.pop(t, None)
        if not done:
            return 0
        c = self.counters
        append = self.samples.append
        r2, ps, gs, ts, its, es = (
            L.REQ_2XX,
            L.PROMPT_SUM,
            L.GEN_SUM,
            L.TTFT_SUM,
            L.ITL_SUM,
            L.E2E_SUM,
        )
        tb, ib, eb = L.TTFT_B, L.ITL_B, L.E2E_B
        ttft_bounds, itl_bounds, e2e_bounds = TTFT_BUCKETS, ITL_BUCKETS, E2E_BUCKETS
        sum_prompt = sum_out = sum_ttft = sum_itl = sum_e2e = 0.0
        for pod, prompt, out, ttft, itl, e2e, pb, gb, kv in done:
            pod.running -= 1
            pod.kv_tokens -= kv
            ti = tb + bisect_left(ttft_bounds, ttft)
            ei = eb + bisect_left(e2e_bounds, e2e)
            k = pod.counters
            itl_total = 0.0
            for value, steps in itl:
                if steps:
                    ii = ib + bisect_left(itl_bounds, value)
                    k[ii] += steps
                    c[ii] += steps
                    itl_total += value * steps
            k[r2] += 1
            k[ps] += prompt
            k[gs] += out
            k[ts] += ttft
            k[its] += itl_total
            k[es] += e2e
            k[ti] += 1
            k[ei] += 1
            k[pb] += 1
            k[gb] += 1
            c[ti] += 1
            c[ei] += 1
            c[pb] += 1
            c[gb] += 1
            sum_prompt += prompt
            sum_out += out
            sum_ttft += ttft
            sum_itl += itl_total
            sum_e2e += e2e
            append((t, prompt, out, ttft, itl, e2e))
        c[r2] += len(done)
        c[ps] += sum_prompt
        c[gs] += sum_out
        c[ts] += sum_ttft
        c[its] += sum_itl
        c[es] += sum_e2e
        return len(done)

    def admit(self, t: int, ready: list[Pod]) -> None:
        """Start queued requests on the least-loaded ready pods while slots are free."""
        queue = self.queue
        if not queue or not ready:
            return
        heap = [(p.running, i) for i, p in enumerate(ready) if p.running < MAX_SEQS]
        heapq.heapify(heap)
        rnd = self.rng.random
        prompts, outputs = self.prompt_table, self.output_table
        ttft_f, itl_f = self.profile.ttft_factor, self.profile.itl_factor
        pending = self.pending
        prompt_base, gen_base = L.PROMPT_B, L.GEN_B
        heapreplace, heappop = heapq.heapreplace, heapq.heappop
        ceil = math.ceil
        while queue and heap:
            running, i = heap[0]
            pod = ready[i]
            arrived, offset, pi, oi = queue.popleft()
            prompt = prompts.tokens[pi]
            out = outputs.tokens[oi]
            gb = gen_base + outputs.buckets[oi]
            if prompt + out > MAX_MODEL_LEN:
                out = MAX_MODEL_LEN - prompt
                gb = gen_base + bisect_left(TOKEN_BUCKETS, float(out))
            occ = running / MAX_SEQS
            wait = 0.0 if arrived == t else (t - arrived) + 0.5 - offset
            jitter = 0.85 + 0.3 * rnd()
            prefill = TTFT_BASE_S + prompt * PREFILL_S_PER_TOKEN * (1.0 + 0.5 * occ)
            ttft = prefill * ttft_f * jitter + wait
            itl, decode = _itl_groups(occ, out - 1, itl_f, rnd)
            e2e = ttft + decode
            end = ceil(arrived - 1 + offset + e2e)
            if end <= t:
                end = t + 1
            kv = prompt + out // 2
            pod.running = running + 1
            pod.kv_tokens += kv
            pb = prompt_base + prompts.buckets[pi]
            item: Finished = (pod, prompt, out, ttft, itl, e2e, pb, gb, kv)
            bucket = pending.get(end)
            if bucket is None:
                pending[end] = [item]
            else:
                bucket.append(item)
            if running + 1 < MAX_SEQS:
                heapreplace(heap, (running + 1, i))
            else:
                heappop(heap)

    def enqueue(self, t: int, n: int, limit: int) -> int:
        """Queue ``n`` new requests; those beyond ``limit`` are refused (returned count)."""
        room = max(limit - len(self.queue), 0)
        accepted = min(n, room)
        rnd = self.rng.random
        append = self.queue.append
        for _ in range(accepted):
            append((t, rnd(), int(rnd() * TABLE_SIZE), int(rnd() * TABLE_SIZE)))
        return n - accepted

    def prune(self, t: int) -> None:
        horizon = t - self.truth_s
        samples, codes = self.samples, self.codes
        while samples and samples[0][0] <= horizon:
            samples.popleft()
        while codes and codes[0][0] <= horizon:
            codes.popleft()


def _itl_groups(
    occ: float, steps: int, factor: float, rnd: Callable[[], float]
) -> tuple[ItlGroups, float]:
    """A request's inter-token latencies at batch occupancy ``occ`` (0-1), and their total: a
    decode step takes longer the more sequences share it, a share of steps (growing with the
    batch) also carries another request's prefill chunk, and a few stall for a long prefill or
    a preemption — so the observations spread over vLLM's ITL buckets, and move with load.
    (Groups may hold no steps; written out long-hand, as this runs for every request.)"""
    occ4 = occ * occ
    occ4 *= occ4
    pace = ITL_BASE_S * (1.0 + 0.35 * occ + 0.8 * occ4) * factor * (0.8 + 0.4 * rnd())
    stalled = int(steps * (0.004 + 0.01 * occ) + rnd())
    if stalled > steps:
        stalled = steps
    slowed = int(steps * (0.03 + 0.12 * occ) + rnd())
    if slowed > steps - stalled:
        slowed = steps - stalled
    fast = steps - slowed - stalled
    slow = pace * (1.8 + 1.7 * rnd())
    stall = pace * (5.0 + 6.0 * rnd())
    return (
        ((pace, fast), (slow, slowed), (stall, stalled)),
        pace * fast + slow * slowed + stall * stalled,
    )
