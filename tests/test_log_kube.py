"""Pod logs from Kubernetes through the real client against the fake API server: both tracks'
pods merged and labelled, pods joining and leaving while followed, streams cut or broken and
resumed with no repeat and no gap, text passed through as received, errors as one line, and a
prompt stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.model import LogLine, Track
from console.sources.kubernetes import KubernetesCluster
from console.sources.logs_kube import KubePodLogSource
from console.sources.logs_kube_stream import Resume, split_line
from tests.fake_kube import FakeKube
from tests.fake_kube.logs import stamp
from tests.kube_support import NS, SPEC, cluster, seed
from tests.waiting import eventually


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


def follower_alive(pod: str) -> bool:
    return any(t.name == f"k8s-logs {pod}" and t.is_alive() for t in threading.enumerate())


def test_pods_that_appear_are_joined_and_pods_that_go_are_left(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=1, canary=1)
    kube = cluster(fake_kube)
    first = pods(fake_kube, "llama-v2")[0]
    reader = Reader(source(fake_kube))
    try:
        fake_kube.append_log(first, "first pod")
        eventually(lambda: reader.texts(first) == ["first pod"], "the first canary pod")
        kube.scale(SPEC, Track.CANARY, 2)
        eventually(lambda: len(pods(fake_kube, "llama-v2")) == 2, "a second canary pod")
        second = next(p for p in pods(fake_kube, "llama-v2") if p != first)
        eventually(lambda: follower_alive(second), "the new pod followed")
        assert f"[console] pod {second} joined (canary)" in reader.notices()
        fake_kube.append_log(second, "scaled up")
        eventually(lambda: reader.texts(second) == ["scaled up"], "the new pod's line")
        assert [line.track for line in reader.lines if line.source == second] == ["canary"] * 2

        kube.scale(SPEC, Track.CANARY, 1)
        eventually(lambda: len(pods(fake_kube, "llama-v2")) == 1, "a canary pod deleted")
        (kept,) = pods(fake_kube, "llama-v2")
        (gone,) = {first, second} - {kept}
        eventually(lambda: f"[console] pod {gone} left (canary)" in reader.notices(), "left")
        eventually(lambda: not follower_alive(gone), "the deleted pod no longer followed")
        asked = len(fake_kube.requests_to("GET", f"/pods/{gone}/log"))
        fake_kube.append_log(kept, "still here")
        eventually(lambda: "still here" in reader.texts(kept), "the kept pod's line")
        assert len(fake_kube.requests_to("GET", f"/pods/{gone}/log")) == asked
        assert not [n for n in reader.notices() if "error" in n.lower() or "403" in n]
    finally:
        reader.close()


def test_a_dropped_pod_watch_is_reopened_and_still_joins_pods(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=1, canary=1)
    first = pods(fake_kube, "llama-v2")[0]
    reader = Reader(source(fake_kube))
    try:
        fake_kube.append_log(first, "up")
        eventually(lambda: reader.texts(first) == ["up"], "the canary pod followed")
        lists = lambda: fake_kube.requests_to("GET", "/pods")  # noqa: E731
        eventually(lambda: fake_kube.open_watches == 2, "both tracks' pods watched")
        before = len([r for r in lists() if "watch" not in r.query])
        fake_kube.end_watches(drop=True)
        eventually(
            lambda: len([r for r in lists() if "watch" not in r.query]) >= before + 2,
            "both tracks' pods listed again",
        )
        cluster(fake_kube).scale(SPEC, Track.CANARY, 2)
        eventually(lambda: len(pods(fake_kube, "llama-v2")) == 2, "a second canary pod")
        second = next(p for p in pods(fake_kube, "llama-v2") if p != first)
        fake_kube.append_log(second, "joined after the drop")
        eventually(lambda: reader.texts(second) == ["joined after the drop"], "the new pod")
        assert reader.texts(first) == ["up"]  # the followed pod was not shown again
        assert len([n for n in reader.notices() if "listed again" in n]) == 2
    finally:
        reader.close()


def test_a_cut_and_a_broken_stream_resume_without_repeat_or_gap(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=1, canary=0)
    (pod,) = pods(fake_kube, "llama-v1")
    at = (datetime.now(UTC) - timedelta(seconds=5)).replace(microsecond=500_000)
    # Earlier in the same second: a reconnect from ``at`` gets it again (whole seconds).
    fake_kube.logs.append(NS, pod, "a0", at=at.replace(microsecond=100_000))
    fake_kube.logs.append(NS, pod, "a1", "a2", "a3", at=at)  # one timestamp for three lines
    reader = Reader(source(fake_kube))
    try:
        eventually(lambda: reader.texts(pod) == ["a0", "a1", "a2", "a3"], "the tail")
        log_asks = lambda: [r.query for r in fake_kube.requests_to("GET", f"/pods/{pod}/log")]  # noqa: E731
        fake_kube.cut_log(pod)  # a clean end, as when the kubelet restarts
        eventually(lambda: len(log_asks()) == 2, "a reconnect after the cut")
        assert log_asks()[1]["sinceTime"] == stamp(at) and "tailLines" not in log_asks()[1]
        later = datetime.now(UTC)
        fake_kube.logs.append(NS, pod, "a4", at=at)  # the same timestamp as the lines seen
        fake_kube.logs.append(NS, pod, "b1", at=later)
        eventually(lambda: reader.texts(pod)[-1:] == ["b1"], "the lines after the cut")
        fake_kube.logs.drop(NS, pod, "c1 a longer line broken in its middle", "c2")
        eventually(lambda: len(log_asks()) == 3, "a reconnect after the drop")
        assert log_asks()[2]["sinceTime"] == stamp(later)
        fake_kube.append_log(pod, "d1")
        eventually(lambda: reader.texts(pod)[-1:] == ["d1"], "the lines after the drop")
        expected = ["a0", "a1", "a2", "a3", "a4", "b1", "c1 a longer line broken in its middle"]
        expected.append("c2")
        assert reader.texts(pod) == [*expected, "d1"]
        dropped = [n for n in reader.notices() if "dropped" in n]
        assert len(dropped) == 1 and pod in dropped[0] and "resuming after" in dropped[0]
        assert "tailLines" in log_asks()[0] and "sinceTime" not in log_asks()[0]
    finally:
        reader.close()


HOSTILE = [
    "[bold red]not markup[/bold red] [link=file:///etc/passwd]x[/link]",
    "clip \x1b]52;c;ZWNobyBoYWNrZWQ=\x07 board",
    "clear \x1b[2J screen \x9b31m c1 \x07 bell\tTAB",
    "2026-01-01T00:00:00Z looks like a stamp",
    "ünïcödé ✓ 日本語",
    "",
]


def test_hostile_text_arrives_as_received(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=1, canary=0)
    (pod,) = pods(fake_kube, "llama-v1")
    reader = Reader(source(fake_kube))
    try:
        fake_kube.append_log(pod, "ready")
        eventually(lambda: reader.texts(pod) == ["ready"], "the pod followed")
        fake_kube.append_log(pod, *HOSTILE)
        eventually(lambda: len(reader.texts(pod)) == 1 + len(HOSTILE), "the hostile lines")
        assert reader.texts(pod)[1:] == HOSTILE  # the widgets clean it, the source does not
    finally:
        reader.close()


def test_forbidden_pod_logs_are_one_clear_line_without_the_token(
    fake_kube: FakeKube, tmp_path: Path
) -> None:
    seed(fake_kube, stable=1, canary=0)
    (pod,) = pods(fake_kube, "llama-v1")
    fake_kube.token = "s3cr3t-t0ken"
    kubeconfig = fake_kube.kubeconfig(tmp_path / "kubeconfig", token=fake_kube.token)
    fake_kube.forbid("get", "pods/log")
    kube = KubernetesCluster(kubeconfig=kubeconfig, context="fake")
    reader = Reader(KubePodLogSource(kube, SPEC, retry_s=0.02, max_retry_s=0.05))
    try:
        asks = lambda: fake_kube.requests_to("GET", f"/pods/{pod}/log")  # noqa: E731
        eventually(lambda: len(asks()) >= 4 and reader.notices() != [], "retries and a line")
        assert {r.status for r in asks()} == {403}
        errors = [line for line in reader.lines if line.level == "error"]
        assert len(errors) == 1, errors  # retried, said once
        text = errors[0].text
        assert text.startswith(f"[console] pod {pod} (stable): get pods/log inference/{pod}")
        assert "HTTP 403 Forbidden" in text and 'cannot get resource "pods/log"' in text
        assert "\n" not in text and "Traceback" not in text
        assert all(fake_kube.token not in line.text for line in reader.lines)
        fake_kube.forbidden.clear()
        fake_kube.append_log(pod, "allowed now")
        eventually(lambda: reader.texts(pod) == ["allowed now"], "logs once allowed")
        assert f"[console] pod {pod}: logs flowing again" in reader.notices()
    finally:
        reader.close()


def test_a_missing_deployment_and_a_refused_connection_are_lines(fake_kube: FakeKube) -> None:
    fake_kube.add_deployment("llama-v1", NS, 1)  # no canary Deployment at all
    (pod,) = pods(fake_kube, "llama-v1")
    fake_kube.fail("get", "pods/log", status=0)  # the first log request: connection dropped
    reader = Reader(source(fake_kube))
    try:
        fake_kube.append_log(pod, "stable still flows")
        eventually(lambda: reader.texts(pod) == ["stable still flows"], "the stable pod's log")
        gets = lambda: fake_kube.requests_to("GET", "/deployments/llama-v2")  # noqa: E731
        eventually(lambda: len(gets()) >= 3, "the canary Deployment asked for again")
        (missing,) = [n for n in reader.notices() if "llama-v2" in n]  # said once
        assert missing == (
            "[console] canary pods of llama-v2: get deployments.apps inference/llama-v2: "
            'HTTP 404 Not Found: deployments.apps "llama-v2" not found; retrying'
        )
        (dropped,) = [n for n in reader.notices() if "did not answer" in n]
        assert dropped.startswith(f"[console] pod {pod} (stable): get pods/log inference/{pod}: ")
        assert dropped.endswith("; retrying") and "\n" not in dropped
        assert f"[console] pod {pod}: logs flowing again" in reader.notices()
    finally:
        reader.close()


def test_stopping_closes_every_stream_at_once(fake_kube: FakeKube) -> None:
    seed(fake_kube, stable=2, canary=2)
    every = pods(fake_kube, "llama-v1") + pods(fake_kube, "llama-v2")
    reader = Reader(source(fake_kube))
    for pod in every:
        fake_kube.append_log(pod, "up")
    eventually(lambda: len(reader.texts()) == 4, "every pod followed")
    began = time.monotonic()
    reader.close()
    assert time.monotonic() - began < 1.5
    assert not [t for t in threading.enumerate() if t.name.startswith("k8s-logs")]


def test_resume_drops_what_was_seen_and_keeps_same_time_lines() -> None:
    resume = Resume()
    t = 1_000_000_000_000_000_123  # nanoseconds
    for text in (b"x", b"y"):  # the first tail began at "x": an older "w" shares its time
        assert resume.accept(t, "T", text)
    assert (resume.mark, resume.stamp, resume.at_mark) == (t, "T", [b"x", b"y"])
    resume.reconnected()
    # The server rounded sinceTime down to the second: older lines come again, and "w".
    replay = [(t - 500, b"old"), (t, b"w"), (t, b"x"), (t, b"y"), (t, b"z"), (t + 1, b"n")]
    assert [text for nanos, text in replay if resume.accept(nanos, "T", text)] == [b"z", b"n"]
    resume.reconnected()
    assert not resume.accept(t + 1, "T+1", b"n")
    assert resume.accept(t + 1, "T+1", b"n")  # a second, distinct "n" at the same time
    assert resume.accept(None, None, b"no stamp")


def test_split_line_reads_the_kubelet_stamp() -> None:
    assert split_line(b"2026-03-10T14:00:01.25Z hello world") == (
        1_773_151_201_250_000_000,
        "2026-03-10T14:00:01.25Z",
        b"hello world",
    )
    assert split_line(b"2026-03-10T16:00:01+02:00 x")[0] == 1_773_151_201_000_000_000
    assert split_line(b"no stamp here") == (None, None, b"no stamp here")


def test_at_most_max_pods_are_followed_and_a_waiting_pod_takes_a_freed_place(
    fake_kube: FakeKube,
) -> None:
    seed(fake_kube, stable=3, canary=0)
    kube = cluster(fake_kube)
    capped = KubePodLogSource(kube, SPEC, retry_s=0.05, max_retry_s=0.2, max_pods=2)
    reader = Reader(capped)
    try:
        eventually(lambda: "following 2 stable pods" in " ".join(reader.notices()), "the cap")
        followed = {p for p in pods(fake_kube, "llama-v1") if follower_alive(p)}
        assert len(followed) == 2
        (waiting,) = set(pods(fake_kube, "llama-v1")) - followed
        assert not fake_kube.requests_to("GET", f"/pods/{waiting}/log")
        gone = sorted(followed)[0]
        fake_kube.delete_pod(gone)
        eventually(lambda: not follower_alive(gone), "the deleted pod left")
        eventually(lambda: follower_alive(waiting), "the waiting pod followed in its place")
        fake_kube.append_log(waiting, "my turn")
        eventually(lambda: reader.texts(waiting) == ["my turn"], "its line")
        assert f"[console] pod {waiting} joined (stable)" in reader.notices()
        assert sum(1 for n in reader.notices() if "following 2 stable pods" in n) == 1
    finally:
        reader.close()
