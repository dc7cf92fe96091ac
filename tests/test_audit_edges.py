"""The audit trail at its edges, in-process: what verify says of every way a trail or its head
can be wrong (ok, records, line, missing, and that it gives a reason); which head files are
heads; appends that the disk cuts short, writes back wrong, or refuses to shorten; torn tails
at chunk boundaries and over the limit; last records longer than a read; a replaced last record
and an emptied one-record trail refused; anchoring (by an append or by hand) at its edges."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

import console.audit as audit_module
from console.audit import GENESIS, AuditError, AuditLog, record_hash, verify
from console.audit_anchor import AnchorError, anchor
from console.audit_head import Head, HeadError, head_path, read_head, write_head


def write(path: Path, count: int) -> AuditLog:
    log = AuditLog(path)
    for n in range(count):
        log.append({"action": "step", "phase": "intent", "message": f"record {n}"})
    return log


def chained(*records: dict[str, Any]) -> bytes:
    """Records linked and hashed as the console writes them (``prev`` and ``hash`` added)."""
    prev, lines = GENESIS, []
    for record in records:
        entry = {**record, "prev": prev}
        entry["hash"] = record_hash(entry)
        prev = entry["hash"]
        lines.append(json.dumps(entry, separators=(",", ":")) + "\n")
    return "".join(lines).encode()


def fields(path: Path) -> tuple[bool, int, int | None, bool]:
    """What verify says, but its words (which it must have whenever the trail is not intact)."""
    verdict = verify(path)
    assert verdict.ok or verdict.reason
    return verdict.ok, verdict.records, verdict.line, verdict.missing


def seqs(path: Path) -> list[int]:
    return [json.loads(line)["seq"] for line in path.read_bytes().splitlines()]


# -- verify: every verdict's fields --------------------------------------------------------------


def test_verify_says_intact_or_broken_with_the_records_before_the_break(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write(path, 3)
    assert fields(path) == (True, 3, None, False)
    whole = path.read_bytes()
    path.write_bytes(whole + b"[1, 2]\n")  # JSON, but not a record
    assert fields(path) == (False, 3, 4, False)
    path.write_bytes(whole + b"not json\n")
    assert fields(path) == (False, 3, 4, False)
    path.write_bytes(whole + b'{"seq":4,"ac')  # torn: no newline
    assert fields(path) == (False, 3, 4, False)


def test_verify_of_a_trail_without_a_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"")
    assert fields(path) == (True, 0, None, False)  # nothing yet: nothing to anchor
    path.write_bytes(chained({"seq": 1}))
    assert fields(path) == (False, 1, None, False)  # records, but cuts cannot be detected


def test_verify_when_the_head_or_the_trail_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write(path, 2)
    head_path(path).write_text("not a head")
    assert fields(path) == (False, 0, None, False)
    head_path(path).unlink()
    head_path(path).mkdir()  # unreadable as a file
    assert fields(path) == (False, 0, None, False)
    head_path(path).rmdir()
    assert fields(tmp_path / "none.jsonl") == (False, 0, None, True)  # no trail: a usage error
    assert fields(tmp_path) == (False, 0, None, True)  # a directory
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)  # cannot be read at all
    assert fields(loop) == (False, 0, None, True)


def test_a_missing_trail_is_broken_only_when_its_head_had_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_head(path, Head(1, "a" * 64, 100))
    assert fields(path) == (False, 0, None, False)
    write_head(path, Head(0, "a" * 64, 0))
    assert fields(path) == (False, 0, None, True)


def test_verify_against_the_head(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write(path, 2)
    head = read_head(path)
    assert head is not None
    write_head(path, Head(head.seq, head.hash, head.size + 1))  # longer than the trail
    assert fields(path) == (False, 2, None, False)
    write_head(path, Head(head.seq, "b" * 64, head.size))  # not the record it names
    assert fields(path) == (False, 2, None, False)
    write_head(path, head)
    assert fields(path) == (True, 2, None, False)


def test_a_record_whose_seq_is_not_a_number_is_still_checked_against_the_head(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    data = chained({"seq": 1}, {"seq": "two"})
    path.write_bytes(data)
    write_head(path, Head(1, json.loads(data.splitlines()[0])["hash"], len(data)))
    assert fields(path) == (True, 2, None, False)


# -- head files --------------------------------------------------------------------------------


def head_file(path: Path, value: object, pad: int = 0) -> None:
    body = json.dumps(value)
    head_path(path).write_text(body + " " * max(pad - len(body), 0))


@pytest.mark.parametrize(
    "value",
    [
        {"seq": -1, "hash": "a" * 64, "size": 0},
        {"seq": True, "hash": "a" * 64, "size": 0},
        {"seq": "1", "hash": "a" * 64, "size": 0},
        {"seq": 1, "hash": "a" * 63, "size": 0},
        {"seq": 1, "hash": 7, "size": 0},
        {"seq": 1, "hash": "a" * 64, "size": -1},
        {"seq": 1, "hash": "a" * 64, "size": False},
        {"seq": 1, "hash": "a" * 64, "size": 1.5},
        {"seq": 1, "hash": "a" * 64},
        [1, "a" * 64, 0],
    ],
)
def test_a_head_file_that_is_not_a_head_is_refused(tmp_path: Path, value: object) -> None:
    path = tmp_path / "audit.jsonl"
    head_file(path, value)
    with pytest.raises(HeadError):
        read_head(path)


def test_a_head_file_may_say_nothing_yet_and_be_up_to_4096_bytes(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    head_file(path, {"seq": 0, "hash": "a" * 64, "size": 0}, pad=4096)
    assert head_path(path).stat().st_size == 4096
    assert read_head(path) == Head(0, "a" * 64, 0)
    head_file(path, {"seq": 0, "hash": "a" * 64, "size": 0}, pad=4097)
    with pytest.raises(HeadError):
        read_head(path)


def test_a_short_head_write_keeps_the_old_head_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    write_head(path, Head(1, "a" * 64, 10))
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, data[:5]))
    with pytest.raises(OSError) as raised:
        write_head(path, Head(2, "b" * 64, 20))
    assert raised.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert read_head(path) == Head(1, "a" * 64, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.jsonl.head"]


def test_a_head_is_written_when_its_directory_cannot_be_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    real = os.open

    def no_directories(name: Any, flags: int, *rest: Any) -> int:
        if Path(name) == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(name, flags, *rest)

    monkeypatch.setattr(os, "open", no_directories)
    write_head(path, Head(3, "c" * 64, 30))
    monkeypatch.undo()
    assert read_head(path) == Head(3, "c" * 64, 30)


# -- appends the disk gets in the way of -----------------------------------------------------------


def is_record(data: bytes) -> bool:
    """A record line as appended (compact JSON), not a head file (``{"seq": …``)."""
    return data.startswith(b'{"seq":') and data[7:8] != b" "


def on_record_writes(monkeypatch: pytest.MonkeyPatch, write: Any, limit: int = 10_000) -> list[int]:
    """Route the writes of records (not of head files) through ``write(fd, data)``; the sizes
    asked for, in order. Past ``limit`` calls the writer is looping: the write fails."""
    real, record_fds, calls = os.write, set(), []

    def patched(fd: int, data: bytes) -> int:
        if is_record(bytes(data[:8])):
            record_fds.add(fd)
        if fd not in record_fds:
            return real(fd, data)
        calls.append(len(data))
        if len(calls) > limit:
            raise OSError(errno.EIO, "the writer loops")
        n: int = write(fd, data)
        return n

    monkeypatch.setattr(audit_module.os, "write", patched)
    return calls


def test_a_record_written_a_byte_at_a_time_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 1)
    real = os.write
    calls = on_record_writes(monkeypatch, lambda fd, data: real(fd, bytes(data[:1])))
    entry = log.append({"action": "revert", "message": "slowly"})
    monkeypatch.undo()
    record = path.read_bytes().splitlines(keepends=True)[1]
    assert calls == list(range(len(record), 0, -1))  # each call asks for what is left
    assert entry["seq"] == 2 and seqs(path) == [1, 2]
    assert verify(path).ok


def test_a_disk_that_takes_nothing_is_full_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 1)
    before = path.read_bytes()
    calls = on_record_writes(monkeypatch, lambda fd, data: 0, limit=100)
    with pytest.raises(AuditError, match="No space left on device"):
        log.append({"action": "revert"})
    monkeypatch.undo()
    assert len(calls) == 1  # no spinning on a full disk
    assert path.read_bytes() == before and verify(path).ok


def test_a_record_read_back_wrong_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    before = path.read_bytes()
    real = os.pread

    def garbled(fd: int, n: int, offset: int) -> bytes:
        data = real(fd, n, offset)
        return b"X" + data[1:] if offset == len(before) and is_record(data) else data

    monkeypatch.setattr(audit_module.os, "pread", garbled)
    with pytest.raises(AuditError, match="nothing of the record was kept"):
        log.append({"action": "revert"})
    monkeypatch.undo()
    assert path.read_bytes() == before and verify(path).ok


def test_a_file_that_cannot_be_cut_back_is_refused_before_appending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    torn = path.read_bytes() + b'{"seq":3,"ac'
    path.write_bytes(torn)

    def refuse(fd: int, size: int) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(audit_module.os, "ftruncate", refuse)
    with pytest.raises(AuditError, match="could not be removed"):
        log.append({"action": "revert"})
    monkeypatch.undo()
    assert path.read_bytes() == torn  # nothing appended after the torn record


def test_a_trail_whose_mode_cannot_be_set_is_still_appended_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 1)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(audit_module.os, "chmod", refuse)
    assert log.append({"action": "revert"})["seq"] == 2
    monkeypatch.undo()
    assert verify(path).ok


def test_what_an_append_repaired_is_empty_unless_it_repaired_something(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    assert log.last_repair == "" and log.repairs == []
    (tmp_path / "audit.jsonl").write_bytes(b'{"seq":1,"ac')
    log.append({"action": "step"})
    assert log.last_repair and len(log.repairs) == 1
    blocked = AuditLog(tmp_path / "a-file" / "audit.jsonl")
    (tmp_path / "a-file").write_text("")
    with pytest.raises(AuditError):
        blocked.append({"action": "step"})  # fails before anything is read
    assert blocked.last_repair == ""


# -- torn tails ---------------------------------------------------------------------------------


def test_a_trail_that_is_one_torn_record_is_emptied_and_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b'{"seq":1,"action":"st')
    entry = AuditLog(path).append({"action": "step"})
    assert entry["seq"] == 1 and entry["prev"] == GENESIS and "repaired" in entry
    assert fields(path) == (True, 1, None, False)


@pytest.mark.parametrize("torn_bytes", [(1 << 16) - 1, (1 << 16) + 1, 70_000])
def test_a_long_torn_tail_is_cut_at_its_own_start(tmp_path: Path, torn_bytes: int) -> None:
    """Torn tails that end or cross the first 64 KiB read: the whole records before stay."""
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    path.write_bytes(path.read_bytes() + b"{" + b"x" * (torn_bytes - 1))
    entry = log.append({"action": "step"})
    assert f"({torn_bytes} bytes" in entry["repaired"]
    assert seqs(path) == [1, 2, 3, 4] and verify(path).ok


def test_a_torn_file_of_more_than_one_read_with_no_newline_is_emptied(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"{" + b"x" * (1 << 16))  # 64 KiB + 1, no newline anywhere
    entry = AuditLog(path).append({"action": "step"})
    assert entry["seq"] == 1 and seqs(path) == [1]


def test_a_torn_tail_over_the_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    whole = path.read_bytes()
    monkeypatch.setattr(audit_module, "MAX_TORN_BYTES", 1 << 16)
    over = whole + b"{" + b"x" * 70_000
    path.write_bytes(over)
    with pytest.raises(AuditError, match="longer than a record can be"):
        log.append({"action": "step"})
    assert path.read_bytes() == over
    path.write_bytes(b"{" + b"x" * (1 << 16))  # no newline at all, one byte over the limit
    with pytest.raises(AuditError, match="longer than a record can be"):
        log.append({"action": "step"})


def test_a_short_torn_tail_is_cut_under_a_small_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    monkeypatch.setattr(audit_module, "MAX_TORN_BYTES", 100)
    assert path.stat().st_size > 200  # the limit is on the torn tail, not the file
    path.write_bytes(path.read_bytes() + b'{"seq":4,')
    assert log.append({"action": "step"})["seq"] == 4


# -- the last record ---------------------------------------------------------------------------


def test_a_last_record_longer_than_a_read_is_found_whole(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    big = log.append({"action": "step", "notes": ["m" * 1000] * 200})  # ~200 KB on one line
    assert len(path.read_bytes().splitlines()[-1]) > 3 * (1 << 16)
    entry = log.append({"action": "revert"})
    assert entry["prev"] == big["hash"]
    assert entry["seq"] == 4 and verify(path).ok


@pytest.mark.parametrize("last", [b"not json\n", b"[1, 2]\n"])
def test_a_damaged_last_line_refuses_the_append(tmp_path: Path, last: bytes) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    damaged = path.read_bytes() + last
    path.write_bytes(damaged)
    with pytest.raises(AuditError):
        log.append({"action": "step"})
    assert path.read_bytes() == damaged


# -- the head checked by an append --------------------------------------------------------------


def test_a_replaced_last_record_is_refused(tmp_path: Path) -> None:
    """The same seq, a whole chain, but not the record the head names."""
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    lines = path.read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    other = {k: v for k, v in json.loads(lines[1]).items() if k not in ("hash",)}
    other["message"] = "not what was written"
    other["prev"] = first["hash"]
    other["hash"] = record_hash(other)
    replaced = lines[0] + json.dumps(other, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(replaced)
    with pytest.raises(AuditError, match="records were removed"):
        log.append({"action": "step"})
    assert path.read_bytes() == replaced


def test_an_emptied_one_record_trail_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 1)
    path.write_bytes(b"")
    with pytest.raises(AuditError, match="records were removed"):
        log.append({"action": "step"})


def test_only_an_anchoring_append_says_it_anchored(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    first = log.append({"action": "step"})
    second = log.append({"action": "step"})
    assert "anchored" not in first and "anchored" not in second
    head_path(path).unlink()
    assert "anchored" in log.append({"action": "step"})


def test_an_anchoring_append_that_fails_leaves_the_anchored_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    head_path(path).unlink()
    before = path.read_bytes()
    on_record_writes(monkeypatch, lambda fd, data: 0)  # the disk is full for the record
    with pytest.raises(AuditError):
        log.append({"action": "step"})
    monkeypatch.undo()
    assert path.read_bytes() == before
    head = read_head(path)
    assert head is not None and (head.seq, head.size) == (3, len(before))
    assert fields(path) == (True, 3, None, False)


# -- anchoring by hand ----------------------------------------------------------------------------


def test_anchor_edges(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"")
    with pytest.raises(AnchorError):
        anchor(path)  # no records to anchor
    write(path, 1)
    head_path(path).write_text("garbage")  # a broken head is replaced
    assert anchor(path).endswith("at record 1")
    assert fields(path) == (True, 1, None, False)
    # a broken link whose record is itself hashed right
    first = json.loads(path.read_bytes())
    relinked = {"seq": 2, "action": "step", "prev": "f" * 64}
    relinked["hash"] = record_hash(relinked)
    path.write_bytes(path.read_bytes() + json.dumps(relinked).encode() + b"\n")
    with pytest.raises(AnchorError, match="broken at line 2"):
        anchor(path)
    assert first["seq"] == 1
