"""The simulated fleet over HTTP: an OpenAI-compatible API and Prometheus ``/metrics``."""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

from console.sim.exposition import CONTENT_TYPE, Exposition
from console.sim.fleet import SimFleet
from console.sim.serve_openai import Completions
from console.sim.serve_pace import Pacing


def build_app(
    fleet: SimFleet, model: str = "llama-3-8b", seed: int = 7, pacing: Pacing | None = None
) -> web.Application:
    """The aiohttp application serving ``fleet`` (with ``pacing`` injected per track)."""
    exposition = Exposition(fleet, model)
    api = Completions(fleet, model, seed, pacing)
    lock = asyncio.Lock()

    async def metrics(_: web.Request) -> web.Response:
        # Rendering walks every pod under the fleet's lock: off the event loop, one at a time.
        async with lock:
            text = await asyncio.get_running_loop().run_in_executor(None, exposition.render)
        return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    app.router.add_get("/v1/models", api.models)
    app.router.add_post("/v1/completions", api.completions)
    app.router.add_post("/v1/chat/completions", api.chat)
    for track in ("stable", "canary"):  # one track, whatever the route's weights
        app.router.add_get(f"/{track}/v1/models", api.models)
        app.router.add_post(f"/{{track:{track}}}/v1/completions", api.completions)
        app.router.add_post(f"/{{track:{track}}}/v1/chat/completions", api.chat)
    return app


async def start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Listen on ``host:port`` (0: a free port); returns the runner and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple):
            bound = int(address[1])
            break
    return runner, bound


class ServerThread:
    """``sim serve`` in a background thread with its own event loop (tests, benchmarks)."""

    def __init__(
        self,
        fleet: SimFleet,
        host: str = "127.0.0.1",
        port: int = 0,
        pacing: Pacing | None = None,
    ) -> None:
        self.fleet = fleet
        self.pacing = pacing
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sim-serve", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner, self.port = self._loop.run_until_complete(
                start(
                    build_app(self.fleet, seed=self.fleet.seed, pacing=self.pacing),
                    self.host,
                    self.port,
                )
            )
        except BaseException as err:  # reported to the starting thread
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._runner is not None:
            runner = self._runner
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop).result(10)
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
