"""A canary under an HPA, end to end on the fake API server: raising the floor above the ceiling
raises the ceiling, and the floor and ceiling it had are written on the HPA in the same patch;
scaling back (a warm-up that timed out, a revert to zero, a console restarted in between)
restores them, unless someone else set that bound after the console did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.canary_kube_support import Rig, label, records, rig, seed, writes
from tests.fake_kube import FakeKube
from tests.kube_support import NS

HPA = "llama-v2-hpa"
ORIGINAL, RAISED = (
    "inference-console/original-max-replicas",
    "inference-console/raised-max-replicas",
)
ORIGINAL_MIN, RAISED_MIN = (
    "inference-console/original-min-replicas",
    "inference-console/raised-min-replicas",
)
#: What a step from a canary of 1 (HPA 1..2) warming to 3 leaves on the HPA.
MARKS = {ORIGINAL: "2", RAISED: "3", ORIGINAL_MIN: "1", RAISED_MIN: "3"}
GONE = dict.fromkeys(MARKS)


def _hpa(fake: FakeKube) -> dict[str, Any]:
    obj = fake.get("horizontalpodautoscalers", NS, HPA)
    assert obj is not None
    return obj


def _bounds(fake: FakeKube) -> tuple[int, int, dict[str, str]]:
    obj = _hpa(fake)
    return (
        obj["spec"]["minReplicas"],
        obj["spec"]["maxReplicas"],
        obj["metadata"].get("annotations", {}),
    )


def _warming(fake: FakeKube, tmp_path: Path, **changes: Any) -> Rig:
    """A step from 5 % to 10 % whose canary (1 replica, HPA 1..2) must warm to 3."""
    seed(fake, stable=4, canary=1, weights=(95, 5), hpa=True)
    return rig(fake, tmp_path, replica_capacity_rps=10.0, min_canary_replicas=3, **changes)


def test_a_timed_out_warm_up_restores_the_hpa_ceiling(fake_kube: FakeKube, tmp_path: Path) -> None:
    r = _warming(fake_kube, tmp_path, warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v2", None)
    raised: dict[str, Any] = {}
    r.once_warming(lambda: raised.update(_hpa(fake_kube)))
    start = len(fake_kube.requests)
    result = r.run("step")
    assert result.outcome == "refused", result.message
    assert result.message.endswith("; canary scaled back to 1 replica")
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == [
        f"patch horizontalpodautoscalers/{HPA}",
        f"patch horizontalpodautoscalers/{HPA}",
        "create events",
    ]
    # Raised with the old bounds written in the same patch; restored with the marks removed.
    assert sent[0].body["spec"] == {"minReplicas": 3, "maxReplicas": 3}
    assert sent[0].body["metadata"]["annotations"] == MARKS
    assert raised["metadata"]["annotations"] == MARKS
    assert sent[1].body["spec"] == {"minReplicas": 1, "maxReplicas": 2}
    assert sent[1].body["metadata"]["annotations"] == GONE
    assert _bounds(fake_kube) == (1, 2, {})
    fake_kube.settle()
    assert r.cluster.read(r.ctl.spec).canary.desired == 1
    assert records(r.audit)[-1]["outcome"] == "refused"


def test_a_ceiling_someone_else_set_after_the_console_stands(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _warming(fake_kube, tmp_path, warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v2", None)

    def someone_else() -> None:  # kubectl edit: the ceiling goes to 6 while the canary warms
        obj = _hpa(fake_kube)
        obj["spec"]["maxReplicas"] = 6
        fake_kube.put(obj, manager="kubectl-edit")

    r.once_warming(someone_else)
    result = r.run("step")
    assert result.outcome == "refused", result.message
    restore = fake_kube.requests_to("PATCH", f"/horizontalpodautoscalers/{HPA}")[-1]
    assert restore.body["spec"] == {"minReplicas": 1, "maxReplicas": 6}
    assert _bounds(fake_kube) == (1, 6, {})


def test_a_revert_by_a_restarted_console_restores_the_ceiling(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _warming(fake_kube, tmp_path)
    fake_kube.set_ready_delay("llama-v2", 0.1)
    result = r.run("step")
    assert result.ok, result.message
    assert _bounds(fake_kube) == (3, 3, MARKS)
    fake_kube.settle()
    # Another console (nothing remembered in memory) reverts: the canary goes to zero through
    # /scale (an HPA stands down at zero), then the floor and ceiling it had come back.
    later = tmp_path / "restarted"
    later.mkdir()
    again = rig(fake_kube, later, replica_capacity_rps=10.0, min_canary_replicas=3)
    start = len(fake_kube.requests)
    result = again.run("revert")
    assert result.ok, result.message
    sent = writes(fake_kube, start)
    assert [label(w) for w in sent] == [
        "patch httproutes/llama",
        "scale llama-v2",
        f"patch horizontalpodautoscalers/{HPA}",
        "create events",
    ]
    assert sent[1].body == {"spec": {"replicas": 0}}
    assert sent[2].body["spec"] == {"minReplicas": 1, "maxReplicas": 2}
    assert sent[2].body["metadata"]["annotations"] == GONE
    assert _bounds(fake_kube) == (1, 2, {})
    fake_kube.settle()
    assert fake_kube.pods("llama-v2") == []
    assert again.weights() == (100, 0)


def _set_floor(fake: FakeKube, floor: int) -> None:
    """kubectl edit: someone else sets the HPA's minReplicas."""
    obj = _hpa(fake)
    obj["spec"]["minReplicas"] = floor
    fake.put(obj, manager="kubectl-edit")


