"""Pod logs from Kubernetes through the real client against the fake API server: both tracks'
pods merged and labelled, pods joining and leaving while followed, streams cut or broken and
resumed with no repeat and no gap, text passed through as received, errors as one line, and a
prompt stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from console.model import LogLine
from console.sources.logs_kube import KubePodLogSource
from console.sources.logs_kube_stream import Resume, split_line
from tests.fake_kube import FakeKube
from tests.fake_kube.fixture import fake_kube
from tests.kube_support import NS, SPEC, cluster, eventually, seed

__all__ = ["fake_kube"]


class Reader:
    """Runs a source's stream in a thread and keeps what it yields."""

    def __init__(self, source: KubePodLogSource) -> None:
        self.stop = threading.Event()
        self._lines: list[LogLine] = []
        self._lock = threading.Lock()
        self._stream: Iterator[list[LogLine]] = source.stream(self.stop)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for batch in self._stream:
            with self._lock:
                self._lines.extend(batch)

    @property
    def lines(self) -> list[LogLine]:
        with self._lock:
            return list(self._lines)

    def texts(self, pod: str | None = None) -> list[str]:
        return [
            line.text
            for line in self.lines
            if (pod is None or line.source == pod) and not line.text.startswith("[console]")
        ]

    def notices(self) -> list[str]:
        return [line.text for line in self.lines if line.text.startswith("[console]")]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive(), "the source did not stop"


def pods(fake: FakeKube, deployment: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in fake.pods(deployment))


def source(fake: FakeKube, tail: int = 100) -> KubePodLogSource:
    return KubePodLogSource(cluster(fake), SPEC, tail_lines=tail, retry_s=0.05, max_retry_s=0.2)


def test_both_tracks_pods_are_merged_and_labelled(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=2, canary=1)
    stable, canary = pods(fake_kube, "llama-v1"), pods(fake_kube, "llama-v2")
    at = datetime(2026, 3, 10, 14, 0, 1, 250_000, tzinfo=UTC)
    fake_kube.logs.append(NS, stable[0], "old 1", "old 2", "old 3", at=at)
    reader = Reader(source(fake_kube, tail=2))
    try:
        eventually(lambda: reader.texts(stable[0]) == ["old 2", "old 3"], "the tail")
        for pod in (*stable, *canary):
            fake_kube.append_log(pod, f"INFO hello from {pod}")
        eventually(lambda: len(reader.texts()) == 5, "a line from every pod")
        by_pod = {line.source: line for line in reader.lines if "hello" in line.text}
        assert set(by_pod) == {*stable, *canary}
        assert {by_pod[p].track for p in stable} == {"stable"}
        assert by_pod[canary[0]].track == "canary"
        tail = [line for line in reader.lines if line.text.startswith("old")]
        assert [line.time for line in tail] == [at.timestamp()] * 2  # the kubelet's time
        assert by_pod[canary[0]].text == f"INFO hello from {canary[0]}"  # no stamp in the text
        query = fake_kube.requests_to("GET", f"/pods/{stable[0]}/log")[0].query
        assert (query["follow"], query["timestamps"], query["tailLines"]) == ("true", "true", "2")
    finally:
        reader.close()
