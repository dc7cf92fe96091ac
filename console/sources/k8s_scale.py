"""Scaling a track: the ``/scale`` subresource, or the HPA's floor when an HPA owns the Deployment
(an HPA overwrites ``/scale`` writes with its own count, so keep-warm must move its bounds).

Raising the floor above ``maxReplicas`` raises the ceiling too; the ceiling it had is kept in an
annotation on the HPA, written in the same patch (so it survives a restart of the console), with
the ceiling the console set. A later scale-back restores it — unless someone else has changed
the ceiling since, whose value then stands."""

from __future__ import annotations

from typing import Any

from console.errors import ConflictError
from console.model import DeploymentSpec
from console.sources.k8s_calls import Calls

HPAS = "horizontalpodautoscalers.autoscaling"
#: The HPA's ``maxReplicas`` before the console raised it, and the value the console set.
ORIGINAL_MAX = "inference-console/original-max-replicas"
RAISED_MAX = "inference-console/raised-max-replicas"


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
    HPA's ``resourceVersion``; the HPA then moves the Deployment. An HPA stands down while its
    target is at zero, so zero (and waking from zero) also go through ``/scale``.

    With ``expected``: the Deployment must still want that many replicas (else ConflictError,
    nothing written), and a ``/scale`` write carries the Deployment's ``resourceVersion`` from
    that read, so a change in between is a 409 from the API server."""
    deployment = None
    if expected is not None:
        deployment = _check_expected(calls, spec, name, expected)
    hpa = owning_hpa(calls, spec, name)
    if hpa is None or replicas == 0:
        _scale(calls, spec, name, replicas, deployment, expected)
        if hpa is not None:  # at zero: only the ceiling the console raised comes back
            bounds = hpa_bounds(hpa, None)
            if "annotations" in bounds["metadata"]:
                _patch_hpa(calls, spec, hpa, bounds)
        return
    _patch_hpa(calls, spec, hpa, hpa_bounds(hpa, replicas))
    if calls.desired(spec, name) == 0:
        _scale(calls, spec, name, replicas, None, None)


def hpa_bounds(hpa: Any, replicas: int | None) -> dict[str, Any]:
    """The patch moving ``hpa``'s floor to ``replicas`` (None: the target goes to zero, the floor
    only comes down to the ceiling being restored), its ceiling to at least the floor, and back
    to the one it had before the console raised it when the console's value is still there."""
    annotations = hpa.metadata.annotations or {}
    current_max, current_min = hpa.spec.max_replicas, hpa.spec.min_replicas or 1
    original, raised = _count(annotations.get(ORIGINAL_MAX)), _count(annotations.get(RAISED_MAX))
    ours = original is not None and raised == current_max
    base = original if ours and original is not None else current_max
    floor = min(current_min, base) if replicas is None else replicas
    ceiling = max(base, floor)
    body: dict[str, Any] = {
        "metadata": {"resourceVersion": hpa.metadata.resource_version},
        "spec": {"minReplicas": floor, "maxReplicas": ceiling},
    }
    if ceiling > base:
        marks: dict[str, Any] = {ORIGINAL_MAX: str(base), RAISED_MAX: str(ceiling)}
        body["metadata"]["annotations"] = marks
    elif ORIGINAL_MAX in annotations or RAISED_MAX in annotations:
        body["metadata"]["annotations"] = {ORIGINAL_MAX: None, RAISED_MAX: None}
    return body


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
    desired = 1 if obj.spec.replicas is None else int(obj.spec.replicas)
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
