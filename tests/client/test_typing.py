"""The library's types are honest (issue 11): typed users need no cast, and misuses are
type errors. ``typed_usage.py`` must pass ``mypy --strict``; every line of
``typed_misuse.py`` marked ``# expect: <code>`` must fail with that code, and no other."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
_ERROR = re.compile(r"^[^:]+:(\d+): error: .*\[([a-z-]+)\]$")
_EXPECT = re.compile(r"# expect: ([a-z-]+)")


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mypy", "--strict", "--show-error-codes", "--no-incremental",
           "--follow-imports=silent", str(path.relative_to(ROOT))]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_typed_usage_needs_no_cast() -> None:
    done = _mypy(HERE / "typed_usage.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_misuses_are_type_errors() -> None:
    path = HERE / "typed_misuse.py"
    expected = {
        (number, match.group(1))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (match := _EXPECT.search(line))
    }
    done = _mypy(path)
    found = {(int(m.group(1)), m.group(2))
             for line in done.stdout.splitlines() if (m := _ERROR.match(line))}
    assert expected and found == expected, done.stdout + done.stderr
