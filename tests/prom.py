"""Start and stop a real Prometheus on a free loopback port, optionally with backfilled history."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.waiting import eventually

READY_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed: run scripts/install-system-deps.sh")
    return path


def backfill(openmetrics: Path, data_dir: Path) -> None:
    """Turn an OpenMetrics file into TSDB blocks inside ``data_dir`` (before Prometheus starts).

    Blocks of up to 8 days make a week one pass over the file (2 h blocks take ~15x longer)."""
    result = subprocess.run(
        [
            _tool("promtool"),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            "--max-block-duration=192h",
            str(openmetrics),
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"promtool backfill failed: {result.stderr.strip() or result.stdout}")


class Prometheus:
    """One Prometheus process; use as a context manager or call ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        openmetrics: Path | tuple[Path, ...] | None = None,
        ready_query: str | None = None,
        scrape_configs: str = "",
        retention: str = "30d",
        rule_files: tuple[Path, ...] = (),
        evaluation_interval: str = "15s",
    ) -> None:
        self.openmetrics = openmetrics
        self.ready_query = ready_query
        self.scrape_configs = scrape_configs
        self.retention = retention
        self.rule_files = rule_files
        self.evaluation_interval = evaluation_interval
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Prometheus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> Path:
        assert self._tmp is not None, "not started"
        return Path(self._tmp.name)

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="prom-test-")
        data = self.root / "data"
        data.mkdir()
        rules = "".join(f"  - {path}\n" for path in self.rule_files)
        (self.root / "prometheus.yml").write_text(
            f"global:\n  scrape_interval: 15s\n  evaluation_interval: {self.evaluation_interval}\n"
            + (f"rule_files:\n{rules}" if rules else "")
            + (f"scrape_configs:\n{self.scrape_configs}" if self.scrape_configs else ""),
            encoding="utf-8",
        )
        histories = self.openmetrics if isinstance(self.openmetrics, tuple) else (self.openmetrics,)
        for history in histories:
            if history is not None:
                backfill(history, data)
        self._launch()

    def restart_with_blocks(self, blocks: Path) -> None:
        """Stop the server, move the TSDB blocks under ``blocks`` into its data directory and
        start it again (on a new port: ``url`` changes) with everything it held before."""
        self._terminate()
        for block in blocks.iterdir():
            if block.is_dir():
                shutil.move(str(block), self.root / "data" / block.name)
        self._launch()

    def _launch(self) -> None:
        root, data, config = self.root, self.root / "data", self.root / "prometheus.yml"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = (root / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                _tool("prometheus"),
                f"--web.listen-address=127.0.0.1:{self.port}",
                f"--storage.tsdb.path={data}",
                f"--storage.tsdb.retention.time={self.retention}",
                f"--config.file={config}",
                "--web.enable-lifecycle",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            eventually(self._ready, f"Prometheus ready at {self.url}", READY_TIMEOUT_S)
            if self.ready_query is not None:
                eventually(self._has_data, "the backfilled data to be queryable", READY_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def log(self) -> str:
        if self._tmp is None:
            return ""
        path = Path(self._tmp.name) / "prometheus.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {self.process.returncode}:\n{self.log()}")
        try:
            return httpx.get(f"{self.url}/-/ready", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def _has_data(self) -> bool:
        response = httpx.get(
            f"{self.url}/api/v1/query", params={"query": self.ready_query}, timeout=2.0
        )
        return bool(response.status_code == 200 and response.json()["data"]["result"])

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        self._terminate()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


# -- a deterministic week of inference-fleet history for the cost tests ----------------------

SCRAPE_S = 60
HOUR = 3600
DAY = 86400
NAMESPACE = "inference"
STABLE = "llama-v1"
CANARY = "llama-v2"


class Pod:
    """One vLLM pod's token counters: a daily cycle, an optional late start and restart."""

    def __init__(
        self,
        name: str,
        namespace: str,
        input_per_min: int,
        output_per_min: int,
        *,
        starts: int | None = None,
        restarts: int | None = None,
    ) -> None:
        self.name = name
        self.namespace = namespace
        self.input_per_min = input_per_min
        self.output_per_min = output_per_min
        self.starts = starts
        self.restarts = restarts

    def increments(self, t: int) -> tuple[int, int]:
        """Tokens processed in the scrape interval ending at ``t`` (integers, so sums are exact)."""
        hour_of_day = (t // HOUR) % 24
        # A daily cycle: busy afternoons, quiet nights (factor 1..3), nothing random.
        factor = 1 + (2 if 12 <= hour_of_day < 20 else 1 if 8 <= hour_of_day < 12 else 0)
        return self.input_per_min * factor, self.output_per_min * factor


class Week:
    """The history: timestamps, pods, replica step functions, and the figures a person would
    compute from it. ``end`` is where the cost window closes; data begins two hours before
    ``end - 7d`` so the window starts inside the data."""

    def __init__(self, end: int) -> None:
        self.end = end
        self.window_start = end - 7 * DAY
        self.start = self.window_start - 2 * HOUR
        ws = self.window_start
        self.pods = [
            Pod("llama-v1-7d9c5b8f4-x2x9k", NAMESPACE, 9000, 2400),
            Pod(
                "llama-v1-7d9c5b8f4-b8wlt", NAMESPACE, 8000, 2000, restarts=ws + 3 * DAY + 5 * HOUR
            ),
            Pod("llama-v1-7d9c5b8f4-q4mzn", NAMESPACE, 7000, 1900),
            Pod("llama-v2-5c6b7f8d9-k2p7r", NAMESPACE, 6000, 1500, starts=ws + 5 * DAY),
            # Decoys the cost queries must not count.
            Pod("llama-v1-shadow-6b7c9d8f5-q8w2z", NAMESPACE, 50000, 20000),
            Pod("llama-v1-7d9c5b8f4-x2x9k", "other-team", 40000, 10000),
        ]
        # (from, replicas) steps; each holds until the next one.
        self.replicas: dict[str, list[tuple[int, int]]] = {
            STABLE: [(self.start, 3), (ws + 2 * DAY, 4), (ws + 5 * DAY + 6 * HOUR, 2)],
            CANARY: [(self.start, 0), (ws + 5 * DAY, 1), (ws + 6 * DAY, 2)],
            "llama-v1-shadow": [(self.start, 5)],
        }

    def times(self) -> range:
        return range(self.start, self.end + 1, SCRAPE_S)

    def counters(self, pod: Pod) -> list[tuple[int, int, int]]:
        """(t, prompt_total, generation_total) samples, with the restart's reset to zero."""
        out: list[tuple[int, int, int]] = []
        total_in = total_out = 0
        for t in self.times():
            if pod.starts is not None and t < pod.starts:
                continue
            if pod.restarts is not None and t == pod.restarts:
                total_in = total_out = 0
            step_in, step_out = pod.increments(t)
            if pod.starts is not None and t == pod.starts:
                step_in = step_out = 0  # the first scrape of a fresh process
            total_in += step_in
            total_out += step_out
            out.append((t, total_in, total_out))
        return out

    def replicas_at(self, deployment: str, t: int) -> int:
        value = 0
        for since, count in self.replicas[deployment]:
            if t >= since:
                value = count
        return value

    # -- the figures by hand --------------------------------------------------------------

    def tokens(self, deployment: str) -> tuple[int, int]:
        """Tokens processed by ``deployment``'s pods in the window: every increment whose
        interval ends inside (window_start, end]."""
        total_in = total_out = 0
        for pod in self.pods:
            if pod.namespace != NAMESPACE or not _is_pod_of(pod.name, deployment):
                continue
            for t in self.times():
                if self.window_start < t <= self.end and (pod.starts is None or t > pod.starts):
                    step_in, step_out = pod.increments(t)
                    total_in += step_in
                    total_out += step_out
        return total_in, total_out

    def replica_hours(self, deployment: str) -> float:
        """The integral of the replica step function over the window, in hours."""
        total = 0
        for t in range(self.window_start, self.end, SCRAPE_S):
            total += self.replicas_at(deployment, t) * SCRAPE_S
        return total / HOUR

    def running_hours(self, deployment: str) -> float:
        running = sum(
            SCRAPE_S
            for t in range(self.window_start, self.end, SCRAPE_S)
            if self.replicas_at(deployment, t) > 0
        )
        return running / HOUR

    def write_openmetrics(self, path: Path) -> None:
        lines: list[str] = []
        samples = {pod: self.counters(pod) for pod in self.pods}
        for family, column in (("vllm:prompt_tokens", 1), ("vllm:generation_tokens", 2)):
            lines.append(f"# TYPE {family} counter")
            for pod in self.pods:
                labels = (
                    f'{{namespace="{pod.namespace}",pod="{pod.name}",'
                    f'model_name="llama-3-8b",engine="0"}}'
                )
                lines.extend(f"{family}_total{labels} {s[column]} {s[0]}" for s in samples[pod])
        lines.append("# TYPE kube_deployment_status_replicas gauge")
        for deployment in self.replicas:
            labels = f'{{namespace="{NAMESPACE}",deployment="{deployment}"}}'
            lines.extend(
                f"kube_deployment_status_replicas{labels} {self.replicas_at(deployment, t)} {t}"
                for t in self.times()
            )
        lines.append("# EOF")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _is_pod_of(pod: str, deployment: str) -> bool:
    # By construction here: "<deployment>-<hash>-<suffix>", the hash and suffix without dashes.
    head, _, rest = pod.partition(f"{deployment}-")
    return head == "" and rest.count("-") == 1


@dataclass(frozen=True)
class PrometheusWeek:
    """A running Prometheus holding ``week``; query it at ``week.end``."""

    prometheus: Prometheus
    week: Week

    @property
    def url(self) -> str:
        return self.prometheus.url
