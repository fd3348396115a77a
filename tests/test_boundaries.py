"""The apps depend on each other one way: analytics -> reporting -> accounts (docs/architecture.md).

Read from the source with ast, every import at any depth (inside functions too), so that a lazy
import does not slip past. Listening goes the other way through signals, never through an import.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app -> the project's apps it must never import
FORBIDDEN = {
    "accounts": {"reporting", "analytics"},
    "reporting": {"analytics"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def imports_of(app: str) -> list[tuple[str, int, str]]:
    return [
        (str(path.relative_to(ROOT)), line, module)
        for path in sorted((ROOT / app).rglob("*.py"))
        for line, module in imported_modules(path)
    ]


def test_the_source_is_found():
    """A guard for the guards below: they read real files and see real imports."""
    modules = {module for _path, _line, module in imports_of("analytics")}
    assert "reporting.reciprocity" in modules


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_the_apps_built_on_it(app):
    wrong = [
        f"{path}:{line} imports {module}"
        for path, line, module in imports_of(app)
        if module.split(".")[0] in FORBIDDEN[app]
    ]
    assert wrong == []


def test_only_the_urls_import_the_console():
    """The secretariat's console is a leaf of reporting: its pages are routed, nothing else uses them."""
    wrong = [
        f"{path}:{line} imports {module}"
        for path, line, module in imports_of("reporting")
        if (module == "reporting.console" or module.startswith("reporting.console."))
        and not path.startswith("reporting/console/")
        and path != "reporting/urls.py"
    ]
    assert wrong == []


def test_a_broken_boundary_is_seen(tmp_path):
    """The walk finds an import hidden in a function, as a lazy import would be."""
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from analytics.services import facts_rebuild_all\n")
    assert imported_modules(source) == [(2, "analytics.services")]
