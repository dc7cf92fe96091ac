"""The audit trail on a full disk, after a torn write, and cut short: whole records or none, a
torn tail removed and said, a trail shorter than its head refused and reported."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from console.audit import AuditError, AuditLog, verify
from console.audit_head import head_path, read_head
from console.cli import main

REPO = Path(__file__).resolve().parent.parent

APPEND_UNDER_LIMIT = """
import resource, sys
from pathlib import Path
from console.audit import AuditError, AuditLog
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    AuditLog(Path(sys.argv[1])).append({"action": "step", "message": sys.argv[3]})
except AuditError as err:
    print(err)
    sys.exit(1)
"""


def write(path: Path, count: int) -> AuditLog:
    log = AuditLog(path)
    for n in range(count):
        log.append({"action": "step", "phase": "intent", "message": f"record {n}"})
    return log


def append_with_file_size_limit(
    path: Path, limit: int, message: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", APPEND_UNDER_LIMIT, str(path), str(limit), message],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_a_full_disk_keeps_no_part_of_the_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    before, head_before = path.read_bytes(), head_path(path).read_bytes()
    # Room for half of the next record: the write is cut short by the kernel (EFBIG).
    done = append_with_file_size_limit(path, len(before) + 120, "x" * 400)
    assert done.returncode == 1, done.stderr
    assert "cannot write the audit trail" in done.stdout
    assert "nothing of the record was kept" in done.stdout
    assert path.read_bytes() == before
    assert head_path(path).read_bytes() == head_before
    assert verify(path).ok
    # With room again the chain goes on from the last whole record.
    entry = log.append({"action": "revert", "message": "after the disk was freed"})
    assert entry["seq"] == 4 and "repaired" not in entry
    assert str(verify(path)) == "audit trail intact: 4 records"


@pytest.mark.slow
def test_a_record_that_fits_is_written_under_the_same_limit(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    write(path, 1)
    size = path.stat().st_size
    done = append_with_file_size_limit(path, size + 4096, "small")
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(verify(path)) == "audit trail intact: 2 records"


def test_a_torn_tail_is_removed_by_the_next_append_which_says_so(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    torn = b'{"seq":3,"time":"2026-01-01T00:00:00Z","action":"st'
    with path.open("ab") as out:  # a writer killed mid-record
        out.write(torn)
    broken = verify(path)
    assert not broken.ok and broken.line == 3 and "torn record" in broken.reason
    entry = log.append({"action": "step", "message": "next"})
    assert entry["seq"] == 3
    assert entry["repaired"].startswith(
        f"removed a torn record at the end ({len(torn)} bytes, sha256 "
    )
    assert log.last_repair == entry["repaired"]
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(x)["seq"] == n for n, x in enumerate(lines, 1))
    assert str(verify(path)) == "audit trail intact: 3 records"


def test_records_cut_off_the_end_are_detected_and_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 4)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))
    verdict = verify(path)
    assert not verdict.ok and verdict.line is None
    assert str(verdict).startswith(
        "audit trail broken: it ends at record 2 ("
    ) and "its head file says record 4" in str(verdict)
    with pytest.raises(AuditError, match="ends at record 2 but its head file says 4"):
        log.append({"action": "step"})
    assert path.read_bytes() == b"".join(lines[:2])


def test_an_emptied_or_deleted_trail_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    path.write_bytes(b"")
    assert "it ends at record 0" in str(verify(path))
    with pytest.raises(AuditError, match="records were removed"):
        log.append({"action": "step"})
    path.unlink()
    verdict = verify(path)
    assert not verdict.ok and not verdict.missing
    assert str(verdict) == (
        f"audit trail broken: {path} is missing but its head file says it had 2 records"
    )
    assert main(["audit", "verify", str(path)]) == 1


def test_a_trail_without_its_head_is_anchored_by_the_next_append_when_whole(
    tmp_path: Path,
) -> None:
    # A trail written before heads existed: verify says so; the next append checks the whole
    # chain, anchors it, and its record says it did.
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    head_path(path).unlink()
    assert "no head file (audit.jsonl.head)" in str(verify(path))
    entry = log.append({"action": "step"})
    assert entry["anchored"].endswith("anchored at 3")
    assert str(verify(path)) == "audit trail intact: 4 records"


def test_a_broken_trail_without_its_head_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    head_path(path).unlink()
    path.write_bytes(path.read_bytes().replace(b"record 1", b"record 9"))
    before = path.read_bytes()
    with pytest.raises(
        AuditError, match=r"no head file .* cannot be anchored: the chain is broken"
    ):
        log.append({"action": "step"})
    assert path.read_bytes() == before and not head_path(path).exists()


def test_a_trail_without_its_head_can_be_anchored_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 3)
    head_path(path).unlink()
    assert main(["audit", "anchor", str(path)]) == 0
    assert capsys.readouterr().out == f"anchored {path} at record 3\n"
    assert read_head(path) is not None
    assert stat_mode(head_path(path)) == 0o600
    assert verify(path).ok
    log.append({"action": "step"})
    assert str(verify(path)) == "audit trail intact: 4 records"


def test_anchor_refuses_a_broken_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    write(path, 3)
    path.write_bytes(path.read_bytes().replace(b"record 1", b"record 9"))
    head = head_path(path).read_bytes()
    assert main(["audit", "anchor", str(path)]) == 1
    assert "the chain is broken at line 2" in capsys.readouterr().err
    assert head_path(path).read_bytes() == head


def stat_mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.mark.slow
def test_a_failed_outcome_write_makes_the_cli_exit_non_zero(tmp_path: Path) -> None:
    """The intent fits under the file size limit, the outcome does not: the mirror is done, the
    outcome cannot be recorded (nothing of it is kept), and the exit status is not 0."""
    audit = tmp_path / "audit.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[audit]\npath = "{audit}"\n\n[[deployments]]\nname = "llama"\n'
        'namespace = "inference"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "console", "canary", "mirror", "10"]
    command += ["--config", str(config), "--yes"]
    # First without a limit, to learn how long the intent and the outcome records are.
    first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    intent, outcome = audit.read_bytes().splitlines(keepends=True)
    audit.unlink()
    head_path(audit).unlink()
    limit = len(intent) + len(outcome) // 2

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    second = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, preexec_fn=cap
    )
    assert second.returncode == 1, second.stdout + second.stderr
    assert "inference-console: the outcome could not be written to the audit trail" in second.stderr
    assert "(the outcome was not audited: cannot write the audit trail" in second.stdout
    assert "File too large; nothing of the record was kept" in second.stdout
    assert audit.read_bytes().count(b"\n") == 1  # the intent, whole; nothing of the outcome
    assert json.loads(audit.read_bytes())["phase"] == "intent"
    assert verify(audit).ok


def test_the_cli_says_when_it_removed_a_torn_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = tmp_path / "audit.jsonl"
    write(audit, 1)
    with audit.open("ab") as out:
        out.write(b'{"seq":2,"action":"mir')
    config = tmp_path / "config.toml"
    config.write_text(
        f'[audit]\npath = "{audit}"\n\n[[deployments]]\nname = "llama"\n'
        'namespace = "inference"\nstable = "llama-v1"\ncanary = "llama-v2"\n'
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert main(["canary", "mirror", "10", "--config", str(config), "--yes"]) == 0
    err = capsys.readouterr().err
    assert "audit trail: removed a torn record at the end (22 bytes, sha256 " in err
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert "repaired" in records[1] and "repaired" not in records[2]
    assert verify(audit).ok


def test_a_record_whose_head_cannot_be_moved_is_cut_back(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = write(path, 2)
    before, head_before = path.read_bytes(), head_path(path).read_bytes()
    blocker = tmp_path / f".audit.jsonl.head.{os.getpid()}.tmp"
    blocker.mkdir()  # where the new head would be written first
    with pytest.raises(AuditError, match="cannot move its head"):
        log.append({"action": "step"})
    assert path.read_bytes() == before and head_path(path).read_bytes() == head_before
    blocker.rmdir()
    assert log.append({"action": "step"})["seq"] == 3
    assert str(verify(path)) == "audit trail intact: 3 records"
