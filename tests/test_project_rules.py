"""The project's own rules, checked: app/ never imports Qt, ui/ never imports aiohttp, no
import cycles, mypy --strict over app/ and ruff over everything."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_importing_app_client_loads_no_qt() -> None:
    code = (
        "import sys, app.client, app.client.sse, app.client.auth, app.client.errors\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'qasync', 'PyQt5', 'PyQt6', 'ui'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_no_module_in_app_imports_qt_or_ui() -> None:
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() in ("app/main.py", "app/__main__.py"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from") and \
                    words[1].split(".")[0] in ("PySide6", "qasync", "ui"):
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []


def _import_lines(folder: str) -> Iterator[tuple[Path, str, str]]:
    """(file, line, top-level module) for every import statement under ``folder``, nested
    ones included."""
    for path in (ROOT / folder).rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                yield path, line.strip(), words[1].split(".")[0]


def test_no_module_in_ui_imports_aiohttp() -> None:
    # The window reaches the network only through app.client and its own types.
    offenders = [f"{path.relative_to(ROOT)}: {line}"
                 for path, line, top in _import_lines("ui") if top.rstrip(",") == "aiohttp"]
    assert offenders == []


def test_the_http_grammar_and_the_wording_table_load_no_aiohttp() -> None:
    # The method box, the importers and the error table use them at start-up, before any send.
    code = (
        "import sys, app.model.http, ui.error_messages\n"
        "print('aiohttp' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports when it runs: module level and inside
    functions, but not under ``if TYPE_CHECKING:``."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for branch in child.orelse:
                    visit_statement(branch)
                continue
            visit_statement(child)

    def visit_statement(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                found.add(full if full in known else module)
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    resolved = set()
    for module in found:
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module and module != name:
            resolved.add(module)
    return resolved


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return groups


def test_no_import_cycle_in_app_or_ui() -> None:
    modules = {_module_name(p): p for top in ("app", "ui") for p in (ROOT / top).rglob("*.py")}
    known = set(modules)
    graph = {name: _imports_of(path, name, known) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_static_checks_pass(tool: str) -> None:
    if tool == "mypy":  # all of app/ (pyproject.toml: packages = ["app"])
        cmd = [sys.executable, "-m", "mypy", "--strict"]
    else:  # the whole repository, ui/ included
        cmd = [sys.executable, "-m", "ruff", "check", "."]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
