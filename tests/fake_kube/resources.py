"""The resources the fake serves: group, version, plural, kind, and how each may be written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    builtin: bool = True  # strategic merge patch is accepted only for built-in types
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """``deployments.apps``; the core group prints no suffix (``pods``)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


RESOURCES = [
    Resource("apps", "v1", "deployments", "Deployment", subresources=("status", "scale")),
    Resource("", "v1", "pods", "Pod", subresources=("status", "log")),
    Resource("", "v1", "events", "Event"),
    Resource("events.k8s.io", "v1", "events", "Event"),
    Resource(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        subresources=("status",),
    ),
    Resource(
        "gateway.networking.k8s.io",
        "v1",
        "httproutes",
        "HTTPRoute",
        builtin=False,
        subresources=("status",),
    ),
    Resource(
        "networking.istio.io",
        "v1",
        "virtualservices",
        "VirtualService",
        builtin=False,
        subresources=("status",),
    ),
    # Istio before 1.22 serves only v1beta1 (and v1alpha3): FakeKube.served decides.
    Resource(
        "networking.istio.io",
        "v1beta1",
        "virtualservices",
        "VirtualService",
        builtin=False,
        subresources=("status",),
    ),
    Resource(
        "serving.kserve.io",
        "v1beta1",
        "inferenceservices",
        "InferenceService",
        builtin=False,
        subresources=("status",),
    ),
]

BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {(r.group, r.kind): r for r in reversed(RESOURCES)}  # the first listed version


def resource(group: str, plural: str) -> Resource:
    for r in RESOURCES:
        if r.group == group and r.plural == plural:
            return r
    raise KeyError(f"{plural}.{group}")
