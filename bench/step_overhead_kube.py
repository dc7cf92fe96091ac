"""Step overhead on Kubernetes: a canary step through CanaryController and KubernetesCluster (the
real client, a kubeconfig with a token) against the fake API server on loopback, timed from the
confirmation (``CanaryController.run`` starts) to the weight patch applied (the fake's record of
the PATCH), minus the replicas' own readiness: the fake's readiness delay. Target: under 1 s.

Baseline, in the same run and interleaved: the same three cluster calls made directly on
KubernetesCluster (scale, wait ready, patch the weights) with no controller and no audit trail,
so the difference and the ratio show what the console adds above the API round trips it cannot
avoid (the Event comes after the patch, outside the timed span).
A fresh fake for every run; the canary goes from 1 to 3 replicas, its new pods ready
``READY_DELAY_S`` after creation. Also shown: the overhead against the readiness the fake
actually delivered (scale request → last new pod ready), which includes its controller's lag.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from console.model import Track
from tests.canary_kube_support import label, rig, seed, writes
from tests.fake_kube import FakeKube

RUNS = 7
READY_DELAY_S = 0.5
TARGET_S = 1.0


Prepare = Callable[[FakeKube, Path], Callable[[], None]]


def _timed(prepare: Prepare, tmp: Path) -> dict[str, float]:
    """One step on a fresh fake: total, overhead over the configured and the delivered delay."""
    fake = FakeKube().start()
    try:
        seed(fake, stable=4, canary=1, weights=(95, 5))
        before = {p["metadata"]["name"] for p in fake.pods("llama-v2")}
        fake.set_ready_delay("llama-v2", READY_DELAY_S)
        go = prepare(fake, tmp)  # what the confirmation dialog had: the plan and its read
        start = len(fake.requests)
        confirmed = time.monotonic()
        go()
        sent = writes(fake, start)
        shift = next(w for w in sent if label(w) == "patch httproutes/llama" and w.status == 200)
        scale = next(w for w in sent if label(w) == "scale llama-v2")
        new = {p["metadata"]["name"] for p in fake.pods("llama-v2")} - before
        ready = max(fake.controller.ready_at[p] for p in new)
    finally:
        fake.stop()
    total = shift.time - confirmed
    return {
        "total_s": total,
        "overhead_s": total - READY_DELAY_S,
        "overhead_delivered_s": total - (ready - scale.time),
    }


def console_step(fake: FakeKube, tmp: Path) -> Callable[[], None]:
    r = rig(fake, Path(tempfile.mkdtemp(dir=tmp)))
    plan, snapshot = r.ctl.plan("step")

    def go() -> None:
        outcome = r.ctl.run(plan, snapshot, threading.Event())
        if not outcome.ok:
            raise RuntimeError(f"the bench step did not shift: {outcome.message}")

    return go


def direct_step(fake: FakeKube, tmp: Path) -> Callable[[], None]:
    r = rig(fake, Path(tempfile.mkdtemp(dir=tmp)))
    spec, cluster = r.ctl.spec, r.cluster
    version = cluster.read(spec).route.resource_version

    def go() -> None:
        cluster.scale(spec, Track.CANARY, 3)
        cluster.wait_ready(spec, Track.CANARY, 3, 60, threading.Event(), lambda s: None)
        cluster.set_weights(spec, 90, 10, version)

    return go


def main(runs: int = RUNS) -> dict[str, float]:
    console: list[dict[str, float]] = []
    direct: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        _timed(console_step, tmp)  # warm: imports, the client's first connection
        for _ in range(runs):
            console.append(_timed(console_step, tmp))
            direct.append(_timed(direct_step, tmp))
    over = [c["overhead_s"] for c in console]
    base = [d["overhead_s"] for d in direct]
    result = {
        "runs": float(runs),
        "overhead_median_s": statistics.median(over),
        "overhead_max_s": max(over),
        "overhead_delivered_median_s": statistics.median(
            c["overhead_delivered_s"] for c in console
        ),
        "direct_overhead_median_s": statistics.median(base),
        "direct_overhead_max_s": max(base),
        "extra_median_s": statistics.median(c - d for c, d in zip(over, base, strict=True)),
        "ratio_median": statistics.median(c / d for c, d in zip(over, base, strict=True)),
    }
    ms = {k: v * 1000 for k, v in result.items() if k.endswith("_s")}
    print(
        f"step overhead on Kubernetes (fake API server on loopback, real client, {runs} "
        f"interleaved runs): confirmation → weight patch applied, minus the {READY_DELAY_S:g} s "
        "readiness delay"
    )
    print(
        "  direct KubernetesCluster calls (baseline)   median "
        f"{ms['direct_overhead_median_s']:5.0f} ms, max {ms['direct_overhead_max_s']:5.0f} ms"
    )
    print(
        f"  console step (controller, audit intent)     median {ms['overhead_median_s']:5.0f}"
        f" ms, max {ms['overhead_max_s']:5.0f} ms   {ms['extra_median_s']:+.0f} ms, "
        f"{result['ratio_median']:.2f}x the baseline (medians of pairs); "
        f"target < {TARGET_S * 1000:.0f} ms"
    )
    print(
        f"  console step, minus the readiness the fake delivered (scale → last pod ready)  "
        f"median {ms['overhead_delivered_median_s']:.0f} ms"
    )
    return result


if __name__ == "__main__":
    main()
