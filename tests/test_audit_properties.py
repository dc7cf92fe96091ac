"""Audit trail properties over generated records: ``verify`` finds any changed byte, changed
field, removed, reordered or cut record; no secret survives at any depth of a record."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from console.audit import AuditLog, verify
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