def test_a_floor_someone_else_set_after_the_console_stands_a_revert(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _warming(fake_kube, tmp_path)
    fake_kube.set_ready_delay("llama-v2", 0.1)
    assert r.run("step").ok
    fake_kube.settle()
    _set_floor(fake_kube, 2)
    result = r.run("revert")
    assert result.ok, result.message
    restore = fake_kube.requests_to("PATCH", f"/horizontalpodautoscalers/{HPA}")[-1]
    # Their floor stands; the ceiling the console raised comes back; every mark goes.
    assert restore.body["spec"] == {"minReplicas": 2, "maxReplicas": 2}
    assert restore.body["metadata"]["annotations"] == GONE
    assert _bounds(fake_kube) == (2, 2, {})


def test_a_floor_someone_else_set_while_warming_stands_a_scale_back(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    r = _warming(fake_kube, tmp_path, warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v2", None)
    r.once_warming(lambda: _set_floor(fake_kube, 2))
    result = r.run("step")
    assert result.outcome == "refused", result.message
    restore = fake_kube.requests_to("PATCH", f"/horizontalpodautoscalers/{HPA}")[-1]
    assert restore.body["spec"] == {"minReplicas": 2, "maxReplicas": 2}
    assert _bounds(fake_kube) == (2, 2, {})


def test_a_scale_back_releases_the_floor_when_the_hpa_had_scaled_above_it(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    # The HPA (1..2) runs the canary at 2 for its load, above its floor of 1. A step raises the
    # floor to 3 and times out: the scale-back gives the HPA back its own floor (1), not the 2
    # its load had chosen, and leaves no mark; the HPA keeps 2 for the load.
    seed(fake_kube, stable=4, canary=1, weights=(95, 5), hpa=True)
    fake_kube.controller.hpa_recommendation[HPA] = 2
    _set_floor(fake_kube, 1)
    fake_kube.settle()
    assert _deployment_replicas(fake_kube) == 2
    r = rig(fake_kube, tmp_path, replica_capacity_rps=10.0, min_canary_replicas=3, warm_timeout=1.0)
    fake_kube.set_ready_delay("llama-v2", None)
    result = r.run("step")
    assert result.outcome == "refused", result.message
    assert result.message.endswith("; canary scaled back to 2 replicas")
    restore = fake_kube.requests_to("PATCH", f"/horizontalpodautoscalers/{HPA}")[-1]
    assert restore.body["spec"] == {"minReplicas": 1, "maxReplicas": 2}
    assert restore.body["metadata"]["annotations"] == GONE
    fake_kube.settle()
    assert _bounds(fake_kube) == (1, 2, {})
    assert _deployment_replicas(fake_kube) == 2


def _deployment_replicas(fake: FakeKube) -> int:
    obj = fake.get("deployments", NS, "llama-v2")
    assert obj is not None
    return int(obj["spec"]["replicas"])
