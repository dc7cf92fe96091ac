"""Which log sources feed the console's two streams (server logs, audit) for a deployment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.sources.base import LogSource

if TYPE_CHECKING:
    from console.config import DeploymentConfig, Settings
    from console.sources.kubernetes import KubernetesCluster


@dataclass
class LogFeeds:
    """The sources merged into the server-log stream and into the audit stream."""

    server: list[LogSource] = field(default_factory=list)
    audit: list[LogSource] = field(default_factory=list)


def build_log_feeds(
    settings: Settings,
    deployment: DeploymentConfig,
    fleet: Any | None = None,
    kube: KubernetesCluster | None = None,
) -> LogFeeds:
    """The file given in ``[logs] file`` (or ``--log-file``), the simulated fleet's logs when
    ``fleet`` is given, and the audit file from ``[audit] path``; with ``kube`` (and
    ``[logs] kubernetes``), both tracks' pod logs and, in the audit stream, the Events and
    changes by others on the route and the Deployments."""
    from console.sources.logs_audit import AuditLogSource
    from console.sources.logs_file import FileLogSource

    logs = settings.logs
    feeds = LogFeeds()
    if logs.file is not None:
        feeds.server.append(FileLogSource(logs.file.expanduser(), tail_lines=logs.tail_lines))
    pod_logs = kube is not None and logs.kubernetes
    if fleet is not None and logs.sim and not pod_logs:
        # Never simulated server lines beside a real cluster's pod logs.
        from console.sim.logs import SimLogSource

        feeds.server.append(SimLogSource(fleet))
    if kube is not None and pod_logs:
        from console.sources.logs_kube import KubePodLogSource
        from console.sources.logs_kube_events import KubeAuditSource

        spec = deployment.spec()
        feeds.server.append(
            KubePodLogSource(
                kube, spec, tail_lines=logs.pod_tail_lines, max_pods=logs.max_pods_per_track
            )
        )
        feeds.audit.append(KubeAuditSource(kube, spec, poll_s=logs.events_interval))
    feeds.audit.append(AuditLogSource(settings.audit.path, tail_lines=logs.buffer_lines))
    return feeds
