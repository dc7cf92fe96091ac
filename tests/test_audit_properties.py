"""Audit trail properties over generated records: ``verify`` finds any changed byte, changed
field, removed, reordered or cut record; no secret survives at any depth of a record."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from console.audit import AuditError, AuditLog, Verdict, actor, verify
from tests.budget import budget

FIELDS = ("deployment", "action", "phase", "outcome", "before", "after", "gates", "metrics")
SECRET_NAMES = ("token", "bearer_token", "password", "secret", "authorization")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["stable", "canary", "p99", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
records = st.fixed_dictionaries({}, optional={k: values for k in FIELDS})


@contextmanager
def trail(items: list[dict[str, Any]]) -> Iterator[tuple[Path, bytes]]:
    """The records appended to a fresh trail: its path and its bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.jsonl"
        log = AuditLog(path)
        for item in items:
            log.append(item)
        yield path, path.read_bytes()


def content(data: bytes) -> list[str]:
    """What each line says, canonically (NaN compares equal to itself this way)."""
    return [json.dumps(json.loads(line), sort_keys=True) for line in data.splitlines()]


@budget(100)
@given(st.lists(records, min_size=1, max_size=4), st.data())
def test_any_changed_byte_is_found_unless_nothing_changed(
    items: list[dict[str, Any]], data: st.DataObject
) -> None:
    with trail(items) as (path, original):
        at = data.draw(st.integers(0, len(original) - 1).filter(lambda i: original[i] != 0x0A))
        byte = data.draw(st.integers(0, 255).filter(lambda b: b not in (original[at], 0x0A)))
        tampered = bytearray(original)
        tampered[at] = byte
        path.write_bytes(bytes(tampered))
        if verify(path).ok:
            # Only a change that leaves every record's content as it was may pass (e.g. the
            # case of a hex digit in a \u escape): nothing recorded has changed.
            assert content(bytes(tampered)) == content(original)


@budget(100)
@given(st.lists(records, min_size=1, max_size=4), st.data())
def test_any_changed_field_of_any_record_is_found(
    items: list[dict[str, Any]], data: st.DataObject
) -> None:
    with trail(items) as (path, original):
        lines = original.splitlines()
        index = data.draw(st.integers(0, len(lines) - 1))
        record = json.loads(lines[index])
        key = data.draw(st.sampled_from(sorted(record)))
        new = data.draw(values | st.text(min_size=1))
        assume(json.dumps(new, sort_keys=True) != json.dumps(record[key], sort_keys=True))
        record[key] = new
        lines[index] = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        path.write_bytes(b"\n".join(lines) + b"\n")
        verdict = verify(path)
        assert not verdict.ok, (key, new)
        assert verdict.line == index + 1


@budget(50)
@given(st.lists(records, min_size=2, max_size=5), st.data())
def test_removed_reordered_or_cut_records_are_found(
    items: list[dict[str, Any]], data: st.DataObject
) -> None:
    with trail(items) as (path, original):
        lines = original.splitlines(keepends=True)
        assert verify(path).ok
        # any record but the newest removed (the newest is the trail's head: anchoring it is
        # what finds its removal)
        gone = data.draw(st.integers(0, len(lines) - 2))
        path.write_bytes(b"".join(lines[:gone] + lines[gone + 1 :]))
        assert not verify(path).ok
        # any two records swapped
        i, j = data.draw(
            st.lists(st.integers(0, len(lines) - 1), min_size=2, max_size=2, unique=True)
        )
        swapped = list(lines)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        path.write_bytes(b"".join(swapped))
        assert not verify(path).ok
        # the file cut inside a record (a cut between records, or one dropping only the newline
        # after a whole record, removes the newest records: again the anchored head's part)
        ends = {sum(len(x) for x in lines[: n + 1]) for n in range(len(lines))}
        cut = data.draw(
            st.integers(1, len(original) - 1).filter(lambda c: c not in ends and c + 1 not in ends)
        )
        path.write_bytes(original[:cut])
        assert not verify(path).ok, cut


def secret_marker(n: int) -> str:
    return f"s3cr3t-{n:04d}"


@st.composite
def nested_with_secrets(draw: st.DrawFn, depth: int = 0) -> Any:
    """A JSON tree where every secret-named key (any case) holds a marker string, at any depth
    and inside lists as well as objects."""
    kind = draw(st.sampled_from(["dict", "list", "leaf"] if depth < 4 else ["leaf"]))
    if kind == "leaf":
        return draw(st.integers(0, 9) | st.text(alphabet="abc xyz", max_size=5))
    if kind == "list":
        return draw(st.lists(nested_with_secrets(depth + 1), min_size=1, max_size=3))
    out: dict[str, Any] = {}
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            name = draw(st.sampled_from(SECRET_NAMES))
            cased = "".join(c.upper() if draw(st.booleans()) else c for c in name)
            out[cased] = draw(st.integers(0, 9999).map(secret_marker))
        else:
            out[draw(st.sampled_from(["context", "headers", "items", "auth", "x"]))] = draw(
                nested_with_secrets(depth + 1)
            )
    return out


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {k.lower() for k in value} | set().union(*(keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(v) for v in value))
    return set()


