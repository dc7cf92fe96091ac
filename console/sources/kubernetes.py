"""``Cluster`` on Kubernetes through the official client (imported only when first used)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.errors import SourceError
from console.model import ClusterState, DeploymentSpec, DeploymentStatus, RouteState, Track
from console.sources.k8s_calls import Calls, status_of
from console.sources.k8s_routers import ROUTERS
from console.sources.k8s_routes import Route

if TYPE_CHECKING:
    from console.config import DeploymentConfig, KubernetesConfig

COMPONENT = "inference-console"


def route_of(deployment: DeploymentConfig) -> Route:
    router = deployment.router
    return Route(
        kind=router.kind,
        name=router.name or deployment.name,
        stable_backend=router.stable_backend or deployment.stable,
        canary_backend=router.canary_backend or deployment.canary,
    )


class KubernetesCluster:
    """Reads and writes both tracks' Deployments, their HPAs and the router object of each
    configured deployment. The client is loaded on first use (never at start-up)."""

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        *,
        api_client: Any = None,
        host: str | None = None,
        kubeconfig: Path | None = None,
        context: str | None = None,
        timeout_s: float = 10.0,
        field_manager: str = COMPONENT,
        identity: str | None = None,
    ) -> None:
        self._routes = dict(routes or {})
        self._api_client = api_client
        self._host = host
        self._kubeconfig = kubeconfig
        self._context = context
        self._timeout_s = timeout_s
        self._field_manager = field_manager
        self._identity = identity
        self._calls: Calls | None = None
        self._lock = threading.Lock()
        #: Why the last ``record_event`` could not leave its Event (None when it did).
        self.last_event_error: str | None = None

    @classmethod
    def from_settings(
        cls, config: KubernetesConfig, deployments: list[DeploymentConfig]
    ) -> KubernetesCluster:
        return cls(
            {d.name: route_of(d) for d in deployments},
            kubeconfig=config.kubeconfig,
            context=config.context,
            timeout_s=config.request_timeout,
            field_manager=config.field_manager,
        )

    # -- the client ------------------------------------------------------------------------

    def calls(self) -> Calls:
        with self._lock:
            if self._calls is None:
                self._calls = Calls(self._client(), self._timeout_s, self._field_manager)
            return self._calls

    def _config_file(self) -> str | None:
        if self._kubeconfig is not None:
            return str(Path(self._kubeconfig).expanduser())
        return os.environ.get("KUBECONFIG") or None

    def _client(self) -> Any:
        from kubernetes import client, config

        if self._api_client is not None:
            return self._api_client
        if self._host is not None:
            return client.ApiClient(client.Configuration(host=self._host))
        try:
            return config.new_client_from_config(
                config_file=self._config_file(), context=self._context, persist_config=False
            )
        except (config.ConfigException, OSError, ValueError, TypeError) as err:
            where = self._config_file() or "~/.kube/config"
            raise SourceError(f"kubeconfig {where}: {' '.join(str(err).split())}") from None

    def identity(self) -> str | None:
        if self._identity is not None or self._api_client is not None or self._host is not None:
            return self._identity
        from kubernetes import config

        try:
            contexts, current = config.list_kube_config_contexts(self._config_file())
        except (config.ConfigException, OSError, ValueError, TypeError):
            return None
        chosen = next((c for c in contexts if c.get("name") == self._context), current)
        if not chosen:
            return None
        user = (chosen.get("context") or {}).get("user")
        return f"{user}@{chosen['name']}" if user else str(chosen["name"])

    def route(self, spec: DeploymentSpec) -> Route:
        return self._routes.get(spec.name) or Route(
            "httproute", spec.name, spec.stable, spec.canary
        )

    # -- Cluster ---------------------------------------------------------------------------

    def read(self, deployment: DeploymentSpec) -> ClusterState:
        calls = self.calls()
        route = self.route(deployment)
        stable = status_of(deployment.stable, calls.deployment(deployment, deployment.stable))
        canary = status_of(deployment.canary, calls.deployment(deployment, deployment.canary))
        return ClusterState(
            stable=stable, canary=canary, route=ROUTERS[route.kind].read(calls, deployment, route)
        )

    def scale(
        self, deployment: DeploymentSpec, track: Track, replicas: int, expected: int | None = None
    ) -> None:
        from console.sources.k8s_scale import scale_track

        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise SourceError(f"replicas must be a whole number >= 0, not {replicas!r}")
        scale_track(self.calls(), deployment, _name(deployment, track), replicas, expected)

    def set_weights(
        self, deployment: DeploymentSpec, stable: int, canary: int, resource_version: str
    ) -> RouteState:
        route = self.route(deployment)
        return ROUTERS[route.kind].set_weights(
            self.calls(), deployment, route, stable, canary, resource_version
        )

    def set_mirror(
        self, deployment: DeploymentSpec, percent: float, resource_version: str
    ) -> RouteState:
        route = self.route(deployment)
        return ROUTERS[route.kind].set_mirror(
            self.calls(), deployment, route, percent, resource_version
        )

    def mirror_refusal(self, deployment: DeploymentSpec, percent: float) -> str | None:
        """Why the route cannot hold a ``percent`` mirror (e.g. an HTTPRoute schema before
        Gateway API v1.3), asked with a server-side dry run before anything is written; None
        when it can. For planners: a refused mirror then costs no warm-up."""
        route = self.route(deployment)
        check = getattr(ROUTERS[route.kind], "mirror_refusal", None)
        if check is None:
            return None
        reason: str | None = check(self.calls(), deployment, route, percent)
        return reason

    def wait_ready(
        self,
        deployment: DeploymentSpec,
        track: Track,
        replicas: int,
        timeout_s: float,
        cancel: threading.Event,
        progress: Callable[[DeploymentStatus], None],
    ) -> DeploymentStatus:
        from console.sources.k8s_wait import wait_ready

        name = _name(deployment, track)
        return wait_ready(self.calls(), deployment, name, replicas, timeout_s, cancel, progress)

    def record_event(
        self, deployment: DeploymentSpec, reason: str, message: str, warning: bool = False
    ) -> str | None:
        try:
            calls = self.calls()
            route = self.route(deployment)
            calls.call(
                "create",
                "events",
                deployment.namespace,
                reason,
                lambda: calls.core.create_namespaced_event(
                    deployment.namespace,
                    _event(calls, deployment, route, reason, message, warning),
                    _request_timeout=calls.timeout_s,
                ),
            )
            self.last_event_error = None
        except Exception as err:  # best effort by contract: an Event never stops an action
            self.last_event_error = str(err) or type(err).__name__
        return self.last_event_error


def _name(deployment: DeploymentSpec, track: Track) -> str:
    return deployment.stable if track is Track.STABLE else deployment.canary


def _event(
    calls: Calls, spec: DeploymentSpec, route: Route, reason: str, message: str, warning: bool
) -> Any:
    client = calls.client
    router = ROUTERS[route.kind]
    if route.kind == "replicas":
        involved = client.V1ObjectReference(
            api_version="apps/v1", kind="Deployment", name=spec.canary, namespace=spec.namespace
        )
    else:
        involved = client.V1ObjectReference(
            # The version in use (Istio may serve v1beta1 only), as discovered; never a request.
            api_version=f"{router.group}/"  # type: ignore[attr-defined]
            f"{calls.versions.get(router.group, router.version)}",  # type: ignore[attr-defined]
            kind=router.what,  # type: ignore[attr-defined]
            name=route.name,
            namespace=spec.namespace,
        )
    now = datetime.now(UTC)
    return client.CoreV1Event(
        metadata=client.V1ObjectMeta(
            name=f"{involved.name}.{uuid.uuid4().hex[:16]}", namespace=spec.namespace
        ),
        involved_object=involved,
        reason=reason[:128],
        message=message[:1024],
        type="Warning" if warning else "Normal",
        source=client.V1EventSource(component=COMPONENT, host=socket.gethostname()),
        reporting_component=COMPONENT,
        reporting_instance=socket.gethostname()[:128],
        first_timestamp=now,
        last_timestamp=now,
        count=1,
    )
