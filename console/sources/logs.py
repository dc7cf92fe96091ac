"""Which log sources feed the console's two streams (server logs, audit) for a deployment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.sources.base import LogSource

if TYPE_CHECKING:
    from console.config import DeploymentConfig, Settings


@dataclass
class LogFeeds:
    """The sources merged into the server-log stream and into the audit stream."""

    server: list[LogSource] = field(default_factory=list)
    audit: list[LogSource] = field(default_factory=list)


def build_log_feeds(
    settings: Settings, deployment: DeploymentConfig, fleet: Any | None = None
) -> LogFeeds:
    """The file given in ``[logs] file`` (or ``--log-file``), the simulated fleet's logs when
    ``fleet`` is given, and the audit file from ``[audit] path``."""
    from console.sources.logs_audit import AuditLogSource
    from console.sources.logs_file import FileLogSource

    logs = settings.logs
    feeds = LogFeeds()
    if logs.file is not None:
        feeds.server.append(FileLogSource(logs.file.expanduser(), tail_lines=logs.tail_lines))
    if fleet is not None and logs.sim:
        from console.sim.logs import SimLogSource

        feeds.server.append(SimLogSource(fleet))
    feeds.audit.append(AuditLogSource(settings.audit.path, tail_lines=logs.buffer_lines))
    return feeds
