"""The console on a real Prometheus that goes away and comes back, answers slowly, or rejects a
bad override: last values stay, STALE shows, the error is Prometheus's own, polls never overlap."""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tests.prom
from console.clock import backoff
from console.commands.common import load
from console.factory import build_context
from console.sources.prometheus import PrometheusSource
from console.tui.app import ConsoleApp
from tests import prom_profiles as P
from tests.prom import Prometheus
from tests.support import header_text
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # starts processes


class SlowProxy:
    """A loopback TCP proxy that holds every chunk of the answer for ``delay`` seconds."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, slow: bool) -> None:
            try:
                while chunk := await src.read(65536):
                    if slow and self.delay:
                        await asyncio.sleep(self.delay)
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Steady series ending just now, so instant queries over 5m find them for minutes."""
    path = tmp_path / "fleet.om"
    P.write_fleet(path, int(time.time()) - 20)
    return path


def console_app(tmp_path: Path, url: str, extra: str = "") -> ConsoleApp:
    config = tmp_path / "config.toml"
    config.write_text(
        'refresh_interval = "0.2s"\nstale_after = "1s"\n'
        f'[ui]\nrate_window = "5m"\n[prometheus]\nurl = "{url}"\ntimeout = "0.5s"\n{extra}'
        '[[deployments]]\nname = "llama"\nnamespace = "inference"\n'
        'stable = "llama-v1"\ncanary = "llama-v2"\n',
        encoding="utf-8",
    )
    loaded = load(argparse.Namespace(config=config, demo=False, deployment=None))
    return ConsoleApp(build_context(loaded))


