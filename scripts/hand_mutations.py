"""The semantic slips a refactor or a tired reviewer makes, each written by hand: for each, the
existing tests of the module are run on the slipped code (does it survive them?) and then the
property tests (is it caught?). Each runs in a throw-away copy; the tree is never touched.

    python scripts/hand_mutations.py            # all of them
    python scripts/hand_mutations.py units-hours
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("console", "widgets", "themes", "tests", "pyproject.toml")


@dataclass(frozen=True)
class Slip:
    name: str
    path: str
    old: str
    new: str
    existing: tuple[str, ...]  # the module's tests before the properties
    catching: tuple[str, ...]  # the tests that must catch it


GATES_TESTS = ("tests/test_gates.py",)
CANARY_TESTS = ("tests/test_canary.py", "tests/test_canary_lifecycle.py")
SLIPS = (
    Slip(
        "gates-missing-error-share-is-zero",
        "console/gates.py",
        "    observed = canary.error_share\n",
        "    observed = 0.0 if canary.error_share is None else canary.error_share\n",
        GATES_TESTS,
        ("tests/test_gates_properties.py",),
    ),
    Slip(
        "gates-share-one-direction",
        "console/gates.py",
        "deviation = abs(observed - configured_percent) / configured_percent",
        "deviation = (configured_percent - observed) / configured_percent",
        GATES_TESTS,
        ("tests/test_gates_properties.py",),
    ),
    Slip(
        "gates-ratio-zero-stable",
        "console/gates.py",
        "        or stable <= 0\n",
        "",
        GATES_TESTS,
        ("tests/test_gates_properties.py",),
    ),
    Slip(
        "audit-hash-leaves-out-time",
        "console/audit.py",
        'if k != "hash"}',
        'if k not in ("hash", "time")}',
        ("tests/test_audit.py",),
        ("tests/test_audit_properties.py",),
    ),
    Slip(
        "audit-secrets-in-lists",
        "console/audit.py",
        "        return [_scrub(v) for v in value]",
        "        return list(value)",
        ("tests/test_audit.py",),
        ("tests/test_audit_properties.py",),
    ),
    Slip(
        "canary-step-shrinks-canary",
        "console/canary/weights.py",
        "warm_to = max(canary_needed, before.canary_replicas)",
        "warm_to = canary_needed",
        CANARY_TESTS,
        ("tests/test_canary_properties.py",),
    ),
    Slip(
        "canary-stable-sized-by-canary-share",
        "console/canary/weights.py",
        "needed_replicas(rps or 0.0, 1 - nxt / 100, cap, headroom)",
        "needed_replicas(rps or 0.0, nxt / 100, cap, headroom)",
        CANARY_TESTS,
        ("tests/test_canary_properties.py",),
    ),
    Slip(
        "canary-revert-conditions-loosened",
        "console/canary/weights.py",
        "before.stable_replicas < stable_needed or state.stable.ready < stable_needed",
        "before.stable_replicas < stable_needed and state.stable.ready < stable_needed",
        CANARY_TESTS,
        ("tests/test_canary_properties.py",),
    ),
    Slip(
        "canary-mirror-over-100",
        "console/canary/plan.py",
        'refusal = "" if 0 <= percent <= 100 else',
        'refusal = "" if 0 <= percent else',
        CANARY_TESTS,
        ("tests/test_canary_properties.py",),
    ),
    Slip(
        "units-hours",
        "console/units.py",
        '"h": 3600.0',
        '"h": 360.0',
        ("tests/test_config.py", "tests/test_cost.py", "tests/test_present.py"),
        ("tests/test_units.py",),
    ),
    Slip(
        "units-days",
        "console/units.py",
        '"d": 86400.0',
        '"d": 8640.0',
        ("tests/test_config.py", "tests/test_cost.py", "tests/test_present.py"),
        ("tests/test_units.py",),
    ),
)


def passes(workspace: Path, tests: tuple[str, ...]) -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=workspace,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def check(slip: Slip) -> tuple[bool, bool]:
    """(survives the existing tests, caught by the catching ones)."""
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__", "__snapshots__")
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, workspace / name, ignore=ignore)
            else:
                shutil.copy2(source, workspace / name)
        target = workspace / slip.path
        text = target.read_text()
        if text.count(slip.old) != 1:
            raise SystemExit(f"{slip.name}: {slip.old!r} is not in {slip.path} exactly once")
        target.write_text(text.replace(slip.old, slip.new))
        existing = [t for t in slip.existing if (workspace / t).exists()]
        return passes(workspace, tuple(existing)), not passes(workspace, slip.catching)


def main(argv: list[str]) -> int:
    chosen = [s for s in SLIPS if not argv or s.name in argv]
    missed = 0
    print(f"{'slip':<40}{'existing tests':>16}{'properties':>12}")
    for slip in chosen:
        survives, caught = check(slip)
        missed += not caught
        print(
            f"{slip.name:<40}{'survives' if survives else 'killed':>16}"
            f"{'caught' if caught else 'MISSED':>12}",
            flush=True,
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
