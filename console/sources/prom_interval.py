"""How often Prometheus scrapes a deployment's pods, and the rate window that follows from it.

``rate(x[w])`` needs two samples inside ``w``; with a 60 s scrape interval a 1 m window holds
one at best and the panels go blank. Like Grafana's ``$__rate_interval``, the window is at least
four scrape intervals. The interval is the configured ``[prometheus] scrape_interval``, else what
``/api/v1/targets`` says of the targets whose ``namespace``/``pod`` labels are the deployment's
pods (the longest, so every pod has its samples), else of any target in its namespace. Servers
without that API (Mimir) or without matching targets leave the window as asked. Learned
intervals are kept for ten minutes: one extra request per deployment per ten minutes (a minute
when none was found).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from console.clock import Clock
from console.errors import SourceError
from console.model import DeploymentSpec
from console.sources.promql import PrometheusClient
from console.sources.selectors import matches

#: ``rate`` windows span at least this many scrape intervals.
SCRAPES_PER_WINDOW = 4
#: How long a learned interval (or a failed lookup) is kept; a lookup that found no matching
#: target is retried sooner (a fresh server lists its targets only after its first service-
#: discovery round).
RELEARN_S = 600.0
RETRY_S = 60.0
#: Longer intervals are taken as this: a window of four hours is as wide as a panel rate goes.
MAX_INTERVAL_S = 3600.0
_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def parse_duration(text: str) -> float | None:
    """A Prometheus duration (``1m30s``, ``500ms``) in seconds; None when it is not one."""
    if not isinstance(text, str) or not text or _PART.sub("", text):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    return seconds if seconds > 0 else None


def interval_of(targets: list[Any], spec: DeploymentSpec) -> float | None:
    """The longest scrape interval of ``spec``'s pods among ``targets`` (the targets API's
    ``activeTargets``), else of any target in its namespace; None when none is there."""
    pods: list[float] = []
    namespace: list[float] = []
    for target in targets:
        if not isinstance(target, dict):
            continue
        labels = target.get("labels")
        interval = parse_duration(target.get("scrapeInterval", ""))
        if not isinstance(labels, dict) or interval is None:
            continue
        if labels.get("namespace") != spec.namespace:
            continue
        namespace.append(interval)
        pod = labels.get("pod", "")
        if isinstance(pod, str) and any(matches(name, pod) for _, name in spec.tracks()):
            pods.append(interval)
    chosen = pods or namespace
    return max(chosen) if chosen else None


class ScrapeIntervals:
    """The scrape interval per deployment: configured, or learned (see the module docstring)."""

    def __init__(self, client: PrometheusClient, clock: Clock, configured: float | None = None):
        self.client = client
        self.clock = clock
        self.configured = configured
        self.lookups = 0
        self._lock = threading.Lock()
        #: deployment -> (when, interval, how long it holds)
        self._learned: dict[DeploymentSpec, tuple[float, float | None, float]] = {}

    def of(self, spec: DeploymentSpec) -> float | None:
        if self.configured is not None:
            return self.configured
        now = self.clock.now()
        with self._lock:
            held = self._learned.get(spec)
            if held is not None and now - held[0] < held[2]:
                return held[1]
            self.lookups += 1
        hold = RELEARN_S
        try:
            data = self.client.get_json("/api/v1/targets", {"state": "active"})
            targets = data.get("activeTargets")
            interval = interval_of(targets if isinstance(targets, list) else [], spec)
            if interval is None:
                hold = RETRY_S
        except SourceError:
            # No targets API here (Mimir, some proxies), or an answer over the size limit: the
            # window as asked, and not asked again for a while.
            interval = None
        if interval is not None:
            interval = min(interval, MAX_INTERVAL_S)
        with self._lock:
            self._learned[spec] = (now, interval, hold)
        return interval

    def window(self, spec: DeploymentSpec, asked_s: float) -> float:
        """The rate window to use for ``asked_s``: at least four scrape intervals."""
        interval = self.of(spec)
        if interval is None:
            return asked_s
        return max(asked_s, SCRAPES_PER_WINDOW * interval)
