"""The load generator: constant-rate, Poisson or fixed-concurrency streams of requests, always
bounded by a duration and a request count, stopping early on an error budget or saturation.

It runs on an asyncio loop of its own; ``cancel`` (a threading.Event) lets another thread stop it,
and ``progress`` is called from the loop's thread about four times a second."""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from console.traffic.client import Prompt, Timeouts, new_session, request_body, send
from console.traffic.endpoints import Endpoint
from console.traffic.measure import RequestResult

Mode = Literal["constant", "poisson", "concurrency"]
MODES: tuple[Mode, ...] = ("constant", "poisson", "concurrency")
PROGRESS_EVERY_S = 0.25
#: Every request's figures are kept for the percentiles: this bounds a run's memory.
MAX_REQUESTS = 1_000_000
#: An open-loop run this far behind its own schedule is measuring the client, not the server.
BEHIND_LIMIT_S = 1.0


class PlanError(ValueError):
    """A load plan that cannot run: one precise line."""


@dataclass(frozen=True)
class LoadPlan:
    """What a run does and where it stops. Open-loop modes send at ``rate`` whatever the
    answers; ``concurrency`` keeps that many requests in flight."""

    mode: Mode = "constant"
    rate: float | None = None
    concurrency: int | None = None
    duration_s: float = 30.0
    max_requests: int = 1000
    #: Open-loop: this many requests unanswered at once means the server is saturated.
    max_in_flight: int = 512
    #: Stop when more than this share of answered requests failed (after ``budget_after``).
    error_budget: float | None = None
    budget_after: int = 20
    #: ``concurrency``: the streams start spread over this time rather than all at once (a
    #: burst of simultaneous first requests measures the burst, and they would stay in step).
    ramp_s: float = 1.0
    #: After the bound, how long requests still running may take before they are aborted.
    drain_s: float = 30.0
    timeouts: Timeouts = field(default_factory=Timeouts)
    include_usage: bool = True
    ignore_eos: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PlanError(f"mode: {self.mode!r}: one of {', '.join(MODES)}")
        if self.mode == "concurrency":
            if self.concurrency is None or not 1 <= self.concurrency <= 10_000:
                raise PlanError("--concurrency: a whole number in 1..10000")
        elif self.rate is None or not (math.isfinite(self.rate) and 0 < self.rate <= 100_000):
            raise PlanError("--rate: requests per second, more than 0 and at most 100000")
        if not (math.isfinite(self.duration_s) and 0 < self.duration_s <= 86_400):
            raise PlanError("--duration: more than 0 and at most a day")
        if not 1 <= self.max_requests <= MAX_REQUESTS:
            raise PlanError(f"--requests: a whole number in 1..{MAX_REQUESTS}")
        if self.error_budget is not None and not 0 <= self.error_budget <= 1:
            raise PlanError("--error-budget: a share in 0..1 (e.g. 0.05)")
        if not (math.isfinite(self.ramp_s) and 0 <= self.ramp_s <= 3600):
            raise PlanError("--ramp: 0 to an hour")
        if not 1 <= self.max_in_flight <= 100_000:
            raise PlanError("--max-in-flight: a whole number in 1..100000")

    def describe(self) -> str:
        bound = f"for at most {self.duration_s:g} s or {self.max_requests} requests"
        if self.mode == "concurrency":
            return f"{self.concurrency} concurrent streams {bound}"
        return f"{self.rate:g} req/s ({self.mode}) {bound}"


@dataclass
class Progress:
    """Where a run is: sent and answered so far, and how far towards its bound (0..1)."""

    sent: int = 0
    done: int = 0
    failed: int = 0
    in_flight: int = 0
    elapsed_s: float = 0.0
    fraction: float = 0.0
    results: list[RequestResult] = field(default_factory=list)


@dataclass
class LoadRun:
    """A finished run: every request, how long it took and why it stopped."""

    results: list[RequestResult]
    elapsed_s: float  # start to the last answer (or the drain's end)
    stopped: str  # count | duration | error_budget | saturation | cancelled
    reason: str
    started_at: float  # wall-clock seconds
    send_s: float = 0.0  # start to when sending stopped: the window of the achieved rate


def arrivals(plan: LoadPlan) -> Iterator[float]:
    """Send times in seconds from the start: every 1/rate, or exponential gaps (Poisson)."""
    rate = plan.rate or 1.0
    if plan.mode == "constant":
        i = 0
        while True:
            yield i / rate
            i += 1
    rng = random.Random(f"{plan.seed}:arrivals")
    t = 0.0
    while True:
        yield t
        t += rng.expovariate(rate)


