"""The replica-ratio router (two Deployments behind one Service) end to end on the fake API server:
a canary pod takes traffic as soon as it is ready, so a step grows stable first and waits, then
scales the canary (the shift), then shrinks stable. Order is proven from the request log and from
the store's one version counter, replaying every pod's readiness: the canary's share of ready
pods never exceeds the step's share while the step runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.canary.plan import Split
from console.canary.replicas import replica_counts
from console.config import DeploymentConfig, RouterConfig
from tests.canary_kube_support import Rig, events, label, records, rig, seed, writes
from tests.fake_kube import FakeKube

DELAY = 0.3
TRACKS = ("llama-v1", "llama-v2")


def _rig(fake: FakeKube, tmp_path: Path, stable: int, canary: int, **changes: Any) -> Rig:
    seed(fake, stable=stable, canary=canary, weights=(100, 0))
    for name in TRACKS:
        fake.set_ready_delay(name, DELAY)
    return rig(fake, tmp_path, "replicas", **changes)


def _ready_shares(fake: FakeKube, since: int) -> list[tuple[int, int, int]]:
    """(store version, stable ready, canary ready): the state at ``since``, then after every pod
    change from there, replayed from the store's log."""
    ready: dict[str, set[str]] = {name: set() for name in TRACKS}
    out: list[tuple[int, int, int]] = []

    def now(rv: int) -> tuple[int, int, int]:
        return rv, len(ready["llama-v1"]), len(ready["llama-v2"])

    for change in fake.store.log:
        group, plural, _, pod = change.key
        app = change.obj.get("metadata", {}).get("labels", {}).get("app")
        if (group, plural) != ("", "pods") or app not in ready:
            continue
        if change.rv >= since and not out:
            out.append(now(since))
        conditions = change.obj.get("status", {}).get("conditions", [])
        if change.type != "DELETED" and any(
            c["type"] == "Ready" and c["status"] == "True" for c in conditions
        ):
            ready[app].add(pod)
        else:
            ready[app].discard(pod)
        if change.rv >= since:
            out.append(now(change.rv))
    return out or [now(since)]


def _spec_changes(fake: FakeKube, name: str, since: int) -> list[tuple[int, int]]:
    """(store version, spec.replicas) of each change of Deployment ``name``'s count."""
    out: list[tuple[int, int]] = []
    last = None
    for change in fake.store.log:
        if change.key[1] != "deployments" or change.key[3] != name:
            continue
        replicas = change.obj["spec"].get("replicas", 1)
        if replicas != last and change.rv > since:
            out.append((change.rv, replicas))
        last = replicas
    return out


