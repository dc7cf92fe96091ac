"""Calling the Kubernetes API: the client's API objects, and every failure turned into one line
naming the verb, the object, the HTTP status and the API server's own message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from console.errors import ConflictError, ForbiddenError, NotFoundError, SourceError
from console.model import DeploymentSpec, DeploymentStatus

T = TypeVar("T")
_ERRORS: dict[int, type[SourceError]] = {
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
}


class Calls:
    """The API objects and one way to call them: every failure becomes a one-line
    ``SourceError`` naming the verb, the object, the HTTP status and the API server's message."""

    def __init__(self, api_client: Any, timeout_s: float, field_manager: str) -> None:
        import urllib3
        from kubernetes import client

        self.client = client
        # urllib3's errors (connection refused, dropped, timed out) and pydantic's
        # ValidationError (an answer the client's models reject, a ValueError).
        self._transport: tuple[type[Exception], ...] = (
            OSError,
            ValueError,
            urllib3.exceptions.HTTPError,
        )
        self.api_client = api_client
        self.timeout_s = timeout_s
        self.field_manager = field_manager
        #: The ``generation`` of each router object version read: (plural, namespace, name,
        #: resourceVersion) → generation, the newest 256 (see ``CustomRouter._version``).
        self.generations: dict[tuple[str, str, str, Any], Any] = {}
        #: The API version found served per group (``served_version``).
        self.versions: dict[str, str] = {}
        self.apps = client.AppsV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom_api = client.CustomObjectsApi(api_client)
        self.autoscaling = client.AutoscalingV2Api(api_client)
        self.host = api_client.configuration.host

    def call(self, verb: str, what: str, namespace: str, name: str, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except self.client.ApiException as err:
            cls = _ERRORS.get(err.status or 0, SourceError)
            raise cls(
                self._clean(f"{verb} {what} {namespace}/{name}: {_api_message(err)}")
            ) from None
        except self._transport as err:
            why = _transport_message(err)
            raise SourceError(self._clean(f"{verb} {what} {namespace}/{name}: {why}")) from None

    def custom(
        self, verb: str, router: Any, namespace: str, name: str, fn: Callable[[Any], T]
    ) -> T:
        what = f"{router.plural}.{router.group}"
        return self.call(verb, what, namespace, name, lambda: fn(self.custom_api))

    def served_version(self, group: str, versions: tuple[str, ...], what: str) -> str:
        """The first of ``versions`` the API server serves for ``group`` (discovery, once per
        client); NotFoundError naming them when it serves none."""
        if group in self.versions:
            return self.versions[group]
        for version in versions:
            try:
                self.call(
                    "discover",
                    "API",
                    group,
                    version,
                    lambda v=version: self.custom_api.get_api_resources(  # type: ignore[misc]
                        group, v, _request_timeout=self.timeout_s
                    ),
                )
            except NotFoundError:
                continue
            self.versions[group] = version
            return version
        raise NotFoundError(
            f"{what}: the API server serves none of {', '.join(f'{group}/{v}' for v in versions)}"
        )

    def deployment(self, spec: DeploymentSpec, name: str) -> Any:
        return self.call(
            "get",
            "deployments.apps",
            spec.namespace,
            name,
            lambda: self.apps.read_namespaced_deployment(
                name, spec.namespace, _request_timeout=self.timeout_s
            ),
        )

    def desired(self, spec: DeploymentSpec, name: str) -> int:
        return wanted(self.deployment(spec, name))

    def scale_deployment(
        self, spec: DeploymentSpec, name: str, replicas: int, resource_version: str | None = None
    ) -> None:
        """``/scale``; with ``resource_version``, only if the Deployment still has it (else 409)."""
        body: dict[str, Any] = {"spec": {"replicas": replicas}}
        if resource_version:
            body["metadata"] = {"resourceVersion": resource_version}
        self.call(
            "scale",
            "deployments.apps",
            spec.namespace,
            name,
            lambda: self.apps.patch_namespaced_deployment_scale(
                name,
                spec.namespace,
                body,
                field_manager=self.field_manager,
                _request_timeout=self.timeout_s,
            ),
        )

    def _clean(self, text: str) -> str:
        # Read now, not when the client was made: a kubeconfig's exec or OIDC credentials are
        # refreshed into the configuration when they expire.
        for secret in _secrets(self.api_client.configuration):
            text = text.replace(secret, "***")
        return " ".join(text.split())


def wanted(deployment: Any) -> int:
    """The replicas a Deployment (client model) asks for; unset means 1, as the API defaults it."""
    replicas = deployment.spec.replicas
    return 1 if replicas is None else int(replicas)


def _secrets(config: Any) -> list[str]:
    """What must never be shown: each API key both whole and without its scheme (a kubeconfig
    token is kept as ``Bearer <token>``; a server may echo the bare token), and a password.
    Longest first, so a bare token never leaves the tail of its ``Bearer`` form behind."""
    found: set[str] = set()
    for value in (config.api_key or {}).values():
        text = str(value or "").strip()
        if text:
            found.add(text)
            scheme, _, rest = text.partition(" ")
            if rest.strip() and scheme.lower() in ("bearer", "basic"):
                found.add(rest.strip())
    if getattr(config, "password", None):
        found.add(str(config.password))
    return sorted(found, key=len, reverse=True)


def _api_message(err: Any) -> str:
    status = f"HTTP {err.status} {err.reason or ''}".strip()
    try:
        body = json.loads(err.body or "")
        message = body.get("message") if isinstance(body, dict) else None
    except ValueError:
        message = (err.body or "")[:200] or None
    return f"{status}: {message}" if message else status


def _transport_message(err: Exception) -> str:
    if isinstance(err, ValueError) and type(err).__name__ == "ValidationError":
        first = str(err).splitlines()[0:2]
        return "the API server's answer does not fit the client's model: " + " ".join(first)
    reason = getattr(err, "reason", None) or err
    return f"the API server did not answer: {type(reason).__name__}: {reason}"[:300]


def status_of(name: str, obj: Any) -> DeploymentStatus:
    """A Deployment model (or its JSON dict from a watch) as the console's status; absent = 0."""
    if isinstance(obj, dict):
        spec, status, meta = obj.get("spec", {}), obj.get("status") or {}, obj.get("metadata", {})
        desired = spec.get("replicas", 1)
        return DeploymentStatus(
            name=name,
            desired=1 if desired is None else desired,
            ready=status.get("readyReplicas") or 0,
            available=status.get("availableReplicas") or 0,
            updated=status.get("updatedReplicas") or 0,
            generation=meta.get("generation") or 0,
            observed_generation=status.get("observedGeneration") or 0,
        )
    status = obj.status
    return DeploymentStatus(
        name=name,
        desired=1 if obj.spec.replicas is None else obj.spec.replicas,
        ready=(status and status.ready_replicas) or 0,
        available=(status and status.available_replicas) or 0,
        updated=(status and status.updated_replicas) or 0,
        generation=obj.metadata.generation or 0,
        observed_generation=(status and status.observed_generation) or 0,
    )
