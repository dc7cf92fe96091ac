"""Mutation testing of the decision core: each module group against its own tests, one summary.

Runs mutmut once per group in its own workspace (``.mutation/<group>/``, a copy of the sources
and tests with a ``setup.cfg`` naming what to mutate and which tests judge it), then prints
killed / survived / equivalent / score per group. Equivalent mutants are the ones listed in
``docs/mutation.md`` (a table row per mutant, with its reason); the score is killed over the
mutants that are not equivalent. ``make mutation`` runs every group; name groups to run fewer:

    python scripts/mutation.py gates audit
    python scripts/mutation.py --list
    python scripts/mutation.py --survivors gates      # the last run's survivors, as diffs
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tokenize
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
DOC = ROOT / "docs" / "mutation.md"
COPIED = ("console", "widgets", "themes", "tests", "pyproject.toml")
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9}  # a failing test, a timeout or a crash
#: A test running longer than this under mutation fails (tests/mutation_timeout.py): unmutated,
#: the slowest takes a few seconds, so only a mutant that hangs it is judged by the limit.
TEST_TIMEOUT_S = 20
SURVIVED = {0}


@dataclass(frozen=True)
class Group:
    """Modules mutated together and the tests that judge them."""

    name: str
    modules: tuple[str, ...]  # globs under the repository
    tests: tuple[str, ...]
    target: int  # per cent of non-equivalent mutants that must be killed


GROUPS = (
    Group(
        "gates",
        ("console/gates.py",),
        ("tests/test_gates.py", "tests/test_gates_properties.py"),
        90,
    ),
    Group(
        "audit",
        ("console/audit.py", "console/audit_*.py"),
        (
            "tests/test_audit.py",
            "tests/test_audit_durability.py",
            "tests/test_audit_edges.py",
            "tests/test_audit_properties.py",
        ),
        90,
    ),
    Group(
        "canary",
        (
            "console/canary/plan.py",
            "console/canary/router.py",
            "console/canary/routers.py",
            "console/canary/weights.py",
            "console/canary/replicas.py",
        ),
        (
            "tests/test_canary.py",
            "tests/test_canary_carry_out.py",
            "tests/test_canary_lifecycle.py",
            "tests/test_canary_plans.py",
            "tests/test_canary_properties.py",
            "tests/test_canary_runs.py",
        ),
        90,
    ),
    Group(
        "units",
        ("console/units.py",),
        (
            "tests/test_units.py",
            "tests/test_config.py",
            "tests/test_cost.py",
            "tests/test_present.py",
        ),
        85,
    ),
    Group(
        "cost",
        ("console/cost/model.py", "console/cost/usage.py"),
        ("tests/test_cost.py", "tests/test_cost_properties.py"),
        85,
    ),
    Group(
        "config",
        (
            "console/config/loader.py",
            "console/config/environment.py",
            "console/config/settings.py",
            "console/config/sections.py",
        ),
        ("tests/test_config.py", "tests/test_config_validation.py"),
        85,
    ),
    Group(
        "present",
        ("console/present.py",),
        (
            "tests/test_present.py",
            "tests/test_present_layout.py",
            "tests/test_present_properties.py",
        ),
        85,
    ),
)


def modules_of(group: Group) -> list[str]:
    found: list[str] = []
    for pattern in group.modules:
        found += [
            str(p.relative_to(ROOT))
            for p in sorted(ROOT.glob(pattern))
            if p.name != "__init__.py" and str(p.relative_to(ROOT)) not in found
        ]
    return found


def tests_of(group: Group) -> list[str]:
    return [t for t in group.tests if (ROOT / t).exists()]


def prepare(group: Group) -> Path:
    """A fresh workspace: the sources and tests as they are now, and mutmut's configuration."""
    workspace = WORK / group.name
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "__snapshots__")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workspace / name, ignore=ignore)
        else:
            shutil.copy2(source, workspace / name)
    lines = [
        "[mutmut]",
        "source_paths = console",
        "also_copy =",
        "    widgets",
        "    themes",
        "only_mutate =",
        *(f"    {m}" for m in modules_of(group)),
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in tests_of(group)),
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -p",
        "    tests.mutation_timeout",
        "    -x",
        "use_git_change_detection = false",
        "",
    ]
    (workspace / "setup.cfg").write_text("\n".join(lines))
    return workspace


def equivalents() -> dict[str, str]:
    """Mutant name → reason, from the table in docs/mutation.md (`| `name` | reason |`)."""
    if not DOC.exists():
        return {}
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|\s*$", DOC.read_text(), re.MULTILINE)
    return dict(rows)