class Overlap:
    """Counts snapshot calls and the most that ever ran at once, and notes when each failing one
    started (instrumenting the real source)."""

    def __init__(self, source: PrometheusSource) -> None:
        self.calls = 0
        self.active = 0
        self.most = 0
        self.failed_at: list[float] = []
        self._lock = threading.Lock()
        real = source.snapshot

        def snapshot(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            with self._lock:
                self.calls += 1
                self.active += 1
                self.most = max(self.most, self.active)
            try:
                return real(*args, **kwargs)
            except Exception:
                with self._lock:
                    self.failed_at.append(started)
                raise
            finally:
                with self._lock:
                    self.active -= 1

        source.snapshot = snapshot  # type: ignore[method-assign]


@pytest.fixture
def fixed_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A port the restarted Prometheus comes back on."""
    port = tests.prom.free_port()
    monkeypatch.setattr(tests.prom, "free_port", lambda: port)
    yield port


async def test_prometheus_stopped_and_restarted(
    tmp_path: Path, history: Path, fixed_port: int
) -> None:
    ready = "count_over_time(tgi_queue_size[1h])"
    first = Prometheus(openmetrics=history, ready_query=ready)
    first.start()
    try:
        app = console_app(tmp_path, first.url)
        assert isinstance(app.ctx.metrics, PrometheusSource)
        watch = Overlap(app.ctx.metrics)
        async with app.run_test(size=(160, 48)) as pilot:
            dash = app.dashboard
            await wait_until(pilot, lambda: dash.polls >= 2, "polls from Prometheus")
            assert dash.snapshot is not None
            before = dash.snapshot.tracks
            # The newest samples are a little old: rate() covers part of the window.
            assert 5.0 < (before["stable"].requests_per_s or 0) < 6.5  # type: ignore[index]
            first.stop()
            await wait_until(pilot, lambda: len(watch.failed_at) >= 3, "three failed polls")
            # Backing off: each failed poll waits longer for the next (0.4 s, then 0.8 s),
            # rather than one poll every 0.2 s.
            interval = app.ctx.settings.refresh_interval
            one, two, three = watch.failed_at[:3]
            assert two - one >= backoff(interval, 1) > interval
            assert three - two >= backoff(interval, 2) > backoff(interval, 1)
            assert dash.is_stale() and "STALE" in header_text(app)
            assert f"cannot reach Prometheus at {first.url}: connection refused" in dash.last_error
            shown = [n.message for n in app._notifications]
            assert any("connection refused" in m for m in shown)
            assert dash.snapshot.tracks == before  # the last values stay
            assert app.is_running
            again = Prometheus(openmetrics=history, ready_query=ready)
            again.start()
            try:
                assert again.port == fixed_port
                dash.poll_now()
                await wait_until(
                    pilot, lambda: dash.failures == 0 and not dash.is_stale(), "recovery", 30
                )
                assert "STALE" not in header_text(app)
            finally:
                again.stop()
        assert watch.most == 1
    finally:
        first.stop()


async def test_slow_prometheus_times_out_without_freezing(tmp_path: Path, history: Path) -> None:
    with (
        Prometheus(openmetrics=history, ready_query="count_over_time(tgi_queue_size[1h])") as p,
        SlowProxy(p.port) as proxy,
    ):
        app = console_app(tmp_path, f"http://127.0.0.1:{proxy.port}")
        watch = Overlap(app.ctx.metrics)  # type: ignore[arg-type]
        async with app.run_test(size=(160, 48)) as pilot:
            dash = app.dashboard
            await wait_until(pilot, lambda: dash.polls >= 1, "a first poll")
            proxy.delay = 2.0  # four times the timeout, ten times the refresh interval
            await wait_until(pilot, lambda: dash.failures >= 1, "a timed-out poll", 15)
            assert "no answer within 0.5s" in dash.last_error
            # The UI still answers while polls hang: the help screen opens and closes.
            started = time.monotonic()
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: app.screen.id != "dashboard", "help screen")
            await pilot.press("escape")
            assert time.monotonic() - started < 1.5
            assert "STALE" in header_text(app)
            proxy.delay = 0.0
            await wait_until(pilot, lambda: dash.failures == 0, "recovery", 30)
        assert watch.most == 1


async def test_slow_raw_refreshes_suggest_recording_rules_once(
    tmp_path: Path, history: Path
) -> None:
    with (
        Prometheus(openmetrics=history, ready_query="count_over_time(tgi_queue_size[1h])") as p,
        SlowProxy(p.port) as proxy,
    ):
        app = console_app(tmp_path, f"http://127.0.0.1:{proxy.port}")

        def hints() -> list[str]:
            return [n.message for n in app._notifications if n.title == "Slow refreshes"]

        async with app.run_test(size=(160, 48)) as pilot:
            dash = app.dashboard
            await wait_until(pilot, lambda: dash.polls >= 1, "a first poll")
            # Every answer held 0.12 s: a refresh takes more than half the 0.2 s interval, and
            # each query stays well within its 0.5 s timeout.
            proxy.delay = 0.12
            await wait_until(pilot, lambda: hints() != [], "the hint", 30)
            assert "inference-console prometheus rules" in hints()[0]
            assert "recording_rules = true" in hints()[0]
            polls = dash.polls
            await wait_until(pilot, lambda: dash.polls >= polls + 3, "more slow polls", 30)
            assert len(hints()) == 1  # said once


async def test_bad_override_query_shows_prometheus_error(tmp_path: Path, history: Path) -> None:
    with Prometheus(openmetrics=history, ready_query="count_over_time(tgi_queue_size[1h])") as p:
        bad = "sum(rate(vllm:num_requests_waiting{$sel}))"
        app = console_app(tmp_path, p.url, f"[prometheus.queries]\nqueue_depth = '{bad}'\n")
        async with app.run_test(size=(160, 48)) as pilot:
            dash = app.dashboard
            await wait_until(pilot, lambda: dash.failures >= 1, "the failing poll")
            assert dash.last_error.startswith(f"queue panel: Prometheus at {p.url}: bad_data: ")
            assert "expected type range vector" in dash.last_error
            await wait_until(
                pilot,
                lambda: dash.last_error in [n.message for n in app._notifications],
                "the notification",
            )
            await wait_until(
                pilot,
                lambda: "queue panel: Prometheus at" in header_text(app),  # the rest is cut there
                "the header",
            )
            assert app.is_running


async def test_cost_key_measures_through_prometheus(tmp_path: Path, prometheus_week: Any) -> None:
    from console.tui.screens.cost import CostScreen

    app = console_app(
        tmp_path,
        prometheus_week.url,
        "[cost]\nprice_in_per_mtok = 1.25\nprice_out_per_mtok = 10\ngpu_hour_price = 3.5\n"
        "gpus_per_replica = 2\n",
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CostScreen), "the cost screen", 30)
        screen = app.screen
        assert isinstance(screen, CostScreen)
        assert screen.source == f"prometheus {prometheus_week.url}"
        assert screen.report.inputs.input_tokens.provenance == "measured"
        assert screen.report.inputs.input_tokens.value > 0


async def test_with_prometheus_the_split_is_read_from_the_cluster(
    tmp_path: Path, prometheus_week: Any, fake_kube: Any
) -> None:
    """Prometheus knows the traffic, not the weights: the header's canary share comes from the
    route in the cluster, and follows a change made there."""
    from tests.fake_kube import objects
    from tests.kube_support import NS, seed

    seed(fake_kube, stable=2, canary=1)
    fake_kube.put(objects.httproute("llama", NS, "llama-v1", "llama-v2", (95, 5)))
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", context="fake")
    app = console_app(
        tmp_path,
        prometheus_week.url,
        f'[kubernetes]\nkubeconfig = "{kubeconfig}"\ncontext = "fake"\n'
        "[logs]\nkubernetes = false\n",
    )
    async with app.run_test(size=(160, 48)) as pilot:
        app.dashboard._routes.every_s = 0.0  # read the route on every poll
        await wait_until(pilot, lambda: "canary 5% → 10%" in header_text(app), "the route's split")
        assert fake_kube.requests_to("GET", "/httproutes/llama")
        fake_kube.put(objects.httproute("llama", NS, "llama-v1", "llama-v2", (90, 10)))
        await wait_until(pilot, lambda: "canary 10% → 25%" in header_text(app), "the new split")
        assert app.is_running
