"""The Textual application: themes, the command table's bindings and palette, and the screens."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.screen import Screen

import themes
from console.config import WINDOWS_S
from console.context import AppContext
from console.errors import ConsoleError, SourceError
from console.outside import inert
from console.tui import keymap, wire
from console.tui.canary_keys import CanaryKeys
from console.tui.screens.dashboard import DashboardScreen
from console.tui.screens.help import HelpScreen
from console.units import format_duration

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from console.cost import CostReport
    from console.tui.endpoints import EndpointProvider


class ConsoleApp(CanaryKeys):
    """inference-console: stable and canary side by side for one deployment at a time."""

    TITLE = "inference-console"
    CSS_PATH = Path(themes.__file__).parent / "console.tcss"
    BINDINGS = keymap.bindings()
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, ctx: AppContext, *, own_process: bool = False) -> None:
        """``own_process``: the app is the process (the command, not a test or an embedding), so
        it may tune the process's garbage collector after start-up (``console.startup``)."""
        super().__init__()
        self.ctx = ctx
        self.own_process = own_process
        self.window_s = ctx.settings.ui.window
        themes.register_themes(self)
        wanted = ctx.settings.ui.theme
        self.theme = wanted if wanted in self.available_themes else themes.DEFAULT_THEME
        self.dashboard = DashboardScreen()
        self._traffic: EndpointProvider | None = None  # loopback simulator or configured
        # a blank row tail goes as one erase where the terminal paints erased cells (bce)
        erase = own_process and wire.erases_with_background(os.environ.get("TERM"))
        self._terminal = wire.Terminal(erase=erase)

    def _display(self, screen: Screen[object], renderable: object) -> None:
        """Every frame goes out through here: a partial repaint sends only the changed cells,
        and a band of rows that moved up as a scroll (``console/tui/wire.py``: over an SSH link
        the bytes are the cost)."""
        super()._display(screen, self._terminal.update(renderable))  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.push_screen(self.dashboard)
        if self.ctx.notice:
            self.notify(self.ctx.notice, title=self.ctx.notice_title, markup=False, timeout=6)
        if self.own_process:
            self._catch_stop_signals()

    def _catch_stop_signals(self) -> None:
        """SIGINT, SIGTERM, SIGHUP (an SSH link dropped) and SIGQUIT: a running action stops at
        its next safe point and is audited, then the console quits and restores the terminal."""
        import asyncio

        from console.signals import STOP_SIGNALS

        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, self.stop_and_quit)

    async def action_quit(self) -> None:
        self.quit_or_ask()

    def action_help_quit(self) -> None:
        self.quit_or_ask()  # ctrl+c: what a person pressing it means

    def quit_or_ask(self) -> None:
        """Quit; while a canary action runs, ask first (never leave it running headless)."""
        if not self.canary_running:
            self.exit()
            return
        from console.tui.screens.leaving import LeavingScreen

        if isinstance(self.screen, LeavingScreen):
            return

        def answered(cancel: bool | None) -> None:
            if cancel:
                self.stop_and_quit()

        self.push_screen(LeavingScreen(self._running_action), callback=answered)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast goes through the outside-text boundary and is never markup: a server's
        error text cannot set the terminal's title, blank it or write its clipboard."""
        super().notify(
            inert(message), title=inert(title), severity=severity, timeout=timeout, markup=False
        )

    def _fatal_error(self) -> None:
        """An unexpected error in the app: the terminal is restored and gets one line; the
        details (no local variables: they hold tokens) go to a 0600 crash file."""
        import sys

        from console.crash import one_line

        error = sys.exc_info()[1] or RuntimeError("unknown error")
        self.bell()
        from rich.text import Text

        self.exit(return_code=1, message=Text(f"inference-console: {one_line(error)}"))

    def on_unmount(self) -> None:
        if self._canary_cancel is not None:
            self._canary_cancel.set()  # however the app ends, the action stops at a safe point
        if self._traffic is not None:
            self._traffic.close()
        self.ctx.close()

    # Commands -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in keymap.WRITE_ACTIONS and self.ctx.read_only:
            return False  # read-only: hidden from the footer and the palette, keys do nothing
        if action in keymap.CANARY_ACTIONS:
            return self.canary_allows(action)
        if action == "next_deployment" and self.canary_running:
            return False
        return not (action == "next_deployment" and len(self.ctx.deployments) < 2)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in keymap.available():
            if command.id == "palette":
                continue
            name = keymap.action_name(command)
            if self.check_action(name, ()) is False:
                continue
            key = command.key_display or command.key
            yield SystemCommand(
                f"{command.title} ({key})",
                command.help,
                lambda action=command.action: self.run_action(action),
            )

    def action_cycle_window(self) -> None:
        index = WINDOWS_S.index(self.window_s) if self.window_s in WINDOWS_S else -1
        self.action_set_window(WINDOWS_S[(index + 1) % len(WINDOWS_S)])

    def action_set_window(self, seconds: float) -> None:
        self.window_s = float(seconds)
        self.notify(f"Window: {format_duration(self.window_s)}", timeout=1.5)
        self.dashboard.poll_now()

    def action_refresh_now(self) -> None:
        self.dashboard.poll_now()

    def action_next_deployment(self) -> None:
        ctx = self.ctx
        ctx.deployment_index = (ctx.deployment_index + 1) % len(ctx.deployments)
        self.dashboard.snapshot = None
        self.dashboard.gates = None
        self.dashboard.poll_now()
        self.dashboard.logs.start()

    def action_cycle_theme(self) -> None:
        names = [t.name for t in themes.THEMES]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=1.5, markup=False)

    def action_toggle_compact(self) -> None:
        self.dashboard.toggle_compact()

    def action_cost(self) -> None:
        from console.tui.screens.cost import CostScreen  # not needed to start: imported on use

        if not isinstance(self.screen, CostScreen):
            self.notify("Working out the cost…", timeout=2)
            self._cost_report()

    @work(thread=True, exclusive=True, group="cost", exit_on_error=False)
    def _cost_report(self) -> None:
        from console.cost import WEEK_S
        from console.cost.usage import MissingInputs, cost_report, merge_cost_config

        ctx = self.ctx
        deployment = ctx.deployment
        config = merge_cost_config(ctx.settings.cost, deployment.cost)
        try:
            horizon = config.horizon or WEEK_S
            source = ctx.usage_source(deployment) if ctx.usage_source else None
            if source is None:
                raise SourceError("no source of token and replica figures for the cost meter")
            usage = source.usage(deployment.spec(), horizon)
            report = cost_report({}, config, usage)
        except (ConsoleError, MissingInputs) as err:
            self.call_from_thread(self._cost_failed, str(err))
            return
        self.call_from_thread(self._show_cost, report, usage.source)

    def _cost_failed(self, reason: str) -> None:
        self.notify(reason, title="Cost", severity="error", markup=False)

    def _show_cost(self, report: CostReport, source: str) -> None:
        from console.tui.screens.cost import CostScreen

        if not isinstance(self.screen, CostScreen):
            self.clear_notifications()  # "Working out the cost…" is done; nothing over the chart
            self.push_screen(CostScreen(report, f"Cost of {self.ctx.deployment.name}", source))

    def action_traffic(self) -> None:
        from console.tui.endpoints import EndpointProvider
        from console.tui.screens.traffic import TrafficScreen  # imported on use

        if isinstance(self.screen, TrafficScreen):
            return
        if self._traffic is None:
            self._traffic = EndpointProvider()
        ctx = self.ctx
        fleet = ctx.fleets.get(ctx.deployment.name)
        self.push_screen(
            TrafficScreen(
                self._traffic, ctx.deployment, fleet, ctx.read_only, self.dashboard.show_traffic
            )
        )

    def action_logs(self, what: str) -> None:
        self.dashboard.logs.command(what)

    def action_details(self) -> None:
        from console.tui.screens.detail import DetailScreen  # not needed to start: imported on use

        if not isinstance(self.screen, DetailScreen):
            title = f"Details of {self.ctx.deployment.name}"
            self.push_screen(DetailScreen(self.dashboard.snapshot, title))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
