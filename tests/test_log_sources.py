"""Log sources without a screen: a file followed like tail -F (tail, partial lines, rotation,
truncation, a late file, invalid UTF-8), the audit file, and the simulated fleet's logs."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from console.clock import ManualClock
from console.model import LogLine, Track
from console.sim.fleet import SimFleet
from console.sim.logs import SimLogGenerator
from console.sources.logs_audit import AuditLogSource
from console.sources.logs_file import FileLogSource
from tests.support import T0
from tests.waiting import eventually


class Reader:
    """Runs a source's stream in a thread and collects what it yields."""

    def __init__(self, stream: Callable[[threading.Event], Iterator[list[LogLine]]]) -> None:
        self.stop = threading.Event()
        self.lines: list[LogLine] = []
        self.started = threading.Event()  # the first batch (the tail) is in
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: Callable[[threading.Event], Iterator[list[LogLine]]]) -> None:
        for batch in stream(self.stop):
            with self._lock:
                self.lines.extend(batch)
            self.started.set()

    def texts(self) -> list[str]:
        with self._lock:
            return [line.text for line in self.lines]

    def wait_for(self, predicate: Callable[[list[str]], bool], what: str) -> list[str]:
        eventually(lambda: predicate(self.texts()), what, detail=lambda: str(self.texts()[-5:]))
        return self.texts()

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive()


def follow(path: Path, tail: int = 3) -> Reader:
    return Reader(FileLogSource(path, tail_lines=tail, poll_s=0.02).stream)


