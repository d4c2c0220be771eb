"""Which layer may import which, read from the source (ast), so that the layering stays true.

    library  gallery/*.py except the CLI: may import only the library
    web      gallery/web/: the library and the web, never the CLI
    cli      gallery/cli*.py, gallery/__main__.py: anything

Only the catalog (and its migrations) speaks SQL or imports sqlite3; click lives in the CLI,
starlette, jinja2 and anyio in the web.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gallery"
SQL_MODULES = {"gallery.catalog", "gallery.migrations"}
# Still take a sqlite3.Connection by name: being rewritten as plan + apply (issue 10, first part).
SQLITE_PENDING: set[str] = set()  # every module goes through the catalog now
CLI_ONLY = {"click"}
WEB_ONLY = {"starlette", "jinja2", "anyio"}
SQL_WORDS = ("SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "PRAGMA ", "BEGIN", "COMMIT", "ROLLBACK")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    if module.startswith("gallery.web"):
        return "web"
    if module.startswith("gallery.cli") or module == "gallery.__main__":
        return "cli"
    return "library"


MAY_IMPORT = {"library": {"library"}, "web": {"library", "web"}, "cli": {"library", "web", "cli"}}


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module this file imports (absolute names), with its line; imports inside functions too."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from . import x` and `from .. import x` name modules too
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if not node.module]
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_module_names_are_read_right() -> None:
    assert module_name(PACKAGE / "web" / "app.py") == "gallery.web.app"
    assert layer("gallery.web.app") == "web" and layer("gallery.cli_web") == "cli"
    assert layer("gallery.catalog") == "library" and layer("gallery.__main__") == "cli"
    found = {name for _, name in imports(PACKAGE / "web" / "app.py")}
    assert {"gallery.catalog", "gallery.config", "gallery.web.access"} <= found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_each_layer_imports_only_what_it_may(path: Path) -> None:
    module = module_name(path)
    wrong = [
        f"line {line}: {module} ({layer(module)}) imports {name} ({layer(name)})"
        for line, name in imports(path)
        if name.startswith("gallery") and layer(name) not in MAY_IMPORT[layer(module)]
    ]
    assert not wrong


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_third_party_frameworks_stay_in_their_layer(path: Path) -> None:
    module = module_name(path)
    roots = {name.split(".")[0] for _, name in imports(path)}
    if layer(module) != "cli":
        assert not roots & CLI_ONLY, f"{module} imports click"
    if layer(module) != "web":
        assert not roots & WEB_ONLY, f"{module} imports {roots & WEB_ONLY}"
    if module not in SQL_MODULES | SQLITE_PENDING:
        assert "sqlite3" not in roots, f"{module} imports sqlite3: go through the catalog"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_only_the_catalog_writes_sql(path: Path) -> None:
    if module_name(path) in SQL_MODULES:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    sql = [
        f"line {node.lineno}: {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value.lstrip().startswith(SQL_WORDS)  # this code base writes SQL in capitals
    ]
    assert not sql


def test_the_library_has_no_import_cycle_through_the_cli() -> None:
    """The cycle cli -> cli_web -> web.app -> web.admin -> admin_pages -> cli cannot come back."""
    edges = {module_name(p): {n for _, n in imports(p) if n.startswith("gallery")} for p in SOURCES}
    reaches_cli = {m for m, targets in edges.items() if layer(m) != "cli" and any(layer(t) == "cli" for t in targets)}
    assert not reaches_cli
