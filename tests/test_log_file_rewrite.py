"""A followed file rewritten between two looks, a path that is for a while a directory, and each
line's own time from its stamp (vLLM, ISO/RFC 3339, Python asctime, SGLang, klog, JSON)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.sources.log_time import line_time
from console.sources.logs_file import FileFollower, FileLogSource
from tests.waiting import eventually


class Reader:
    """Runs a file source's stream in a thread and collects the texts it yields."""

    def __init__(self, path: Path, tail: int) -> None:
        self.stop = threading.Event()
        self.lines: list[str] = []
        self._lock = threading.Lock()
        source = FileLogSource(path, tail_lines=tail, poll_s=0.02)
        self._thread = threading.Thread(target=self._run, args=(source,), daemon=True)
        self._thread.start()

    def _run(self, source: FileLogSource) -> None:
        for batch in source.stream(self.stop):
            with self._lock:
                self.lines.extend(line.text for line in batch)

    def texts(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def wait_for(self, predicate: Callable[[list[str]], bool], what: str) -> list[str]:
        eventually(lambda: predicate(self.texts()), what, detail=lambda: str(self.texts()[-5:]))
        return self.texts()

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        assert not self._thread.is_alive()


def follow(path: Path, tail: int = 3) -> Reader:
    return Reader(path, tail)


def stamp(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_truncated_and_rewritten_longer_between_two_looks_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_bytes(b"".join(f"old line {i}\n".encode() for i in range(5)))
    follower = FileFollower(path)
    try:
        assert follower.tail(10) == [f"old line {i}".encode() for i in range(5)]
        # Between two looks the file is emptied and written again, longer than before.
        new = [f"new {i:03d} after the rewrite, longer than before" for i in range(8)]
        with path.open("r+b") as out:
            out.truncate(0)
            out.write("".join(f"{line}\n" for line in new).encode())
        assert path.stat().st_size > 5 * len("old line 0\n")
        assert [raw.decode() for raw in follower.poll()] == new
        assert follower.notices == [
            f"{path} was truncated and rewritten (now {path.stat().st_size:,} bytes); "
            "reading it from the start"
        ]
        follower.notices.clear()
        with path.open("ab") as out:
            out.write(b"appended\n")
        assert follower.poll() == [b"appended"]
        assert follower.notices == []  # an append is not a rewrite
    finally:
        follower.close()


def test_rewrite_while_a_line_is_half_written_shows_no_fragment(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_bytes(b"first\nsecond half-writ")
    follower = FileFollower(path)
    try:
        assert follower.tail(10) == [b"first"]
        longer = b"rewritten two, a longer line than the old one"
        path.write_bytes(b"rewritten one\n" + longer + b"\n")
        assert follower.poll() == [b"rewritten one", longer]
    finally:
        follower.close()


def test_rewritten_within_50_ms_while_followed(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_text("".join(f"before {i}\n" for i in range(3)))
    reader = follow(path, tail=10)
    try:
        reader.wait_for(lambda t: t[-1:] == ["before 2"], "the tail")
        with path.open("r+b") as out:  # truncate, then write longer at once: one look apart
            out.truncate(0)
            out.write(b"".join(f"after {i} with more text\n".encode() for i in range(6)))
        texts = reader.wait_for(lambda t: t[-1:] == ["after 5 with more text"], "the rewrite")
        assert [t for t in texts if t.startswith("after")] == [
            f"after {i} with more text" for i in range(6)
        ]
        assert any("truncated" in t for t in texts if t.startswith("[console]"))
        # No fragment: every line shown is a whole line of one of the two versions.
        assert all(t.startswith(("before", "after", "[console]")) for t in texts), texts
    finally:
        reader.close()


def test_a_path_that_is_a_directory_for_a_while_is_followed_again(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_text("one\n")
    reader = follow(path, tail=10)
    try:
        reader.wait_for(lambda t: t == ["one"], "the tail")
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("not a log\n")
        reader.wait_for(lambda t: any("is not a file" in x for x in t), "the notice")
        shutil.rmtree(path)
        path.write_text("two\n")
        texts = reader.wait_for(lambda t: t[-1] == "two", "the file again")
        assert "not a log" not in texts
        assert any("appeared; following it" in t for t in texts)
    finally:
        reader.close()


def test_a_directory_from_the_start_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.mkdir()
    follower = FileFollower(path)
    try:
        assert follower.tail(5) == [] and follower.poll() == []
        assert follower.notices == [f"{path} is not a file; waiting for one"]
        path.rmdir()
        path.write_text("hello\n")
        assert follower.poll() == [b"hello"]
    finally:
        follower.close()


NOW = stamp("2026-12-04T20:30:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # vLLM: "%(levelname)s %(asctime)s [file:line] msg" with "%m-%d %H:%M:%S", optionally
        # after a process prefix.
        ("INFO 12-04 20:12:01 [engine.py:300] Avg prompt throughput", "2026-12-04T20:12:01"),
        ("(APIServer pid=7) WARNING 12-04 20:12:02 [api_server.py:9] x", "2026-12-04T20:12:02"),
        # RFC 3339 (TGI's tracing, Go), Python logging's asctime, SGLang's bracket.
        ("2026-12-04T20:12:01.529841Z  INFO router: x", "2026-12-04T20:12:01.529841"),
        ("2026-12-04T21:12:01.5+01:00 msg", "2026-12-04T20:12:01.5"),
        ("2026-12-04 20:12:01,123 - INFO - x", "2026-12-04T20:12:01.123"),
        ("[2026-12-04 20:12:01 TP0] Prefill batch", "2026-12-04T20:12:01"),
        # klog
        ("I1204 20:12:01.123456       1 main.go:12] started", "2026-12-04T20:12:01.123456"),
        # JSON: an ISO string or an epoch number (seconds, ms, ns)
        ('{"level":"info","time":"2026-12-04T20:12:01.250Z","msg":"x"}', "2026-12-04T20:12:01.25"),
        ('{"ts": 1796415121.5, "msg": "x"}', None),
        ('{"timestamp": 1796415121500, "msg": "x"}', None),
    ],
)
def test_the_line_s_own_time(text: str, expected: str | None) -> None:
    got = line_time(text, NOW)
    if expected is not None:
        assert got == pytest.approx(stamp(expected), abs=1e-6)
    else:
        assert got == pytest.approx(1796415121.5, abs=1e-3)


def test_a_stamp_without_a_year_takes_the_year_nearest_to_its_arrival() -> None:
    new_year = stamp("2027-01-01T00:00:05")
    assert line_time("ERROR 12-31 23:59:59 [x.py:1] y", new_year) == stamp("2026-12-31T23:59:59")
    assert line_time("I0101 00:00:01.000000 1 a.go:1] y", new_year) == stamp("2027-01-01T00:00:01")
    assert line_time("INFO 12-31 23:59:59 [x.py:1] y", float("nan")) is None


@pytest.mark.parametrize(
    "text",
    [
        'INFO:     10.0.0.1:4242 - "POST /v1/chat/completions HTTP/1.1" 200 OK',  # uvicorn
        "plain words",
        "",
        "2026-13-45T99:99:99Z broken date",
        '{"msg": "no time"}',
        '{"ts": 1e999}',
        "INFO 02-30 10:00:00 [x.py:1] no such day",
    ],
)
def test_lines_without_a_usable_stamp_have_no_own_time(text: str) -> None:
    assert line_time(text, NOW) is None


def test_the_file_source_uses_the_stamp_and_else_the_arrival_time(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_text(
        "INFO 12-04 20:12:01 [engine.py:300] with a stamp\n"
        'INFO:     10.0.0.1:4242 - "GET /health HTTP/1.1" 200 OK\n'
    )
    source = FileLogSource(path, tail_lines=10, now=lambda: NOW)
    lines = next(iter(source.stream(_never())))
    assert [line.time for line in lines] == [stamp("2026-12-04T20:12:01"), NOW]


def _never() -> threading.Event:
    return threading.Event()


def test_reading_the_same_file_again_after_an_error_goes_on_where_it_was(tmp_path: Path) -> None:
    path = tmp_path / "server.log"
    path.write_text("a\n")
    follower = FileFollower(path)
    try:
        follower.tail(10)
        assert follower._fd is not None
        os.close(follower._fd)  # a read error on the open file: reading a directory fails
        follower._fd = os.open(tmp_path, os.O_RDONLY)
        assert follower.poll() == []
        assert follower.notices[-1].startswith(f"cannot read {path}: ")
        with path.open("a") as out:
            out.write("b\n")
        assert follower.poll() == [b"b"]  # not "a" again
    finally:
        follower.close()


def test_a_write_cut_back_and_redone_is_read_once_without_a_notice(tmp_path: Path) -> None:
    """What the audit trail does on a failed append: a half record, cut back, then the next
    record at the same place. Nothing is read twice, nothing glued, nothing said."""
    path = tmp_path / "audit.jsonl"
    path.write_text("one\ntwo\n")
    follower = FileFollower(path)
    try:
        assert follower.tail(10) == [b"one", b"two"]
        size = path.stat().st_size
        with path.open("ab") as out:
            out.write(b'{"half a rec')
        assert follower.poll() == []
        os.truncate(path, size)
        assert follower.poll() == []
        with path.open("ab") as out:
            out.write(b'{"half again')
        assert follower.poll() == []
        os.truncate(path, size)
        with path.open("ab") as out:  # cut back and redone between two looks
            out.write(b"three\n")
        assert follower.poll() == [b"three"]
        assert follower.notices == []
    finally:
        follower.close()