def test_tail_then_follow_with_partial_lines(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_bytes(b"".join(f"old {i}\n".encode() for i in range(10)) + b"half")
    reader = follow(path)
    try:
        reader.wait_for(lambda t: t == ["old 7", "old 8", "old 9"], "the last three lines")
        with path.open("ab") as out:
            out.write(b" done\nnew 1\r\nne")
            out.flush()
            reader.wait_for(lambda t: t[-1] == "new 1", "the completed lines")
            assert reader.texts()[3:] == ["half done", "new 1"]
            out.write(b"w 2\n")
        reader.wait_for(lambda t: t[-1] == "new 2", "the rest of a partial line")
        assert all(line.source == "server.log" for line in reader.lines)
    finally:
        reader.close()


def test_rotation_truncation_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_text("first\n")
    reader = follow(path)
    try:
        reader.wait_for(lambda t: t == ["first"], "the tail")
        with path.open("ab") as out:
            out.write(b"before rotation\n")
        reader.wait_for(lambda t: t[-1] == "before rotation", "a line before rotation")
        os.rename(path, tmp_path / "server.log.1")
        with (tmp_path / "server.log.1").open("ab") as out:
            out.write(b"late in the old file\n")
        path.write_bytes(b"new file \xff\xfe bytes\n")
        texts = reader.wait_for(lambda t: "new file \ufffd\ufffd bytes" in t, "the new file")
        assert "late in the old file" in texts
        assert texts.index("late in the old file") < texts.index("new file \ufffd\ufffd bytes")
        assert any("rotated" in t for t in texts)
        path.write_text("")  # truncated in place (copytruncate)
        with path.open("ab") as out:
            out.write(b"after truncation\n")
        texts = reader.wait_for(lambda t: t[-1] == "after truncation", "reading from the start")
        assert any("truncated" in t for t in texts)
        assert texts.count("after truncation") == 1
    finally:
        reader.close()


def test_a_missing_file_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    reader = follow(path)
    try:
        reader.wait_for(lambda t: any("waiting for" in x for x in t), "a waiting notice")
        path.write_text("hello\n")
        reader.wait_for(lambda t: t[-1] == "hello", "the file's first line")
        notices = [line for line in reader.lines if line.text.startswith("[console]")]
        assert all(line.level == "warn" for line in notices)
    finally:
        reader.close()


def test_a_busy_file_arrives_whole_and_in_order(tmp_path: Path) -> None:
    path = tmp_path / "busy.log"
    path.write_text("")
    reader = follow(path, tail=0)
    try:
        assert reader.started.wait(10)
        with path.open("a") as out:
            for i in range(50_000):
                out.write(f"line {i}\n")
        texts = reader.wait_for(lambda t: len(t) >= 50_000, "every line")
        assert texts == [f"line {i}" for i in range(50_000)]
    finally:
        reader.close()


def record(seq: int, **extra: object) -> str:
    body = {
        "seq": seq,
        "time": "2026-03-10T14:00:00Z",
        "actor": {"user": "alice", "host": "laptop", "kube": "alice@prod"},
        "deployment": "llama",
        "action": "step",
        "phase": "outcome",
        "outcome": "ok",
        "before": {"weights": {"stable": 95, "canary": 5}, "mirror_percent": 0},
        "after": {"weights": {"stable": 90, "canary": 10}, "mirror_percent": 0},
        "message": "stepped to 10%",
    }
    body.update(extra)
    return json.dumps(body)


def test_audit_records_are_readable_live_and_malformed_lines_say_so(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text(record(1) + "\n{not json\n")
    reader = Reader(AuditLogSource(path, poll_s=0.02).stream)
    try:
        texts = reader.wait_for(lambda t: len(t) == 2, "both existing lines")
        assert "alice@laptop step llama outcome=ok w 95/5 → w 90/10: stepped to 10%" in texts[0]
        assert texts[1] == "malformed audit record: {not json"
        assert reader.lines[0].time == T0
        assert reader.lines[1].level == "warn"
        with path.open("a") as out:
            out.write(record(2, outcome="failed", error="route changed (409)") + "\n")
        texts = reader.wait_for(lambda t: len(t) == 3, "the appended record")
        assert "outcome=failed" in texts[2] and "route changed (409)" in texts[2]
        assert reader.lines[2].level == "error"
    finally:
        reader.close()


def test_sim_logs_follow_the_fleet() -> None:
    clock = ManualClock(T0)
    fleet = SimFleet("failing-canary", 7, clock=clock)
    generator = SimLogGenerator(fleet)
    start = generator.start()
    pods = {line.source for line in start}
    assert len(pods) == 6  # five stable, one canary
    assert all(line.track in ("stable", "canary") for line in start)
    assert generator.poll() == []  # the clock has not moved
    clock.advance(30)
    lines = generator.poll()
    times = [line.time or 0 for line in lines]
    assert times == sorted(times) and times[0] > T0 and times[-1] <= T0 + 30
    canary_errors = [
        line for line in lines if line.track == "canary" and line.text.startswith("ERROR")
    ]
    assert canary_errors, "a failing canary logs its errors"
    assert not [line for line in lines if line.track == "stable" and "ERROR" in line.text]
    assert any(" 500 Internal Server Error" in line.text for line in lines)
    assert any("Engine 000: Avg prompt throughput" in line.text for line in lines)
    # Scaling the canary up: the new pod starts, loads and then serves.
    fleet.scale(Track.CANARY, 2)
    clock.advance(1)
    joined = generator.poll()
    new = {line.source for line in joined} - pods
    assert len(new) == 1 and any("vLLM API server" in line.text for line in joined)
    clock.advance(200)
    ready = [line for line in generator.poll() if line.source in new]
    assert any("Application startup complete" in line.text for line in ready)
    fleet.scale(Track.CANARY, 1)
    clock.advance(1)
    assert any("Shutting down" in line.text for line in generator.poll())


def test_sim_logs_are_deterministic() -> None:
    def run() -> list[str]:
        clock = ManualClock(T0)
        generator = SimLogGenerator(SimFleet("healthy", 3, clock=clock))
        out = [line.text for line in generator.start()]
        clock.advance(15)
        return out + [line.text for line in generator.poll()]

    assert run() == run()


def test_a_quiet_file_is_looked_at_less_often_until_lines_come() -> None:
    from console.sources.logs_file import QUIET_POLL_S, IdleBackoff

    wait = IdleBackoff(0.1)
    delays = [wait.idle() for _ in range(5)]
    assert delays == [0.1, 0.2, 0.4, QUIET_POLL_S, QUIET_POLL_S]
    wait.busy()
    assert wait.idle() == 0.1
    assert IdleBackoff(2.0).idle() == 2.0  # slower than the cap asked for: kept


def test_a_cold_starting_canary_shows_its_loading_and_its_refused_requests() -> None:
    clock = ManualClock(T0)
    fleet = SimFleet("cold-start", 7, clock=clock)
    generator = SimLogGenerator(fleet)
    generator.start()
    clock.advance(20)
    lines = generator.poll()
    canary = [line for line in lines if line.track == "canary"]
    loading = [line for line in canary if "Loading safetensors checkpoint shards" in line.text]
    assert loading and all(line.source.startswith("llama-v2-") for line in loading)
    refused = [line for line in canary if line.source == "gateway"]
    assert refused, "requests sent to a track with no ready pod are logged"
    assert all("503 UH no_healthy_upstream" in line.text for line in refused)
    assert "0 of 2 pods ready" in refused[0].text
    # As many lines as the canary's refused requests in that time (under the per-poll cap).
    truth = fleet.ground_truth(Track.CANARY, 20)
    assert truth.codes_per_s.server_error
    assert len(refused) == min(round(truth.codes_per_s.server_error * 20), 40)