def without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if k.lower() not in SECRET_NAMES}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


@budget(100)
@given(
    st.dictionaries(
        st.sampled_from(["context", "metrics", "token", "Password"]),
        nested_with_secrets(),
        min_size=1,
    )
)
def test_no_secret_survives_at_any_depth(record: dict[str, Any]) -> None:
    with trail([record]) as (path, data):
        text = data.decode()
        assert "s3cr3t-" not in text
        written = json.loads(text)
        assert not keys_anywhere(written) & set(SECRET_NAMES)
        # and everything that is not a secret is kept as it was
        for key, value in without_secrets(record).items():
            assert written[key] == value
        assert verify(path).ok


def test_a_secret_inside_a_list_inside_a_record_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append({"action": "step", "calls": [{"headers": [{"Token": "s3cr3t-1"}]}]})
    written = json.loads(path.read_text())
    assert written["calls"] == [{"headers": [{}]}]


def test_every_field_is_covered_by_the_hash(tmp_path: Path) -> None:
    """Changing any one field of a record, its time and sequence number included, is found."""
    path = tmp_path / "audit.jsonl"
    AuditLog(path).append({"action": "step", "phase": "intent", "message": "m"})
    record = json.loads(path.read_text())
    for key in sorted(k for k in record if k != "hash"):
        changed = dict(record)
        value = record[key]
        changed[key] = value + 1 if isinstance(value, int) else f"{value}x"
        path.write_text(json.dumps(changed) + "\n")
        assert not verify(path).ok, key


# What the trail promises beyond the chain itself, each found unpinned by mutation testing.


def documented_hash(record: dict[str, Any]) -> str:
    """The hash as docs describe it, computed apart: SHA-256 of the record without ``hash`` as
    compact JSON with sorted keys, in UTF-8 (so any tool can check a record)."""
    body = {k: record[k] for k in sorted(record) if k != "hash"}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def test_each_hash_is_the_documented_one(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append(
        {"zeta": 1, "action": "step", "message": "naïve → ünïcode", "nested": {"b": 1, "a": 2}}
    )
    log.append({"action": "revert"})
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["hash"] for r in records] == [documented_hash(r) for r in records]
    assert records[1]["prev"] == records[0]["hash"]
    # stored as UTF-8 text, readable as it was written
    assert "naïve → ünïcode" in path.read_text(encoding="utf-8")


def test_time_is_utc_and_now(tmp_path: Path) -> None:
    before = datetime.now(UTC)
    record = AuditLog(tmp_path / "audit.jsonl").append({"action": "step"})
    when = datetime.fromisoformat(record["time"])
    assert when.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= when <= datetime.now(UTC) + timedelta(seconds=1)


def test_missing_directories_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "audit.jsonl"
    AuditLog(path).append({"action": "step"})
    assert verify(path).ok
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700


def test_a_record_larger_than_the_tail_read_still_links(tmp_path: Path) -> None:
    """The last record is found however long it is (the tail is read in growing chunks)."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for size in (10, 200_000, 10, 70_000, 300_000, 5):
        log.append({"action": "step", "message": "x" * size})
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5, 6]
    verdict = verify(path)
    assert verdict.ok and verdict.records == 6


def test_a_verdict_says_where_and_how_many_records_were_whole(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for n in range(4):
        log.append({"action": "step", "message": str(n)})
    lines = path.read_text().splitlines()
    for index, damage in ((2, lambda line: line.replace('"step"', '"stop"')), (3, lambda _: "[]")):
        broken = list(lines)
        broken[index] = damage(broken[index])
        path.write_text("\n".join(broken) + "\n")
        verdict = verify(path)
        assert verdict.ok is False
        assert (verdict.line, verdict.records) == (index + 1, index)
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    verdict = verify(path)
    assert (verdict.ok, verdict.line, verdict.records) == (False, 2, 1)
    path.write_text("\n".join(lines) + "\n")
    assert verify(path) == Verdict(True, 4)
    missing = verify(tmp_path / "absent.jsonl")
    assert (missing.ok, missing.records, missing.line) == (False, 0, None)
    unreadable = verify(tmp_path)  # a directory
    assert (unreadable.ok, unreadable.records, unreadable.line) == (False, 0, None)
    assert unreadable.reason and missing.reason


def test_actor_names_user_host_and_cluster_identity() -> None:
    who = actor("system:serviceaccount:ops:console")
    assert who == {
        "user": getpass.getuser(),
        "host": socket.gethostname(),
        "kube": "system:serviceaccount:ops:console",
    }
    assert actor(None)["kube"] is None


def test_an_unwritable_trail_is_an_audit_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "audit.jsonl"
    with pytest.raises(AuditError) as caught:
        AuditLog(path).append({"action": "step"})
    assert str(path) in str(caught.value)


def test_actor_without_a_user_name_is_the_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    def nobody() -> str:
        raise KeyError("no passwd entry")

    monkeypatch.setattr(getpass, "getuser", nobody)
    assert actor(None)["user"] == str(os.getuid())
