"""The audit trail: hash chain, verify, tamper detection, modes, secrets, concurrent writers."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

from console.audit import GENESIS, AuditLog, record_hash, verify
from console.cli import main


def write_three(path: Path) -> AuditLog:
    log = AuditLog(path)
    for n in range(3):
        log.append({"action": "step", "phase": "intent", "message": f"record {n}"})
    return log


def test_chain_links_every_record(tmp_path: Path) -> None:
    path = tmp_path / "a" / "audit.jsonl"
    write_three(path)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [r["seq"] for r in lines] == [1, 2, 3]
    assert lines[0]["prev"] == GENESIS
    assert lines[1]["prev"] == lines[0]["hash"] and lines[2]["prev"] == lines[1]["hash"]
    assert all(r["hash"] == record_hash(r) for r in lines)
    assert str(verify(path)) == "audit trail intact: 3 records"


def test_one_changed_byte_is_found_and_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_three(path)
    data = bytearray(path.read_bytes())
    at = data.index(b"record 1")
    data[at + len("record ")] = ord("7")
    path.write_bytes(bytes(data))
    verdict = verify(path)
    assert not verdict.ok
    assert str(verdict) == "audit trail broken at line 2: its hash does not match its content"


def test_a_removed_record_breaks_the_link(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_three(path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[2])
    assert str(verify(path)) == (
        "audit trail broken at line 2: does not link to the record before it"
    )


def test_garbage_line_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write_three(path)
    with path.open("a") as handle:
        handle.write("not json\n")
    assert str(verify(path)) == "audit trail broken at line 4: not a JSON record"
    absent = verify(tmp_path / "absent.jsonl")
    assert not absent.ok and absent.missing
    assert str(absent) == f"no audit trail at {tmp_path / 'absent.jsonl'}: no such file"


def test_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "audit.jsonl"
    write_three(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_secrets_never_reach_a_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append(
        {"action": "step", "context": {"bearer_token": "s3cr3t-t0ken", "Authorization": "x"}}
    )
    text = path.read_text()
    assert "s3cr3t" not in text and "Authorization" not in text
    assert verify(path).ok


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"

    def writer(n: int) -> None:
        log = AuditLog(path)  # separate handles, as two consoles would have
        for i in range(25):
            log.append({"action": "step", "message": f"{n}-{i}"})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    verdict = verify(path)
    assert verdict.ok and verdict.records == 100
    seqs = [json.loads(x)["seq"] for x in path.read_text().splitlines()]
    assert seqs == list(range(1, 101))


def test_audit_verify_command(tmp_path: Path, capsys: object) -> None:
    path = tmp_path / "audit.jsonl"
    write_three(path)
    assert main(["audit", "verify", str(path)]) == 0
    path.write_bytes(path.read_bytes().replace(b"record 2", b"record 9"))
    assert main(["audit", "verify", str(path)]) == 1
    err = capsys.readouterr()  # type: ignore[attr-defined]
    assert "audit trail broken at line 3: its hash does not match its content" in err.err


def test_audit_verify_on_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: object) -> None:
    assert main(["audit", "verify", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert err == f"inference-console: no audit trail at {tmp_path / 'nope.jsonl'}: no such file\n"
    assert "None" not in err
