"""The widgets package stands alone: it imports nothing from the application package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_widgets_import_nothing_from_console() -> None:
    files = sorted((ROOT / "widgets").rglob("*.py"))
    assert files
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "console"
        )
        for path in files
    }
    assert not {path: names for path, names in offenders.items() if names}


def test_widgets_and_themes_do_not_import_each_others_app() -> None:
    for path in sorted((ROOT / "themes").rglob("*.py")):
        assert not any(n.split(".")[0] in {"console", "widgets"} for n in imported_modules(path))