def test_step_grows_stable_first_then_the_canary_and_never_overshoots(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    # 8 req/s at 1 a replica: 25 % needs 3 canary replicas; 3 : 9 is exactly 25 %, and 12
    # replicas serve the whole rate with headroom. Growing the canary 1 → 3 against stable's 5
    # would have sent 37.5 % to it.
    r = _rig(fake_kube, tmp_path, stable=5, canary=1, metrics=(7.0, 1.0))
    plan, _ = r.ctl.plan("step")
    assert (plan.before.canary_percent, plan.after.canary_percent) == (100 / 6, 25.0)
    lines = plan.describe()
    assert lines[0].startswith("replica-ratio router: the canary gets traffic as its pods become")
    assert lines[1:] == [
        "scale stable 5 → 9 and wait ready",
        "scale canary 1 → 3 and wait ready: it gets traffic as each pod becomes ready "
        "(canary 16.7% → 25%)",
        "step 25%: replicas stable/canary 5/1 → 9/3",
        "stable needs only 7 for the load: the other 2 hold the canary down to 25% (small "
        "steps cost stable replicas with this router)",
        "sized at 1 req/s per replica (configured replica_capacity_rps)",
    ]
    start, since = len(fake_kube.requests), fake_kube.store.version
    result = r.run("step")
    assert result.ok, result.message
    assert result.message == "canary 16.7% → 25% (replicas stable/canary 5/1 → 9/3)"
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == ["scale llama-v1", "scale llama-v2", "create events"]
    # Each /scale is conditional on the Deployment's version read just before it.
    for write, count in zip(sent[:2], (9, 3), strict=True):
        assert write.body["spec"] == {"replicas": count}
        assert write.body["metadata"]["resourceVersion"]
    # Order as the cluster saw it: stable's four new pods were ready before the canary's count
    # moved, and the canary's share of ready pods never went above 25 %.
    (stable_rv, _), *_ = _spec_changes(fake_kube, "llama-v1", since)
    ((canary_rv, canary_count),) = _spec_changes(fake_kube, "llama-v2", since)
    assert canary_count == 3
    shares = _ready_shares(fake_kube, since)
    assert [s for rv, s, _ in shares if rv < canary_rv][-1] == 9
    assert all(100 * c / (s + c) <= 25 for _, s, c in shares if s + c)
    assert shares[-1][1:] == (9, 3)
    assert stable_rv < canary_rv
    assert sent[1].time > max(
        fake_kube.controller.ready_at[p["metadata"]["name"]] for p in fake_kube.pods("llama-v1")
    )
    assert r.weights() == (9, 3)
    intent, outcome = records(r.audit)
    assert intent["message"] == "; ".join(lines)
    assert (outcome["outcome"], outcome["message"]) == ("ok", result.message)
    assert outcome["after"]["replicas"] == {"stable": 9, "canary": 3}
    (event,) = events(fake_kube)
    assert event["involvedObject"]["kind"] == "Deployment" and event["reason"] == "CanaryStep"


def test_step_shrinks_stable_last_and_never_the_canary(fake_kube: FakeKube, tmp_path: Path) -> None:
    # 20 req/s at 10 a replica: one canary replica carries 25 %; 3 : 1 is the split.
    r = _rig(
        fake_kube, tmp_path, stable=5, canary=1, metrics=(17.0, 3.0), replica_capacity_rps=10.0
    )
    start, since = len(fake_kube.requests), fake_kube.store.version
    result = r.run("step")
    assert result.ok, result.message
    assert result.message == "canary 16.7% → 25% (replicas stable/canary 5/1 → 3/1)"
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == ["scale llama-v1", "create events"]
    assert sent[0].body["spec"] == {"replicas": 3}
    assert _spec_changes(fake_kube, "llama-v2", since) == []
    fake_kube.settle()
    shares = _ready_shares(fake_kube, since)
    assert all(100 * c / (s + c) <= 25 for _, s, c in shares if s + c)
    assert shares[-1][1:] == (3, 1)
    assert records(r.audit)[-1]["after"]["replicas"] == {"stable": 3, "canary": 1}


def test_a_canary_scaled_by_someone_else_stops_the_step(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _rig(fake_kube, tmp_path, stable=5, canary=1, metrics=(7.0, 1.0))
    r.once_warming(lambda: r.cluster.calls().scale_deployment(r.ctl.spec, "llama-v2", 2))
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "partial"
    assert result.message == (
        "stopped: scale deployments.apps inference/llama-v2: changed since it was read "
        "(2 replicas wanted, not 1); nothing was written to it; now replicas stable/canary 9/2 "
        "(already done: stable scaled to 9)"
    )
    assert [label(w) for w in writes(fake_kube, start)] == [
        "scale llama-v1",
        "scale llama-v2",  # theirs
        "create events",
    ]
    outcome = records(r.audit)[-1]
    assert (outcome["outcome"], outcome["error"]) == ("partial", result.message)
    assert outcome["after"]["replicas"] == {"stable": 9, "canary": 2}


def test_a_canary_that_never_gets_ready_is_scaled_back_then_stable(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _rig(fake_kube, tmp_path, stable=5, canary=1, metrics=(7.0, 1.0), warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v2", None)
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "refused", result.message
    assert result.message == (
        "llama-v2: 1/3 replicas ready after 1s; the canary's ready pods served their share "
        "until it was scaled back; canary scaled back to 1 replica; stable scaled back to "
        "5 replicas"
    )
    sent = writes(fake_kube, start)
    assert [(label(w), w.body["spec"]["replicas"]) for w in sent[:4]] == [
        ("scale llama-v1", 9),
        ("scale llama-v2", 3),
        ("scale llama-v2", 1),
        ("scale llama-v1", 5),
    ]
    fake_kube.settle()
    assert r.weights() == (5, 1)
    assert records(r.audit)[-1]["outcome"] == "refused"


def test_revert_grows_stable_then_scales_the_canary_to_zero(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    # 20 req/s at 10 a replica: stable needs 3 to carry everything.
    r = _rig(
        fake_kube, tmp_path, stable=1, canary=3, metrics=(10.0, 10.0), replica_capacity_rps=10.0
    )
    plan, _ = r.ctl.plan("revert")
    assert plan.describe() == [
        "replica-ratio router: the canary gets traffic as its pods become ready: it loses "
        "traffic as its pods go",
        "scale stable 1 → 3 and wait ready",
        "scale canary 3 → 0 (canary 75% → 0%)",
    ]
    start, since = len(fake_kube.requests), fake_kube.store.version
    result = r.run("revert")
    assert result.ok, result.message
    assert result.message == "reverted: canary 75% → 0% (replicas stable/canary 1/3 → 3/0)"
    sent = writes(fake_kube, start)
    assert [(label(w), w.body["spec"]["replicas"]) for w in sent[:2]] == [
        ("scale llama-v1", 3),
        ("scale llama-v2", 0),
    ]
    ((canary_rv, _),) = _spec_changes(fake_kube, "llama-v2", since)
    assert [s for rv, s, _ in _ready_shares(fake_kube, since) if rv < canary_rv][-1] == 3
    fake_kube.settle()
    assert r.weights() == (3, 0) and fake_kube.pods("llama-v2") == []
    assert records(r.audit)[-1]["after"]["replicas"] == {"stable": 3, "canary": 0}


def test_emergency_revert_scales_the_canary_to_zero_at_once(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _rig(
        fake_kube, tmp_path, stable=1, canary=3, metrics=(10.0, 10.0), replica_capacity_rps=10.0
    )
    fake_kube.set_ready_delay("llama-v1", None)  # stable could never warm: not waited for
    start = len(fake_kube.requests)
    result = r.run("emergency-revert")
    assert result.ok, result.message
    assert result.message.startswith("EMERGENCY revert: canary scaled to 0 at once")
    sent = writes(fake_kube, start)
    assert [(label(w), w.body["spec"]) for w in sent[:2]] == [
        ("scale llama-v1", {"replicas": 3}),
        ("scale llama-v2", {"replicas": 0}),
    ]
    intent = records(r.audit)[0]
    assert (
        "EMERGENCY: canary to 0 replicas at once, stable has 1 ready of 3 needed"
        in (intent["message"])
    )


def test_replica_counts_never_put_the_canary_above_the_step() -> None:
    config = DeploymentConfig(name="d", stable="a", canary="b", replica_capacity_rps=1.0)

    def counts(stable: int, canary: int, rps: float, percent: float) -> tuple[int, int]:
        return replica_counts(config, Split(stable, canary, stable, canary), rps, percent)

    assert counts(5, 1, 8.0, 25) == (9, 3)  # 3 carry 25 % of 8 req/s with headroom
    assert counts(4, 0, 0.5, 1) == (99, 1)  # 1 % takes 99 : 1, whatever the load
    assert counts(4, 0, 0.5, 50) == (1, 1)
    assert counts(2, 2, 8.0, 50) == (5, 5)  # 10 replicas for the whole rate
    assert counts(5, 4, 0.5, 30) == (10, 4)  # never fewer canary replicas; 4 : 10 is 28.6 %
    assert counts(5, 1, 8.0, 100) == (0, 10)
    for stable, canary, rps, percent in [(3, 1, 20.0, 10), (9, 3, 3.0, 40), (1, 1, 0.0, 5)]:
        s, c = counts(stable, canary, rps, percent)
        assert c >= canary and 100 * c / (s + c) <= percent + 1e-9


def _capped(fake: FakeKube, tmp_path: Path, steps: tuple[float, ...]) -> Rig:
    """20 req/s at 10 a replica, canary 10 % (9 : 1), router.max_replicas = 5."""
    router = RouterConfig(kind="replicas", max_replicas=5)
    return _rig(
        fake,
        tmp_path,
        stable=9,
        canary=1,
        metrics=(18.0, 2.0),
        replica_capacity_rps=10.0,
        router=router,
        steps=steps,
    )


def test_steps_over_max_replicas_are_skipped_and_said(fake_kube: FakeKube, tmp_path: Path) -> None:
    # 20 req/s at 10 a replica, canary 10 % (9 : 1): 12 % would take 8 : 1, over a cap of 5, so
    # the step goes to 25 % (3 : 1) and the plan says why 12 % was skipped.
    r = _capped(fake_kube, tmp_path, steps=(10, 12, 25, 100))
    plan, _ = r.ctl.plan("step")
    skipped = "step 12% skipped: it needs replicas stable/canary 8/1, over router.max_replicas = 5"
    assert skipped in plan.describe()
    since = fake_kube.store.version
    result = r.run("step")
    assert result.ok, result.message
    assert result.message == "canary 10% → 25% (replicas stable/canary 9/1 → 3/1)"
    fake_kube.settle()
    assert all(100 * c / (s + c) <= 25 for _, s, c in _ready_shares(fake_kube, since) if s + c)


def test_no_step_within_max_replicas_is_refused_and_nothing_written(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _capped(fake_kube, tmp_path, steps=(10, 12))
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "refused"
    assert result.message == (
        "no step within router.max_replicas = 5: the next, 12%, needs replicas stable/canary 8/1"
    )
    assert [label(w) for w in writes(fake_kube, start) if label(w) != "create events"] == []


def test_max_replicas_is_only_for_the_replica_router() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="max_replicas applies only to kind = 'replicas'"):
        RouterConfig(kind="httproute", max_replicas=10)
