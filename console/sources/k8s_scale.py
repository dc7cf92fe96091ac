"""Scaling a track: the ``/scale`` subresource, or the HPA's floor when an HPA owns the Deployment
(an HPA overwrites ``/scale`` writes with its own count, so keep-warm must move its bounds).

Raising the floor above ``maxReplicas`` raises the ceiling too. The floor and ceiling the HPA had
are kept in annotations on the HPA, written in the same patch (so they survive a restart of the
console), with the values the console set. A later scale-back restores them — unless someone
else has changed that bound since, whose value then stands."""

from __future__ import annotations

from typing import Any

from console.errors import ConflictError
from console.model import DeploymentSpec
from console.sources.k8s_calls import Calls, wanted

HPAS = "horizontalpodautoscalers.autoscaling"
#: The HPA's ``maxReplicas`` before the console raised it, and the value the console set.
ORIGINAL_MAX = "inference-console/original-max-replicas"
RAISED_MAX = "inference-console/raised-max-replicas"
#: The HPA's ``minReplicas`` before the console raised it, and the value the console set.
ORIGINAL_MIN = "inference-console/original-min-replicas"
RAISED_MIN = "inference-console/raised-min-replicas"


def owning_hpa(calls: Calls, spec: DeploymentSpec, name: str) -> Any:
    """The HPA whose scale target is Deployment ``name``, or None."""
    found = calls.call(
        "list",
        HPAS,
        spec.namespace,
        "",
        lambda: calls.autoscaling.list_namespaced_horizontal_pod_autoscaler(
            spec.namespace, _request_timeout=calls.timeout_s
        ),
    )
    for hpa in found.items:
        target = hpa.spec.scale_target_ref
        if target.kind == "Deployment" and target.name == name:
            return hpa
    return None


def scale_track(
    calls: Calls, spec: DeploymentSpec, name: str, replicas: int, expected: int | None = None
) -> None:
    """Scale Deployment ``name`` to ``replicas``. With an HPA: set its ``minReplicas`` (and
    ``maxReplicas`` when below, or back to what it was when the console raised it), carrying the
    HPA's ``resourceVersion``; the HPA then moves the Deployment. Below what the HPA runs now,
    the floor goes back to the HPA's own and the HPA decides. An HPA stands down while its
    target is at zero, so zero (and waking from zero) also go through ``/scale``; at zero the
    HPA's floor and ceiling go back to what they were before the console raised them.

    With ``expected``: the Deployment must still want that many replicas (else ConflictError,
    nothing written), and a ``/scale`` write carries the Deployment's ``resourceVersion`` from
    that read, so a change in between is a 409 from the API server."""
    deployment = None
    if expected is not None:
        deployment = _check_expected(calls, spec, name, expected)
    hpa = owning_hpa(calls, spec, name)
    if hpa is None or replicas == 0:
        _scale(calls, spec, name, replicas, deployment, expected)
        if hpa is not None:  # at zero: only the bounds the console raised come back
            bounds = hpa_bounds(hpa, None)
            if "annotations" in bounds["metadata"]:
                _patch_hpa(calls, spec, hpa, bounds)
        return
    now = wanted(deployment) if deployment is not None else calls.desired(spec, name)
    # Fewer than the HPA runs now: a scale-back or a trim, so give the HPA back its own floor
    # (the count it had may have been its load's choice, not a floor to hold).
    _patch_hpa(calls, spec, hpa, hpa_bounds(hpa, None if replicas < now else replicas))
    if now == 0:
        _scale(calls, spec, name, replicas, None, None)


def hpa_bounds(hpa: Any, replicas: int | None) -> dict[str, Any]:
    """The patch moving ``hpa``'s floor to ``replicas`` and its ceiling to at least the floor.
    None: the console lets go (the target goes to zero, or below what the HPA runs), so the floor
    goes back to the one it had before the console raised it. Each bound goes back to its value
    from before the console raised it when the console's value is still there (someone else's
    stands), and the annotations go with it."""
    annotations = hpa.metadata.annotations or {}
    current_max, current_min = hpa.spec.max_replicas, hpa.spec.min_replicas or 1
    base_min, theirs = _base(annotations, ORIGINAL_MIN, RAISED_MIN, current_min)
    base_max, _ = _base(annotations, ORIGINAL_MAX, RAISED_MAX, current_max)
    floor = base_min if replicas is None else replicas
    if theirs:  # a scale-back never lowers a floor someone else set after the console
        floor = max(floor, current_min)
    ceiling = max(base_max, floor)
    body: dict[str, Any] = {
        "metadata": {"resourceVersion": hpa.metadata.resource_version},
        "spec": {"minReplicas": floor, "maxReplicas": ceiling},
    }
    marks: dict[str, Any] = {}
    for original, raised, base, value in (
        (ORIGINAL_MIN, RAISED_MIN, base_min, floor),
        (ORIGINAL_MAX, RAISED_MAX, base_max, ceiling),
    ):
        if value > base:
            marks.update({original: str(base), raised: str(value)})
        elif original in annotations or raised in annotations:
            marks.update({original: None, raised: None})
    if marks:
        body["metadata"]["annotations"] = marks
    return body


def _base(
    annotations: dict[str, str], original: str, raised: str, current: int
) -> tuple[int, bool]:
    """The bound before the console raised it, while the console's value is still there; else
    the current one. True when the console raised it and someone else has changed it since."""
    before, ours = _count(annotations.get(original)), _count(annotations.get(raised))
    if before is not None and ours == current:
        return before, False
    return current, original in annotations or raised in annotations


def _count(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number >= 1 else None


def _patch_hpa(calls: Calls, spec: DeploymentSpec, hpa: Any, body: dict[str, Any]) -> None:
    calls.call(
        "patch",
        HPAS,
        spec.namespace,
        hpa.metadata.name,
        lambda: calls.autoscaling.patch_namespaced_horizontal_pod_autoscaler(
            hpa.metadata.name,
            spec.namespace,
            body,
            field_manager=calls.field_manager,
            _request_timeout=calls.timeout_s,
        ),
    )


def _check_expected(calls: Calls, spec: DeploymentSpec, name: str, expected: int) -> Any:
    obj = calls.deployment(spec, name)
    desired = wanted(obj)
    if desired != expected:
        raise ConflictError(
            f"scale deployments.apps {spec.namespace}/{name}: changed since it was read "
            f"({desired} replicas wanted, not {expected}); nothing was written to it"
        )
    return obj


def _scale(
    calls: Calls,
    spec: DeploymentSpec,
    name: str,
    replicas: int,
    read: Any,
    expected: int | None,
) -> None:
    """``/scale``; with ``read`` (the Deployment as just read), conditional on its version. A
    409 caused by a status write alone (the Deployment controller reporting pods) is retried
    once: when a fresh read still has the ``generation`` and count of ``read``."""
    if read is None or expected is None:
        calls.scale_deployment(spec, name, replicas)
        return
    try:
        calls.scale_deployment(spec, name, replicas, read.metadata.resource_version)
    except ConflictError:
        again = _check_expected(calls, spec, name, expected)
        if again.metadata.generation != read.metadata.generation:
            raise
        calls.scale_deployment(spec, name, replicas, again.metadata.resource_version)
