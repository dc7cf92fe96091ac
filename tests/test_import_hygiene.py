"""Layering rules, deny-by-default by folder: every module under ``console/`` outside
``console/tui/`` imports no Textual (and no widget but the plain ``widgets.data`` and the
text cleaning of ``widgets.safe_text``), nothing lower
imports the UI, the CLI or the factory, and ``widgets/`` imports nothing from ``console/``; what
tests share lives in support modules, never in another test module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSOLE = ROOT / "console"
UI = CONSOLE / "tui"
#: What assembles the console (the entry points and the factory): may import anything.
TOP = {"console.cli", "console.__main__", "console.factory", "console.context"}
HEADLESS = sorted(
    p for p in CONSOLE.rglob("*.py") if UI not in p.parents and "__pycache__" not in p.parts
)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (function-local imports too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _under(module: str, *roots: str) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def test_the_headless_set_is_found_by_folder() -> None:
    names = {module_name(p) for p in HEADLESS}
    assert {"console.model", "console.gates", "console.canary.controller"} <= names
    assert {"console.sources.prometheus", "console.sim.fleet", "console.cost"} <= names
    assert not any(n.startswith("console.tui") for n in names)


@pytest.mark.parametrize("path", HEADLESS, ids=module_name)
def test_headless_module_imports_no_ui(path: Path) -> None:
    name = module_name(path)
    # The entry points launch the UI (``console.tui.app``) but import no Textual themselves.
    launches = _under(name, "console.commands", "console.cli", "console.__main__")
    bad = {
        m
        for m in imported_modules(path)
        if _under(m, "textual", "themes")
        or (_under(m, "console.tui") and not launches)
        or (_under(m, "widgets") and not _under(m, "widgets.data", "widgets.safe_text"))
    }
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", HEADLESS, ids=module_name)
def test_nothing_lower_imports_the_cli_or_the_factory(path: Path) -> None:
    """The CLI sits on top; the factory and the context below it assemble the core; the core
    imports neither (the factory imports no CLI module either)."""
    name = module_name(path)
    if _under(name, "console.commands", "console.cli", "console.__main__"):
        return  # the CLI layer itself
    above = ("console.commands", "console.cli", "console.__main__")
    if name not in TOP:
        above = (*above, *TOP)
    bad = {m for m in imported_modules(path) if _under(m, *above)}
    assert not bad, f"{name} imports {sorted(bad)}"


@pytest.mark.slow
def test_headless_modules_pull_in_no_textual_when_imported() -> None:
    """The static rule above, checked at run time: import every headless module in one fresh
    interpreter (those that run something when imported excepted) and look at sys.modules."""
    names = [
        module_name(p) for p in HEADLESS if module_name(p) not in {"console.__main__", "console"}
    ]
    code = (
        "import sys, importlib\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"textual pulled in: {result.stdout.strip()[:200]}"


def test_widgets_import_nothing_from_console() -> None:
    files = list((ROOT / "widgets").rglob("*.py"))
    assert files
    for path in files:
        bad = {m for m in imported_modules(path) if _under(m, "console")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.slow
def test_kubernetes_is_not_imported_at_start_up() -> None:
    code = (
        "import sys; import console.cli, console.tui.app, console.factory; "
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


@pytest.mark.slow
def test_start_up_does_not_import_the_cost_model() -> None:
    code = (
        "import sys; import console.cli, console.tui.app, console.factory; "
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


def test_no_test_module_imports_another_test_module() -> None:
    """Shared pieces live in support modules (``tests/support.py``, ``waiting.py``, ``tmux.py``,
    …): importing a test module would also collect its tests' fixtures and globals."""
    for path in sorted((ROOT / "tests").rglob("*.py")):
        wrong = sorted(
            m
            for m in imported_modules(path)
            if m.startswith("tests.")
            and (m.split(".")[1].startswith("test_") or m.split(".")[1] == "conftest")
        )
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"
