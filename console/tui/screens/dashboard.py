"""The main screen: a header and the stable/canary panels, refreshed by polls that never overlap."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer

from console.canary.state import RouteReader
from console.clock import backoff, next_beat, speed_of
from console.context import AppContext
from console.errors import ConsoleError
from console.gates import GateReport, evaluate
from console.markers import AuditMarkers, Marker
from console.model import DeploymentSpec, FleetSnapshot
from console.present import PANELS, present
from console.startup import settle_collector
from console.tui.host import Host, host_of
from console.tui.messages import PollFailed, SnapshotReady
from console.tui.poller import Poller
from console.tui.screens.header_data import header_data
from console.tui.screens.logs_pane import LogsPane
from widgets.canary_bar import CanaryBar, CanaryBarData
from widgets.compare_panel import ComparePanel
from widgets.key_bar import KeyBar
from widgets.status_header import StatusHeader
from widgets.traffic_headline import TrafficHeadline

#: Poll the gates window (for the health badge) at most this often.
GATES_EVERY_S = 10.0


class DashboardScreen(Screen[None]):
    """Panels side by side for the selected deployment; compact below ``WIDE`` cells."""

    WIDE = (140, 34)

    def __init__(self) -> None:
        super().__init__(id="dashboard")
        self.snapshot: FleetSnapshot | None = None
        self.gates: GateReport | None = None
        self.last_error = ""
        self.polls = 0
        self.failures = 0
        self._gates_at = float("-inf")
        self._timer: Timer | None = None
        self._polling = False
        self._compact_override: bool | None = None
        self._shown_stale = False
        self._activity: tuple[str, tuple[int, int] | None] = ("", None)
        self._header_at = float("-inf")
        self._routes = RouteReader()  # the split from the cluster when the metrics lack it
        self._slow = SlowRefreshHint(self)
        # Steps, reverts and mirrors from the audit trail, marked on the sparklines.
        self._markers: AuditMarkers | None = None
        self._poller: Poller | None = None

    @property
    def console(self) -> Host:
        return host_of(self.app)

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="status")
        yield CanaryBar(id="canary-bar")
        yield TrafficHeadline(id="traffic-headline")
        with Container(id="panels"):
            for spec in PANELS:
                # The last spans the grid's row (a class: see themes/console.tcss).
                classes = "panel -full-row" if spec is PANELS[-1] else "panel"
                yield ComparePanel(id=f"panel-{spec.id}", classes=classes)
        yield LogsPane(self.console.ctx.settings.logs.buffer_lines, id="logs")
        yield KeyBar()

    def on_mount(self) -> None:
        self._poller = Poller("dashboard-poll", self._fetch, self.post_message)
        self._apply_layout()
        self._show()
        self.set_interval(1.0, self._tick_age, name="age")
        self._schedule(0.0)

    def on_unmount(self) -> None:
        if self._poller is not None:
            self._poller.stop()

    @property
    def logs(self) -> LogsPane:
        return self.query_one(LogsPane)

    def on_resize(self) -> None:
        self._apply_layout()

    # Layout ---------------------------------------------------------------------------------

    def toggle_compact(self) -> None:
        self._compact_override = not self.has_class("-compact")
        self._apply_layout()

    def _apply_layout(self) -> None:
        configured = self.console.ctx.settings.ui.compact
        if self._compact_override is not None:
            compact = self._compact_override
        elif configured is not None:
            compact = configured
        else:
            width, height = self.app.size
            compact = width < self.WIDE[0] or height < self.WIDE[1]
        self.set_class(compact, "-compact")

    # Polling --------------------------------------------------------------------------------

    def poll_now(self) -> None:
        if not self._polling:
            self._schedule(0.0)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if delay <= 0:
            self.call_later(self._poll)
        else:
            self._timer = self.set_timer(delay, self._poll, name="poll")

    def _poll(self) -> None:
        if self._polling or self._poller is None:
            return
        ctx = self.console.ctx
        now = ctx.clock.now()
        want_gates = now - self._gates_at >= GATES_EVERY_S
        if want_gates:
            self._gates_at = now
        self._polling = True
        self._poller.ask(ctx, ctx.deployment.spec(), self.console.window_s, want_gates)

    def _fetch(
        self, ctx: AppContext, spec: DeploymentSpec, history_s: float, want_gates: bool
    ) -> SnapshotReady | PollFailed:
        """One poll, on the poller's thread: the snapshot, and the gates when they are due."""
        settings = ctx.settings
        try:
            started = time.monotonic()
            snapshot = ctx.metrics.snapshot(spec, settings.ui.rate_window, history_s)
            took = time.monotonic() - started
            snapshot = self._routes.fill(snapshot, ctx.cluster, spec, ctx.clock.now())
            report = None
            if want_gates:
                gates = ctx.deployment.gates
                judged = ctx.metrics.snapshot(spec, gates.window)
                judged = self._routes.fill(judged, ctx.cluster, spec, ctx.clock.now())
                weight = judged.canary.weight_percent if judged.canary else None
                report = evaluate(judged, gates, weight)
        except ConsoleError as err:
            return PollFailed(str(err))
        except Exception as err:  # a backend bug must not kill the console
            return PollFailed(f"internal error while polling: {type(err).__name__}")
        return SnapshotReady(snapshot, report, took)

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self._polling = False
        if message.snapshot.deployment != self.console.ctx.deployment.name:
            # Polled before the operator switched deployments: not what the screen shows now.
            self._schedule(0.0)
            return
        self.polls += 1
        if self.polls == 1 and self.console.own_process:
            self.set_timer(SETTLE_GC_AFTER_S, settle_collector)  # once the first paint is out
        self.failures = 0
        self.last_error = ""
        before = self.snapshot.canary if self.snapshot is not None else None
        self.snapshot = message.snapshot
        after = message.snapshot.canary
        if (before and before.weight_percent) != (after and after.weight_percent):
            self.app.refresh_bindings()  # the keys that can act depend on the split
        if message.gates is not None:
            self.gates = message.gates
        self._show()
        self._slow.saw(message.took_s)
        self._schedule(next_beat(time.monotonic(), self.console.ctx.settings.refresh_interval))

    def on_poll_failed(self, message: PollFailed) -> None:
        self._polling = False
        self.failures += 1
        if message.reason != self.last_error:
            # The header has room for the start of it; the whole line goes in a notice.
            self.notify(
                message.reason, title="Metrics source", severity="error", markup=False, timeout=8
            )
        self.last_error = message.reason
        self._show_header()
        self._schedule(backoff(self.console.ctx.settings.refresh_interval, self.failures))

    # Showing --------------------------------------------------------------------------------

    def is_stale(self) -> bool:
        """Polls failing, the last snapshot older than ``stale_after``, or a snapshot whose source
        says its samples are old."""
        if self.snapshot is None:
            return bool(self.last_error)
        if self.last_error or self.snapshot.stale:
            return True
        clock = self.console.ctx.clock
        age = (clock.now() - self.snapshot.at.timestamp()) / speed_of(clock)  # wall seconds
        return age > self.console.ctx.settings.stale_after_s

    def _show(self) -> None:
        snapshot = self.snapshot
        if snapshot is not None and self.is_stale() and not snapshot.stale:
            snapshot = snapshot.model_copy(update={"stale": True})
        self._shown_stale = self.is_stale()
        markers: tuple[Marker, ...] = ()
        if snapshot is not None:
            if self._markers is None:
                self._markers = AuditMarkers(self.console.ctx.settings.audit.path)
            since = snapshot.at.timestamp() - self.console.window_s
            markers = self._markers.read(self.console.ctx.deployment.name, since)
        panels = present(snapshot, self.console.ctx.settings.ui.thresholds, markers)
        with self.app.batch_update():
            for spec in PANELS:
                self.query_one(f"#panel-{spec.id}", ComparePanel).data = panels[spec.id]
            self._show_header()
            self._show_canary()
            self.logs.flush()  # lines that arrived since the last refresh, in the same frame

    def show_traffic(self, headline: str) -> None:
        """The last load test's headline beside the live metrics (empty: none)."""
        self.query_one(TrafficHeadline).text = headline

    def show_activity(self, text: str, progress: tuple[int, int] | None) -> None:
        """A running canary action's latest progress (empty text: none running)."""
        self._activity = (text, progress)
        self._show_canary()

    def _show_canary(self) -> None:
        snapshot = self.snapshot
        canary = snapshot.canary if snapshot else None
        text, progress = self._activity
        gates = self.gates
        status = ""
        if gates is not None:
            status = "pass" if gates.passed else gates.health.value
            status = {"failing": "fail", "degraded": "fail"}.get(status, status)
        self.query_one(CanaryBar).data = CanaryBarData(
            steps=self.console.ctx.deployment.steps,
            current=canary.weight_percent if canary else None,
            observed=snapshot.observed_share() if snapshot else None,
            gates=status,
            gate_detail=gates.reason if gates else "",
            gate_short=gates.short_reason if gates else "",
            mirror=canary.mirror_percent if canary else None,
            activity=text,
            progress=progress,
            read_only=self.console.ctx.read_only,
        )

    def _show_header(self) -> None:
        self._header_at = time.monotonic()
        ctx, window_s = self.console.ctx, self.console.window_s
        self.query_one(StatusHeader).data = header_data(
            ctx, self.snapshot, self.gates, window_s, self.is_stale(), self.last_error
        )

    def _tick_age(self) -> None:
        if self.is_stale() != self._shown_stale:
            self._show()
        elif time.monotonic() - self._header_at >= 0.9:
            # A poll that just landed has already shown a fresh age; don't paint twice.
            self._show_header()


SETTLE_GC_AFTER_S = 2.0
"""Seconds after the first poll when the collector settles (``settle_collector``)."""


class SlowRefreshHint:
    """Says once when refreshes from raw Prometheus series take more than half the interval
    (three in a row; the first poll also fetches history): each query reads every pod's series,
    and the recorded series cost the same whatever the fleet size."""

    IN_A_ROW = 3

    def __init__(self, screen: DashboardScreen) -> None:
        self.screen = screen
        self.slow = 0
        self.said = False

    def saw(self, took_s: float) -> None:
        settings = self.screen.console.ctx.settings
        prometheus = settings.prometheus
        if self.said or prometheus is None or prometheus.recording_rules:
            return
        self.slow = self.slow + 1 if took_s > settings.refresh_interval / 2 else 0
        if self.slow < self.IN_A_ROW:
            return
        self.said = True
        self.screen.notify(
            f"A refresh takes {took_s:.2f} s, over half the {settings.refresh_interval:g} s "
            "interval: every query reads every pod's series. Recording rules cost the same "
            "whatever the fleet size: `inference-console prometheus rules`, then "
            "[prometheus] recording_rules = true.",
            title="Slow refreshes",
            severity="warning",
            markup=False,
            timeout=12,
        )
