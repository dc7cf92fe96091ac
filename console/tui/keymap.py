"""The one table of commands: it feeds key bindings, the help screen and the command palette."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Command:
    """A user command: a key, the action it runs and how it is described.

    ``writes`` marks commands that change the cluster: read-only mode disables them all.
    ``reserved`` keeps a key for a command that is not available in this build: it is not bound
    and not offered, but no other command may take the key.
    """

    id: str
    key: str
    action: str
    title: str
    help: str
    group: str = "View"
    footer: bool = False
    writes: bool = False
    reserved: bool = False
    key_display: str | None = None


COMMANDS: tuple[Command, ...] = (
    Command(
        "window",
        "w",
        "cycle_window",
        "Window",
        "Switch the sparkline window: 5m → 15m → 1h",
        footer=True,
    ),
    Command("window-5m", "1", "set_window(300)", "Window 5m", "Show the last 5 minutes"),
    Command("window-15m", "2", "set_window(900)", "Window 15m", "Show the last 15 minutes"),
    Command("window-1h", "3", "set_window(3600)", "Window 1h", "Show the last hour"),
    Command(
        "refresh", "f5", "refresh_now", "Refresh", "Poll the metrics source now", key_display="F5"
    ),
    Command("deployment", "d", "next_deployment", "Deployment", "Switch to the next deployment"),
    Command(
        "details",
        "i",
        "details",
        "Details",
        "Per track: failures by cause, finish reasons, running, queue time, TPOT, prefix cache, "
        "pods not scraped",
    ),
    Command(
        "theme",
        "t",
        "cycle_theme",
        "Theme",
        "Switch theme: dark → light → colour-blind safe",
        group="Display",
        footer=True,
    ),
    Command(
        "compact", "z", "toggle_compact", "Compact", "Toggle the compact layout", group="Display"
    ),
    Command(
        "help",
        "question_mark",
        "help",
        "Help",
        "Show keys and commands",
        group="App",
        footer=True,
        key_display="?",
    ),
    Command(
        "palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "Open the command palette",
        group="App",
        key_display="^p",
    ),
    Command("quit", "q", "quit", "Quit", "Quit the console", group="App", footer=True),
    # The canary: every one of these asks for confirmation first.
    Command(
        "step",
        "s",
        "step",
        "Step",
        "Step (promote) the canary to its next weight: gates, warm replicas, then shift",
        group="Canary",
        footer=True,
        writes=True,
    ),
    Command(
        "revert",
        "r",
        "revert",
        "Revert",
        "Revert (roll back): make stable able to carry everything, then send all traffic to it",
        group="Canary",
        footer=True,
        writes=True,
    ),
    Command(
        "emergency-revert",
        "R",
        "emergency_revert",
        "Emergency revert",
        "Emergency rollback: all traffic to stable at once, even during a step's warm-up",
        group="Canary",
        footer=True,
        writes=True,
    ),
    Command(
        "mirror",
        "m",
        "mirror",
        "Mirror",
        "Set the shadow-traffic percentage",
        group="Canary",
        writes=True,
    ),
    Command(
        "cancel",
        "x",
        "cancel_canary",
        "Cancel",
        "Cancel (abort) the running canary action at its next safe point: nothing more is written",
        group="Canary",
        footer=True,
    ),
    Command(
        "finish",
        "F",
        "finish",
        "Finish",
        "Finish (complete) the release at 100%: scale the old stable down",
        group="Canary",
        footer=True,
        writes=True,
    ),
    Command(
        "cost",
        "c",
        "cost",
        "Cost",
        "Cost meter: API vs dedicated GPUs vs TCO, crossover",
        group="Cost",
        footer=True,
    ),
    Command(
        "traffic",
        "g",
        "traffic",
        "Traffic",
        "Test traffic: a manual request, or a bounded load test with live figures",
        group="Traffic",
    ),
    Command(
        "logs",
        "l",
        "logs('maximise')",
        "Logs",
        "Maximise the log view, or give the panels back",
        group="Logs",
        footer=True,
    ),
    Command(
        "filter",
        "slash",
        "logs('filter')",
        "Filter",
        "Filter log lines: track:canary, pod:TEXT, regex or text (enter applies, escape cancels)",
        group="Logs",
        key_display="/",
    ),
    Command(
        "pause",
        "p",
        "logs('pause')",
        "Pause",
        "Pause the log stream, or follow it again",
        group="Logs",
    ),
    Command(
        "clear-filter",
        "X",
        "logs('clear_filter')",
        "Clear filter",
        "Show every log line again",
        group="Logs",
    ),
    Command(
        "logs-tab",
        "a",
        "logs('tab')",
        "Audit/logs",
        "Switch the lower pane between server logs and the audit trail",
        group="Logs",
    ),
    Command("wrap", "W", "logs('wrap')", "Wrap", "Wrap long log lines", group="Logs"),
    Command(
        "timestamps",
        "T",
        "logs('timestamps')",
        "Timestamps",
        "Show each log line's time (UTC)",
        group="Logs",
    ),
    Command(
        "save-logs",
        "S",
        "logs('save')",
        "Save logs",
        "Save the shown (filtered) log lines to a file",
        group="Logs",
    ),
)


def available() -> tuple[Command, ...]:
    return tuple(c for c in COMMANDS if not c.reserved)


def bindings() -> list[BindingType]:
    """Key bindings for the available commands, each with its command id."""
    return [
        Binding(
            c.key,
            c.action,
            c.title,
            show=c.footer,
            id=c.id,
            key_display=c.key_display,
            priority=c.id in {"palette"},
        )
        for c in available()
    ]


def by_id(command_id: str) -> Command:
    for command in COMMANDS:
        if command.id == command_id:
            return command
    raise KeyError(command_id)


def action_name(command: Command) -> str:
    """The action's method name without arguments: ``set_window(300)`` -> ``set_window``."""
    return command.action.split("(", 1)[0]


WRITE_ACTIONS = frozenset(action_name(c) for c in COMMANDS if c.writes)
CANARY_ACTIONS = frozenset(action_name(c) for c in COMMANDS if c.group == "Canary")
