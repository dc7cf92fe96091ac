"""Layering rules: the headless core, sources and simulator import no Textual, and
``widgets/`` imports nothing from ``console/``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = sorted(
    [
        p
        for p in (ROOT / "console").glob("*.py")
        if p.stem
        in {"model", "config", "units", "clock", "errors", "gates", "present", "cost"}
        | {"canary", "canary_plan", "canary_record", "canary_replicas", "canary_undo", "audit"}
        | {"canary_state"}
    ]
    + list((ROOT / "console" / "sources").glob("*.py"))
    + list((ROOT / "console" / "sim").glob("*.py"))
    + list((ROOT / "console" / "traffic").glob("*.py"))
)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_core_list_is_not_empty() -> None:
    names = {module_name(p) for p in CORE}
    assert {"console.model", "console.gates", "console.present", "console.sim"} <= names
    assert {"console.traffic.generator", "console.traffic.client"} <= names


@pytest.mark.parametrize("path", CORE, ids=module_name)
def test_core_module_imports_no_textual(path: Path) -> None:
    name = module_name(path)
    code = (
        f"import sys, importlib; importlib.import_module({name!r}); "
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{name} pulls in {result.stdout.strip()}"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_widgets_import_nothing_from_console() -> None:
    files = list((ROOT / "widgets").rglob("*.py"))
    assert files
    for path in files:
        bad = {m for m in imported_modules(path) if m == "console" or m.startswith("console.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_kubernetes_is_not_imported_at_start_up() -> None:
    code = (
        "import sys; import console.cli, console.app, console.factory; "
        "print(any(m == 'kubernetes' or m.startswith('kubernetes.') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_start_up_does_not_import_the_cost_model() -> None:
    code = (
        "import sys; import console.cli, console.app, console.factory; "
        "console.cli.build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith('console.cost')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
