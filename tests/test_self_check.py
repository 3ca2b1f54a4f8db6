"""`python -m app --self-check`, run as a user runs it: in a subprocess, offscreen.

The frozen bundle runs the same code; packaging/smoke.sh runs it there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from app import __version__

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("keyring", "tls", "playground", "terminal", "reach", "grpc", "graphql", "qt plugins",
          "qt")

#: A keyring backend that keeps secrets in memory: machines without a Secret Service (CI) use it
#: through keyring's own PYTHON_KEYRING_BACKEND setting.
MEMORY_KEYRING = textwrap.dedent('''
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.secrets = {}

        def get_password(self, service, username):
            return self.secrets.get((service, username))

        def set_password(self, service, username, password):
            self.secrets[(service, username)] = password

        def delete_password(self, service, username):
            self.secrets.pop((service, username), None)
''')


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment, offscreen, with no session bus and no keyring configuration."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "DISPLAY",
                          "WAYLAND_DISPLAY")}
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    env.update(extra)
    return env


def self_check(env: dict[str, str], *prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", "app", "--self-check"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=90)


def results(stdout: str) -> dict[str, str]:
    """check name -> "ok" or "FAIL", from lines like ``ok    tls: 144 CA certificates``."""
    found = {}
    for line in stdout.splitlines():
        status, _, rest = line.partition(" ")
        name = rest.strip().partition(":")[0]
        if status in ("ok", "FAIL") and name in CHECKS:
            found[name] = status
    return found


def test_self_check_passes_and_reports_versions(tmp_path: Path) -> None:
    (tmp_path / "memory_keyring.py").write_text(MEMORY_KEYRING, encoding="utf-8")
    env = environment(tmp_path, PYTHONPATH=str(tmp_path),
                      PYTHON_KEYRING_BACKEND="memory_keyring.MemoryKeyring")
    done = self_check(env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"spyglass {__version__} self-check (from source")
    assert any(line.split()[:1] == ["python"] for line in lines)
    assert any(line.split()[:1] == ["openssl"] for line in lines)
    assert "PySide6 6." in done.stdout and "aiohttp 3." in done.stdout
    assert results(done.stdout) == dict.fromkeys(CHECKS, "ok")
    keyring_line = next(line for line in lines if line.startswith("ok    keyring:"))
    assert "MemoryKeyring" in keyring_line and "PYTHON_KEYRING_BACKEND" in keyring_line
    # keyring found its own backends through its entry points, this one among them
    assert "SecretService" in keyring_line
    assert "on platform offscreen" in done.stdout
    assert "icon renders" in done.stdout
    assert "/echo -> 200" in done.stdout
    assert lines[-1] == f"self-check passed ({len(CHECKS)} checks)"


def test_self_check_fails_without_a_keyring(tmp_path: Path) -> None:
    done = self_check(environment(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert results(done.stdout) == {**dict.fromkeys(CHECKS, "ok"), "keyring": "FAIL"}
    assert "no backend that can store secrets" in done.stdout
    assert done.stdout.splitlines()[-1] == "self-check FAILED: keyring"


@pytest.mark.skipif(not (shutil.which("dbus-run-session") and
                         shutil.which("gnome-keyring-daemon")),
                    reason="needs dbus-run-session and gnome-keyring-daemon")
def test_self_check_finds_the_secret_service(tmp_path: Path) -> None:
    env = environment(tmp_path, HOME=str(tmp_path))
    unlock = 'printf "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'
    done = self_check(env, "dbus-run-session", "--", "sh", "-c", unlock, "sh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    keyring: keyring.backends.SecretService.Keyring" in done.stdout


def test_importing_the_self_check_loads_no_qt() -> None:
    code = ("import sys, app.self_check\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'ui')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_failed_check_says_where_its_first_cause_was_raised() -> None:
    """A bundle missing a module must say which import failed, not only that one did."""
    from app.self_check import _run

    def check() -> Any:
        try:
            from grpc_tools import no_such_module  # noqa: F401
        except ImportError as exc:
            raise OSError(str(exc)) from exc

    result = _run("grpc", check)
    assert not result.ok
    assert result.detail.startswith("OSError: cannot import name 'no_such_module'")
    assert "(ImportError at test_self_check.py:" in result.detail and "in check)" in result.detail
