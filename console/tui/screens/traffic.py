"""The traffic screen: a manual request whose reply streams in as inert text, and a bounded load
test with a live progress bar and figures. Network work runs in thread workers; results come
back as messages."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, ProgressBar, Select, Static, TextArea

from console.config import DeploymentConfig
from console.traffic.endpoints import Endpoint, EndpointError, TrackName
from console.traffic.format import summary_lines
from console.traffic.generator import MODES, LoadPlan, PlanError, Progress
from console.tui.endpoints import EndpointProvider
from widgets.safe_text import clean

#: Live figures are worked out over the most recent requests only, to stay cheap.
LIVE_WINDOW = 1000
DEFAULT_PROMPT = "Say hello in one sentence."


class ReplyPiece(Message):
    """A piece of the manual request's reply, as it streamed in."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TrafficDone(Message):
    """A request or load test finished: its figures (lines) and, for a load test, headline."""

    def __init__(self, lines: list[str], headline: str = "", error: str = "") -> None:
        super().__init__()
        self.lines = lines
        self.headline = headline
        self.error = error


class LoadProgress(Message):
    def __init__(self, fraction: float, lines: list[str]) -> None:
        super().__init__()
        self.fraction = fraction
        self.lines = lines


class LoadConfirm(ModalScreen[bool]):
    """``y`` sends the load; ``n``/escape does not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Send", id="traffic-confirm-yes"),
        Binding("n", "answer(False)", "No", id="traffic-confirm-no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="traffic-confirm-escape"),
    ]
    DEFAULT_CSS = """
    LoadConfirm { align: center middle; }
    LoadConfirm > Vertical {
        width: 72; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(clean(self.text)))
            yield Static(Text("This endpoint may take live traffic. Send?  y yes · n no"))

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TrafficScreen(Screen[None]):
    """One deployment's test traffic, to the track shown in the title."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="traffic.close"),
        Binding("ctrl+s", "send", "Send request", id="traffic.send"),
        Binding("ctrl+l", "loadtest", "Load test", id="traffic.loadtest"),
        Binding("ctrl+t", "switch_track", "Track", id="traffic.track"),
        Binding("ctrl+o", "stop", "Stop", id="traffic.stop"),
    ]
    DEFAULT_CSS = """
    TrafficScreen { background: $background; }
    TrafficScreen #traffic-title { text-style: bold; padding: 0 1; }
    TrafficScreen #traffic-prompt { height: 5; }
    TrafficScreen #traffic-form { height: 3; }
    TrafficScreen #traffic-form Input { width: 1fr; }
    TrafficScreen #traffic-form Select { width: 22; }
    TrafficScreen #traffic-progress { padding: 0 1; }
    TrafficScreen #traffic-output { padding: 0 1; }
    TrafficScreen #traffic-figures { color: $text-muted; }
    TrafficScreen #traffic-hint { dock: bottom; height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(
        self,
        provider: EndpointProvider,
        deployment: DeploymentConfig,
        fleet: Any,
        read_only: bool,
        on_headline: Callable[[str], None],
    ) -> None:
        super().__init__(id="traffic")
        self.provider = provider
        self.deployment = deployment
        self.fleet = fleet
        self.read_only = read_only
        self.on_headline = on_headline
        self.track: TrackName = "canary"
        self.cancel = threading.Event()
        self.running = False
        self.reply = Text()

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="traffic-title")
        yield TextArea(DEFAULT_PROMPT, id="traffic-prompt", soft_wrap=True)
        with Horizontal(id="traffic-form"):
            yield Select(
                [(m, m) for m in MODES], value="constant", allow_blank=False, id="traffic-mode"
            )
            yield Input("5", placeholder="rate req/s", id="traffic-rate")
            yield Input("8", placeholder="concurrency", id="traffic-concurrency")
            yield Input("10", placeholder="seconds", id="traffic-duration")
            yield Input("200", placeholder="requests", id="traffic-requests")
        yield ProgressBar(total=1.0, show_eta=False, id="traffic-progress")
        with VerticalScroll(id="traffic-output"):
            yield Static(Text(), id="traffic-reply")
            yield Static(Text(), id="traffic-figures")
        yield Static(
            Text("^s send request · ^l load test · ^t track · ^o stop · esc close"),
            id="traffic-hint",
        )

    def on_mount(self) -> None:
        for ident, title in (
            ("mode", "mode"),
            ("rate", "req/s"),
            ("concurrency", "streams"),
            ("duration", "seconds"),
            ("requests", "requests"),
        ):
            self.query_one(f"#traffic-{ident}").border_title = title

    def _title(self) -> Text:
        return Text(clean(f"Test traffic: {self.deployment.name} {self.track}"), no_wrap=True)

    # Actions ---------------------------------------------------------------------------------

    def action_close(self) -> None:
        self.cancel.set()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self.cancel.set()  # the app quitting: nothing keeps sending unseen

    def action_stop(self) -> None:
        if self.running:
            self.cancel.set()
            self.notify("Stopping…", timeout=2)

    def action_switch_track(self) -> None:
        if self.running:
            return
        self.track = "stable" if self.track == "canary" else "canary"
        self.query_one("#traffic-title", Static).update(self._title())

    def action_send(self) -> None:
        if self.running:
            return
        prompt = self.query_one("#traffic-prompt", TextArea).text
        if not prompt.strip():
            self.notify("The prompt is empty", severity="warning")
            return
        self._start()
        self.reply = Text()
        self.query_one("#traffic-reply", Static).update(self.reply)
        self._manual(prompt)

    def action_loadtest(self) -> None:
        if self.running:
            return
        try:
            plan = self._plan()
        except (ValueError, PlanError) as err:
            self.notify(clean(str(err)), title="Load test", severity="error", markup=False)
            return
        self._start()
        self._prepare_load(plan)

    def _plan(self) -> LoadPlan:
        def number(ident: str, what: str) -> float:
            text = self.query_one(f"#traffic-{ident}", Input).value.strip()
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{what}: {text!r} is not a number") from None

        mode = str(self.query_one("#traffic-mode", Select).value)
        requests = number("requests", "requests")
        concurrency = number("concurrency", "concurrency")
        if requests != int(requests) or concurrency != int(concurrency):
            raise ValueError("requests and concurrency are whole numbers")
        return LoadPlan(
            mode=mode,  # type: ignore[arg-type]
            rate=number("rate", "rate"),
            concurrency=int(concurrency),
            duration_s=number("duration", "duration"),
            max_requests=int(requests),
            drain_s=10.0,
        )

    def _start(self) -> None:
        self.running = True
        self.cancel = threading.Event()
        self.query_one("#traffic-progress", ProgressBar).update(progress=0.0)
        self.query_one("#traffic-figures", Static).update(Text("…"))

    # Workers ---------------------------------------------------------------------------------

    def _endpoint(self) -> Endpoint:
        return self.provider.endpoint(self.deployment, self.fleet, self.track)

    @work(thread=True, exclusive=True, group="traffic", exit_on_error=False)
    def _manual(self, prompt: str) -> None:
        from console.traffic.manual import manual_lines, manual_request

        def piece(text: str) -> None:
            self.post_message(ReplyPiece(text))

        try:
            endpoint = self._endpoint()
            result = asyncio.run(
                manual_request(endpoint, prompt, on_text=piece, cancel=self.cancel)
            )
        except EndpointError as err:
            self.post_message(TrafficDone([], error=str(err)))
            return
        self.post_message(TrafficDone([endpoint.label, *manual_lines(result)]))

    @work(thread=True, exclusive=True, group="traffic", exit_on_error=False)
    def _prepare_load(self, plan: LoadPlan) -> None:
        try:
            endpoint = self._endpoint()
        except EndpointError as err:
            self.post_message(TrafficDone([], error=str(err)))
            return
        if endpoint.simulated:
            self._run_load(endpoint, plan)
        elif self.read_only:
            self.post_message(TrafficDone([], error="read-only: no load to configured endpoints"))
        else:
            self.app.call_from_thread(self._confirm, endpoint, plan)

    def _confirm(self, endpoint: Endpoint, plan: LoadPlan) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._load_worker(endpoint, plan)
            else:
                self.post_message(TrafficDone([], error="not sent"))

        self.app.push_screen(
            LoadConfirm(f"Load test: {plan.describe()}\n to {endpoint.label}"), answered
        )

    @work(thread=True, exclusive=True, group="traffic", exit_on_error=False)
    def _load_worker(self, endpoint: Endpoint, plan: LoadPlan) -> None:
        self._run_load(endpoint, plan)

    def _run_load(self, endpoint: Endpoint, plan: LoadPlan) -> None:
        from console.traffic.generator import run_load
        from console.traffic.prompts import PromptSource
        from console.traffic.stats import Slos, headline, summarize

        def progress(p: Progress) -> None:
            recent = [r for r in p.results[-LIVE_WINDOW:] if r.e2e_s is not None or r.error]
            summary = summarize(recent, max(p.elapsed_s, 1e-9), Slos())
            lines = [
                f"sent {p.sent} · answered {p.done} · failed {p.failed} · "
                f"in flight {p.in_flight} · {p.elapsed_s:.1f} s",
                *summary_lines(summary),
            ]
            self.post_message(LoadProgress(p.fraction, lines))

        run = asyncio.run(
            run_load(endpoint, plan, iter(PromptSource()), cancel=self.cancel, progress=progress)
        )
        summary = summarize(run.results, run.elapsed_s, Slos(), run.send_s)
        text = headline(summary)
        lines = [
            endpoint.label,
            plan.describe(),
            f"stopped: {run.reason or run.stopped}",
            *summary_lines(summary),
        ]
        self.post_message(TrafficDone(lines, f"load test {endpoint.track}: {text}"))

    # Messages --------------------------------------------------------------------------------

    @on(ReplyPiece)
    def _piece(self, message: ReplyPiece) -> None:
        self.reply.append(clean(message.text))
        self.query_one("#traffic-reply", Static).update(self.reply)

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        self.query_one("#traffic-progress", ProgressBar).update(progress=message.fraction)
        self._figures(message.lines)

    @on(TrafficDone)
    def _done(self, message: TrafficDone) -> None:
        self.running = False
        self.query_one("#traffic-progress", ProgressBar).update(progress=1.0)
        if message.error:
            self._figures([message.error])
            self.notify(clean(message.error), title="Traffic", severity="error", markup=False)
            return
        self._figures(message.lines)
        if message.headline:
            self.on_headline(message.headline)

    def _figures(self, lines: list[str]) -> None:
        text = Text("\n".join(clean(line) for line in lines))
        self.query_one("#traffic-figures", Static).update(text)