class _Run:
    def __init__(
        self,
        endpoint: Endpoint,
        plan: LoadPlan,
        prompts: Iterator[Prompt],
        session: aiohttp.ClientSession,
        cancel: threading.Event | None,
    ) -> None:
        self.endpoint = endpoint
        self.plan = plan
        self.prompts = prompts
        self.session = session
        self.cancel = cancel or threading.Event()
        self.results: list[RequestResult] = []
        self.tasks: set[asyncio.Task[RequestResult]] = set()
        self.done = 0
        self.failed = 0
        self.stopped = ""
        self.reason = ""
        self.loop = asyncio.get_running_loop()
        self.t0 = self.loop.time()
        self.stop_future: asyncio.Future[None] = self.loop.create_future()
        self.send_s = 0.0

    def elapsed(self) -> float:
        return self.loop.time() - self.t0

    def should_stop(self) -> bool:
        if self.stopped:
            return True
        plan = self.plan
        if self.cancel.is_set():
            return self._stop("cancelled", "stopped by the operator")
        if len(self.results) >= plan.max_requests:
            return self._stop("count", f"sent {plan.max_requests} requests")
        if self.elapsed() >= plan.duration_s:
            return self._stop("duration", f"ran {plan.duration_s:g} s")
        budget = plan.error_budget
        over = budget is not None and self.failed > budget * self.done
        if over and self.done >= plan.budget_after:
            return self._stop(
                "error_budget",
                f"{self.failed} of {self.done} requests failed, over the budget of {budget:.0%}",
            )
        return False

    def _stop(self, stopped: str, reason: str) -> bool:
        self.stopped, self.reason = stopped, reason
        self.send_s = self.elapsed()
        return True

    def launch(self) -> asyncio.Task[RequestResult]:
        prompt = next(self.prompts)
        result = RequestResult(index=len(self.results), start_s=self.elapsed(), sample=prompt.index)
        self.results.append(result)
        body = request_body(self.endpoint, prompt, self.plan.include_usage, self.plan.ignore_eos)
        task = self.loop.create_task(send(self.session, self.endpoint, body, result))
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[RequestResult]) -> None:
        self.tasks.discard(task)
        self.done += 1
        if task.cancelled() or task.exception() is not None or not task.result().ok:
            self.failed += 1

    async def open_loop(self) -> None:
        plan = self.plan
        for due in arrivals(plan):
            delay = self.t0 + due - self.loop.time()
            if delay > 0:  # never past the duration: a slow rate still stops on time
                await self._sleep(min(delay, max(0.0, plan.duration_s - self.elapsed())))
            if self.should_stop():
                return
            if -delay > BEHIND_LIMIT_S:
                self._stop("saturation", f"the generator fell {-delay:.1f} s behind its schedule")
                return
            if len(self.tasks) >= plan.max_in_flight:
                self._stop(
                    "saturation",
                    f"{len(self.tasks)} requests in flight at once: the endpoint is not keeping up",
                )
                return
            self.launch()

    async def closed_loop(self) -> None:
        streams = self.plan.concurrency or 1
        ramp = min(self.plan.ramp_s, self.plan.duration_s / 4)

        async def worker(i: int) -> None:
            await self._sleep(ramp * i / streams)
            while not self.should_stop():
                waiting: set[asyncio.Future[Any]] = {self.launch(), self.stop_future}
                await asyncio.wait(waiting, return_when="FIRST_COMPLETED")

        workers = [self.loop.create_task(worker(i)) for i in range(streams)]
        watchdog = self.loop.create_task(self._watch())
        try:
            await asyncio.gather(*workers)
        finally:
            watchdog.cancel()

    async def _watch(self) -> None:
        """Closed loop: end the run at its duration or on cancel even while every worker waits."""
        while not self.should_stop():
            await asyncio.sleep(0.05)
        if not self.stop_future.done():
            self.stop_future.set_result(None)

    async def _sleep(self, seconds: float) -> None:
        # Sleep in slices so a cancel from another thread is seen within 50 ms.
        end = self.loop.time() + seconds
        while (left := end - self.loop.time()) > 0 and not self.cancel.is_set():
            await asyncio.sleep(min(left, 0.05))

    async def drain(self) -> None:
        if self.tasks:
            pending = set(self.tasks)
            deadline = self.loop.time() + self.plan.drain_s
            while pending and self.loop.time() < deadline and not self.cancel.is_set():
                _, pending = await asyncio.wait(pending, timeout=0.05)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


async def run_load(
    endpoint: Endpoint,
    plan: LoadPlan,
    prompts: Iterator[Prompt],
    *,
    cancel: threading.Event | None = None,
    progress: Callable[[Progress], None] | None = None,
    session: aiohttp.ClientSession | None = None,
) -> LoadRun:
    """Run ``plan`` against ``endpoint`` until its bound; every request ends in ``results``."""
    started_at = time.time()
    limit = plan.concurrency if plan.mode == "concurrency" else plan.max_in_flight
    own = session is None
    session = session or new_session(limit or 100, plan.timeouts)
    run = _Run(endpoint, plan, prompts, session, cancel)
    ticker = run.loop.create_task(_report(run, progress)) if progress else None
    try:
        if plan.mode == "concurrency":
            await run.closed_loop()
        else:
            await run.open_loop()
        await run.drain()
    finally:
        if ticker is not None:
            ticker.cancel()
        if own:
            await session.close()
    elapsed = run.elapsed()
    if progress is not None:
        progress(_progress(run, final=True))
    send_s = run.send_s or elapsed
    return LoadRun(run.results, elapsed, run.stopped or "count", run.reason, started_at, send_s)


def _progress(run: _Run, final: bool = False) -> Progress:
    plan = run.plan
    elapsed = run.elapsed()
    fraction = max(elapsed / plan.duration_s, len(run.results) / plan.max_requests)
    fraction = 1.0 if final else fraction
    return Progress(
        sent=len(run.results),
        done=run.done,
        failed=run.failed,
        in_flight=len(run.tasks),
        elapsed_s=elapsed,
        fraction=min(1.0, fraction),
        results=run.results,
    )


async def _report(run: _Run, progress: Callable[[Progress], None]) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        progress(_progress(run))
