"""The project's own rules, checked: app/ never imports Qt, ui/ never imports aiohttp, no
import cycles, mypy --strict over app/ and ruff over everything."""

from __future__ import annotations

import subprocess
import sys
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


@pytest.mark.parametrize("tool", ["mypy", "ruff"])
def test_static_checks_pass(tool: str) -> None:
    if tool == "mypy":  # all of app/ (pyproject.toml: packages = ["app"])
        cmd = [sys.executable, "-m", "mypy", "--strict"]
    else:  # the whole repository, ui/ included
        cmd = [sys.executable, "-m", "ruff", "check", "."]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