def results(workspace: Path) -> dict[str, int | None]:
    """Every mutant of the last run in ``workspace`` with mutmut's exit code for it."""
    codes: dict[str, int | None] = {}
    for meta in sorted((workspace / "mutants").rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


@cache
def _functions(path: Path) -> dict[str, str]:
    """Every function (methods too) of a mutated module: name → source."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    return {
        node.name: "".join(lines[node.lineno - 1 : node.end_lineno])
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _tokens(source: str) -> list[tuple[int, str]]:
    body = textwrap.dedent(source)
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    return [
        (t.type, t.string)
        for t in tokenize.generate_tokens(io.StringIO(body).readline)
        if t.type not in skip
    ]


def wording(workspace: Path, name: str) -> bool:
    """Whether the mutant only rewords a message: one string token that holds prose (it has a
    space) replaced by another string or None. Keys, names and field values have no space and
    stay behaviour; a test that kills a wording mutant pins a message, not a behaviour."""
    match = re.match(r"^(.*?)\.(xǁ.*|x_.*)$", name)
    if not match:
        return False
    module = workspace / "mutants" / Path(*match.group(1).split("."))
    path = module / "__init__.py" if module.is_dir() else module.with_suffix(".py")
    functions = _functions(path)
    original_name = re.sub(r"__mutmut_\d+$", "__mutmut_orig", match.group(2))
    original, mutant = functions.get(original_name), functions.get(match.group(2))
    if original is None or mutant is None:
        return False
    before, after = _tokens(original), _tokens(mutant.replace(match.group(2), original_name, 1))
    if len(before) != len(after):
        return False
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    if len(changed) != 1:
        return False
    (kind, text), (new_kind, new_text) = changed[0]
    if kind != tokenize.STRING or not (new_kind == tokenize.STRING or new_text == "None"):
        return False
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return True  # an f-string: always a message here
    return isinstance(value, str) and " " in value


@dataclass(frozen=True)
class Score:
    group: Group
    total: int
    killed: int
    survived: list[str]
    equivalent: int
    wording: int  # message-only mutants, killed or not: not scored
    untested: list[str]  # no test reached the function, or mutmut could not judge it
    raw_killed: int  # killed among all mutants, wording included (mutmut's own figure)
    seconds: float

    @property
    def judged(self) -> int:
        return self.killed + len(self.survived) + len(self.untested)

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.judged if self.judged else 100.0

    @property
    def raw_percent(self) -> float:
        return 100.0 * self.raw_killed / self.total if self.total else 100.0


def score(group: Group, workspace: Path, seconds: float) -> Score:
    known = equivalents()
    killed = raw_killed = equivalent = words = 0
    survived: list[str] = []
    untested: list[str] = []
    codes = results(workspace)
    for name, code in codes.items():
        raw_killed += code in KILLED
        if name in known:
            equivalent += 1
        elif wording(workspace, name):
            words += 1
        elif code in KILLED:
            killed += 1
        elif code in SURVIVED:
            survived.append(name)
        else:
            untested.append(name)
    return Score(
        group, len(codes), killed, survived, equivalent, words, untested, raw_killed, seconds
    )


def run(group: Group, children: int) -> Score:
    workspace = prepare(group)
    started = time.monotonic()
    # every mutant reruns the properties: a fifth of their examples, seeded (tests/budget.py)
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "CONSOLE_PROPERTY_SCALE": "0.2",
        "CONSOLE_TEST_TIMEOUT": str(TEST_TIMEOUT_S),
    }
    log = workspace / "mutmut.log"
    with log.open("w") as out:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(children)],
            cwd=workspace,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    if done.returncode != 0:
        tail = log.read_text().splitlines()[-15:]
        raise SystemExit(f"mutmut failed for {group.name} (see {log}):\n" + "\n".join(tail))
    return score(group, workspace, time.monotonic() - started)


def show_survivors(group: Group) -> None:
    workspace = WORK / group.name
    known = equivalents()
    for name, code in results(workspace).items():
        if code not in KILLED and name not in known and not wording(workspace, name):
            diff = subprocess.run(
                [str(Path(sys.executable).parent / "mutmut"), "show", name],
                cwd=workspace,
                capture_output=True,
                text=True,
                check=False,
            )
            print(diff.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help="groups to run (default: all)")
    parser.add_argument("--list", action="store_true", help="print the groups and exit")
    parser.add_argument("--survivors", action="store_true", help="show the last run's survivors")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--score-only", action="store_true", help="score the last run again without running"
    )
    args = parser.parse_args(argv)
    by_name = {g.name: g for g in GROUPS}
    unknown = [g for g in args.groups if g not in by_name]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r} (groups: {', '.join(by_name)})")
    chosen = [by_name[g] for g in args.groups] or list(GROUPS)
    if args.list:
        for g in chosen:
            print(f"{g.name}: {' '.join(modules_of(g))}  <-  {' '.join(tests_of(g))}")
        return 0
    if args.survivors:
        for g in chosen:
            show_survivors(g)
        return 0
    print(
        f"{'group':<9}{'mutants':>8}{'wording':>8}{'equiv.':>7}{'killed':>7}{'survived':>9}"
        f"{'no test':>8}{'raw':>7}{'score':>7}{'target':>7}{'time':>7}"
    )
    below = []
    for g in chosen:
        s = score(g, WORK / g.name, 0.0) if args.score_only else run(g, args.children)
        flag = "" if s.percent >= g.target else "  below target"
        print(
            f"{g.name:<9}{s.total:>8}{s.wording:>8}{s.equivalent:>7}{s.killed:>7}"
            f"{len(s.survived):>9}{len(s.untested):>8}{s.raw_percent:>6.1f}%{s.percent:>6.1f}%"
            f"{g.target:>6}%{s.seconds:>6.0f}s{flag}",
            flush=True,
        )
        if flag:
            below.append(g.name)
    if below:
        print(f"below target: {', '.join(below)} (python scripts/mutation.py --survivors NAME)")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
