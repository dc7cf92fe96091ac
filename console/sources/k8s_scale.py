"""Scaling a track: the ``/scale`` subresource, or the HPA's floor when an HPA owns the Deployment
(an HPA overwrites ``/scale`` writes with its own count, so keep-warm must move its bounds)."""

from __future__ import annotations

from typing import Any

from console.model import DeploymentSpec
from console.sources.k8s_calls import Calls

HPAS = "horizontalpodautoscalers.autoscaling"


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


def scale_track(calls: Calls, spec: DeploymentSpec, name: str, replicas: int) -> None:
    """Scale Deployment ``name`` to ``replicas``. With an HPA: set its ``minReplicas`` (and
    ``maxReplicas`` when below), carrying the HPA's ``resourceVersion``; the HPA then moves the
    Deployment. An HPA stands down while its target is at zero, so zero (and waking from zero)
    also go through ``/scale``."""
    hpa = owning_hpa(calls, spec, name)
    if hpa is None or replicas == 0:
        calls.scale_deployment(spec, name, replicas)
        return
    body = {
        "metadata": {"resourceVersion": hpa.metadata.resource_version},
        "spec": {"minReplicas": replicas, "maxReplicas": max(hpa.spec.max_replicas, replicas)},
    }
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
    if calls.desired(spec, name) == 0:
        calls.scale_deployment(spec, name, replicas)
