"""A sweep over rates (one bounded step each) and the capacity probe built on it: the highest
rate an endpoint holds within the SLOs, found by doubling and then bisecting."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from console.traffic.client import Prompt
from console.traffic.endpoints import Endpoint
from console.traffic.generator import LoadPlan, LoadRun, Progress, run_load
from console.traffic.stats import Slos, summarize

#: A step holds when this share of its requests meet the SLOs …
MIN_GOODPUT = 0.95
#: … and it sent, and was answered at, at least this share of its target rate.
MIN_ACHIEVED = 0.95
#: Fewer answers than this say too little about the serving rate: the SLOs alone judge.
MIN_SERVED_SAMPLE = 5


@dataclass(frozen=True)
class StepVerdict:
    rate: float
    holds: bool
    why: str


def judge(rate: float, run: LoadRun, slos: Slos, min_goodput: float = MIN_GOODPUT) -> StepVerdict:
    """Whether a step at ``rate`` held: not stopped early, enough sent, goodput high enough."""
    if run.stopped in ("saturation", "error_budget", "cancelled"):
        return StepVerdict(rate, False, run.reason)
    summary = summarize(run.results, run.elapsed_s, slos, run.send_s)
    fraction = summary["goodput"]["fraction"]
    if fraction is None:
        return StepVerdict(rate, False, "no request was sent")
    if fraction < min_goodput:
        return StepVerdict(
            rate, False, f"goodput {fraction:.0%} under {min_goodput:.0%} of requests"
        )
    sent = summary["achieved_rps"] or 0.0
    if sent < MIN_ACHIEVED * rate:
        return StepVerdict(rate, False, f"sent {sent:.1f} req/s of {rate:g}")
    served = served_rps(run)
    answered = sum(1 for r in run.results if r.ok)
    if answered >= MIN_SERVED_SAMPLE and served < MIN_ACHIEVED * rate:
        return StepVerdict(rate, False, f"answered at {served:.1f} req/s of {rate:g}: queueing")
    return StepVerdict(rate, True, f"goodput {fraction:.0%}, answered at {served:.1f} req/s")


def served_rps(run: LoadRun) -> float:
    """The rate answers kept up with: the gaps between the answered requests over the time from
    the start to the last answer, less the quickest request's own time. Below capacity that is
    the sending rate; above it, the rate the endpoint serves at, however slowly the SLOs would
    notice the growing queue."""
    times = [r.e2e_s for r in run.results if r.ok and r.e2e_s is not None]
    if len(times) < 2:
        return 0.0
    window = run.elapsed_s - min(times)
    return (len(times) - 1) / window if window > 0 else 0.0


def step_plan(base: LoadPlan, rate: float, step_s: float) -> LoadPlan:
    """One step of a sweep: ``rate`` for ``step_s``, as many requests as that takes."""
    mode = base.mode if base.mode != "concurrency" else "constant"
    count = max(1, math.ceil(rate * step_s * 1.2) + 5)
    return replace(base, mode=mode, rate=rate, duration_s=step_s, max_requests=count)


async def run_sweep(
    endpoint: Endpoint,
    base: LoadPlan,
    rates: list[float],
    step_s: float,
    prompts: Iterator[Prompt],
    slos: Slos,
    *,
    stop_on_fail: bool = True,
    cancel: threading.Event | None = None,
    progress: Callable[[int, Progress], None] | None = None,
) -> tuple[list[tuple[LoadPlan, LoadRun]], str, str]:
    """Each rate in turn; stops after the first step that does not hold (``stop_on_fail``)."""
    steps: list[tuple[LoadPlan, LoadRun]] = []
    for i, rate in enumerate(rates):
        plan = step_plan(base, rate, step_s)
        report = (lambda p, i=i: progress(i, p)) if progress else None
        run = await run_load(endpoint, plan, prompts, cancel=cancel, progress=report)
        steps.append((plan, run))
        if run.stopped == "cancelled":
            return steps, "cancelled", "stopped by the operator"
        verdict = judge(rate, run, slos)
        if stop_on_fail and not verdict.holds:
            return steps, "saturation", f"{rate:g} req/s did not hold: {verdict.why}"
    return steps, "count", f"ran {len(rates)} steps"


@dataclass(frozen=True)
class ProbeResult:
    """The highest rate that held (per replica), what was tried, and how it was measured."""

    rps: float | None
    per_replica_rps: float | None
    replicas: int
    verdicts: list[StepVerdict]
    steps: list[tuple[LoadPlan, LoadRun]]
    how: str
    stopped: str
    reason: str


async def probe(
    endpoint: Endpoint,
    base: LoadPlan,
    prompts: Iterator[Prompt],
    slos: Slos,
    *,
    start_rps: float = 1.0,
    max_rps: float = 1000.0,
    step_s: float = 10.0,
    precision: float = 0.05,
    replicas: int = 1,
    cancel: threading.Event | None = None,
    progress: Callable[[float, Progress], None] | None = None,
) -> ProbeResult:
    """Double the rate from ``start_rps`` until a step fails, then bisect between the last
    rate that held and the first that did not until they are within ``precision``."""
    verdicts: list[StepVerdict] = []
    steps: list[tuple[LoadPlan, LoadRun]] = []
    stopped, reason = "count", ""

    async def attempt(rate: float) -> bool | None:
        plan = step_plan(base, rate, step_s)
        report = (lambda p: progress(rate, p)) if progress else None
        run = await run_load(endpoint, plan, prompts, cancel=cancel, progress=report)
        steps.append((plan, run))
        if run.stopped == "cancelled":
            return None
        verdict = judge(rate, run, slos)
        verdicts.append(verdict)
        return verdict.holds

    good: float | None = None
    bad: float | None = None
    rate = start_rps
    while rate <= max_rps:
        held = await attempt(rate)
        if held is None:
            stopped, reason = "cancelled", "stopped by the operator"
            break
        if not held:
            bad = rate
            break
        good = rate
        rate *= 2
    else:
        reason = f"held up to --max-rps {max_rps:g}"
    while stopped != "cancelled" and good is not None and bad is not None:
        if (bad - good) <= precision * good:
            break
        middle = (good + bad) / 2
        held = await attempt(middle)
        if held is None:
            stopped, reason = "cancelled", "stopped by the operator"
            break
        good, bad = (middle, bad) if held else (good, middle)
    if not reason:
        reason = (
            f"held {good:g} req/s, not {bad:g}"
            if good is not None and bad is not None
            else f"{start_rps:g} req/s did not hold"
        )
    how = (
        f"capacity probe: {base.mode if base.mode != 'concurrency' else 'constant'} rate, "
        f"{step_s:g} s steps, {len(steps)} steps, SLOs {describe_slos(slos)}, goodput ≥ "
        f"{MIN_GOODPUT:.0%}, {replicas} replica(s) at {endpoint.base_url}"
    )
    per_replica = good / replicas if good is not None else None
    return ProbeResult(good, per_replica, replicas, verdicts, steps, how, stopped, reason)


def describe_slos(slos: Slos) -> str:
    parts = [
        f"{name} ≤ {value * 1000:g} ms"
        for name, value in (("TTFT", slos.ttft_s), ("TPOT", slos.tpot_s), ("E2E", slos.e2e_s))
        if value is not None
    ]
    return ", ".join(parts) or "none"
