"""KServe ``InferenceService``: the split that serves, read from the status; writes only where
``canaryTrafficPercent`` acts.

``spec.predictor.canaryTrafficPercent`` is acted on by KServe's Knative reconciler only (deployment
mode ``Knative``, formerly ``Serverless``), and only once a first revision has rolled out: before
that, and in ``Standard`` (formerly ``RawDeployment``) mode, the latest revision serves everything
whatever the spec says. What serves is ``status.components.predictor.traffic``: the target with
``latestRevision: true`` is the canary, the others (the rolled-out revision, tag ``prev``) stable.
The mode is the ``serving.kserve.io/deploymentMode`` annotation, else what the status shows
(Knative revisions, or none). Where the router cannot act, ``RouteState.cannot_act`` says why and
a write is refused before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.errors import SourceError, UnsupportedError
from console.model import DeploymentSpec, RouteState
from console.sources.k8s_routes import CustomRouter, Route, check_weights

if TYPE_CHECKING:
    from console.sources.k8s_calls import Calls

MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
KNATIVE = ("Knative", "Serverless")
STANDARD = ("Standard", "RawDeployment")


def deployment_mode(obj: dict[str, Any]) -> str:
    """``Knative``/``Serverless``/``Standard``/``RawDeployment`` as annotated; else ``Knative``
    when the status shows revisions, ``Standard`` when it shows a predictor without them, and
    ``unknown`` before the controller wrote any status."""
    annotations = obj.get("metadata", {}).get("annotations") or {}
    mode = annotations.get(MODE_ANNOTATION)
    if isinstance(mode, str) and mode:
        return mode
    predictor = _predictor_status(obj)
    if predictor.get("latestCreatedRevision") or predictor.get("traffic"):
        return "Knative"
    return "Standard" if predictor else "unknown"


def _predictor_status(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    components = status.get("components") if isinstance(status, dict) else None
    predictor = (components or {}).get("predictor") if isinstance(components, dict) else None
    return predictor if isinstance(predictor, dict) else {}


def _percent(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        return 0
    return int(value)


class KServeRouter(CustomRouter):
    """KServe ``InferenceService`` (see the module docstring)."""

    group, version, plural, what = (
        "serving.kserve.io",
        "v1beta1",
        "inferenceservices",
        "InferenceService",
    )

    def _state(self, route: Route, obj: dict[str, Any]) -> RouteState:
        name = route.name
        mode = deployment_mode(obj)
        predictor = _predictor_status(obj)
        traffic = [t for t in predictor.get("traffic") or [] if isinstance(t, dict)]
        canary = sum(_percent(t.get("percent")) for t in traffic if t.get("latestRevision"))
        stable = sum(_percent(t.get("percent")) for t in traffic if not t.get("latestRevision"))
        reason = None
        if mode in STANDARD:
            reason = (
                f"InferenceService {name} runs in {mode} mode, where canaryTrafficPercent does "
                "nothing (only Knative mode splits traffic): use an httproute router for its "
                "Services"
            )
            stable, canary = 100, 0  # one Deployment serves everything: no split in force
        elif mode not in KNATIVE:
            reason = f"InferenceService {name}: unknown deployment mode {mode!r}"
            stable, canary = 100, 0
        elif not traffic or stable + canary <= 0:
            reason = f"InferenceService {name}: no traffic in its status yet (not reconciled)"
            stable, canary = 100, 0
        elif not predictor.get("latestRolledoutRevision"):
            reason = (
                f"InferenceService {name}: no revision has rolled out yet, so the latest serves "
                "everything and canaryTrafficPercent does not act until one has"
            )
        return RouteState(
            kind="kserve",
            name=name,
            stable_weight=stable,
            canary_weight=canary,
            resource_version=obj["metadata"]["resourceVersion"],
            cannot_act=reason,
        )

    def set_weights(
        self, calls: Calls, spec: DeploymentSpec, route: Route, stable: int, canary: int, rv: str
    ) -> RouteState:
        check_weights(stable, canary)
        percent = round(100 * canary / (stable + canary))
        obj = self._get(calls, spec, route)
        before = self._state(route, obj)
        if before.cannot_act:
            raise UnsupportedError(f"{before.cannot_act} (nothing was written)")
        rv = self._version(calls, spec, route, obj, rv)
        body = {
            "metadata": {"resourceVersion": rv},
            "spec": {"predictor": {"canaryTrafficPercent": percent}},
        }
        stored = self._patch(calls, spec, route, body)
        written = (stored.get("spec") or {}).get("predictor", {}).get("canaryTrafficPercent")
        if written != percent:
            raise SourceError(
                f"InferenceService {route.name}: wrote canaryTrafficPercent {percent} but the "
                f"server stored {written!r}"
            )
        # What serves follows when KServe reconciles: read it (it may still be the old split).
        return self.read(calls, spec, route)

    def set_mirror(
        self, calls: Calls, spec: DeploymentSpec, route: Route, percent: float, rv: str
    ) -> RouteState:
        raise SourceError(
            f"InferenceService {route.name}: KServe has no traffic mirroring; "
            "use an httproute or istio router to mirror"
        )
