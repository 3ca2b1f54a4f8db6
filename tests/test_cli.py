"""``spyglass import`` and ``spyglass export``: in-process with an in-memory secret store, and
a few runs of the real command for exit statuses, keyring failures and the absence of
tracebacks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.storage.secrets import MemorySecrets, SecretsUnavailable
from app.storage.workspace import Workspace
from tests.interchange.test_samples import (
    CURL,
    HAR_JSON,
    OPENAPI_YAML,
    POSTMAN_JSON,
    SECRETS,
)

ROOT = Path(__file__).resolve().parent.parent
NO_SECRETS_CURL = "curl https://x.example/a\ncurl -X POST https://x.example/b -d 'a=1'\n"


def cli(*argv: str, secrets: MemorySecrets | None = None, stdin: str | None = None
        ) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), secrets=secrets if secrets is not None else MemorySecrets(),
                  stdin=io.StringIO(stdin) if stdin is not None else None,
                  stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def postman_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.postman_collection.json"
    path.write_text(POSTMAN_JSON, encoding="utf-8")
    return path


class _NoKeyring(MemorySecrets):
    def available(self) -> bool:
        return False

    def set(self, ref: str, value: str) -> None:
        raise AssertionError("a secret was written")


class _LockedKeyring(MemorySecrets):
    """Says it is there, then refuses: a keyring that stays locked."""

    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable("the collection is locked")

    def delete(self, ref: str) -> None:
        raise SecretsUnavailable("the collection is locked")


# -- import --------------------------------------------------------------------------------


def test_import_a_postman_collection(postman_file: Path, tmp_path: Path) -> None:
    store = MemorySecrets()
    ws = tmp_path / "ws"
    status, out, err = cli("import", str(postman_file), "--workspace", str(ws), secrets=store)
    assert status == 0, err
    assert out == f"Imported 13 requests into 4 folders of {ws} from Postman collection 'Shop'\n"
    assert "test script not translated, kept in its notes: pm.test('ok')" in err
    workspace = Workspace(ws, store)
    assert workspace.list_collections() == ["Shop"]
    assert len(workspace.list_requests("Shop")) == 7
    assert set(SECRETS) & set(store._values.values())


@pytest.mark.parametrize(("text", "summary"), [
    (OPENAPI_YAML, "Imported 9 requests into 3 folders of {ws} from OpenAPI document "
                   "'Petstore'"),
    (HAR_JSON, "Imported 6 requests into 1 folder of {ws} from HAR capture "
               "'shop.example.com'"),
    (CURL, "Imported 4 requests into 1 folder of {ws} from 4 curl commands "
           "(as 'curl import')"),
])
def test_import_each_format_from_stdin(text: str, summary: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    status, out, err = cli("import", "-", "-w", str(ws), stdin=text)
    assert status == 0, err
    assert out.strip() == summary.format(ws=ws)


def test_import_twice_makes_a_second_collection(postman_file: Path, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("import", str(postman_file), "--workspace", ws)
    status, out, _ = cli("import", str(postman_file), "--workspace", ws, "--name", "Shop")
    assert status == 0
    assert out.rstrip().endswith("(as 'Shop 2')")


def test_import_with_a_forced_format_and_a_name(tmp_path: Path) -> None:
    status, out, err = cli("import", "-", "-w", str(tmp_path), "--format", "curl",
                           "--name", "Mine", stdin=NO_SECRETS_CURL)
    assert status == 0, err
    assert "(as 'Mine')" in out


def test_an_import_with_secrets_and_no_keyring_writes_nothing(postman_file: Path,
                                                              tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    status, out, err = cli("import", str(postman_file), "--workspace", str(ws),
                           secrets=_NoKeyring())
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "6 values of this import belong in it" in err
    assert "no system keyring is available" in err
    assert "nothing was imported" in err
    assert not ws.exists()


def test_a_locked_keyring_midway_leaves_nothing_behind(postman_file: Path,
                                                       tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    status, _, err = cli("import", str(postman_file), "--workspace", str(ws),
                         secrets=_LockedKeyring())
    assert status == 1
    assert "nothing was imported" in err
    assert "the collection is locked" in err
    assert list(ws.iterdir()) == []


def test_an_import_without_secrets_needs_no_keyring(tmp_path: Path) -> None:
    status, out, err = cli("import", "-", "-w", str(tmp_path / "ws"), stdin=NO_SECRETS_CURL,
                           secrets=_NoKeyring())
    assert status == 0, err
    assert out.startswith("Imported 2 requests into 1 folder")


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["import", "{missing}", "-w", "{ws}"], None, "cannot read {missing}: no such file"),
    (["import", "{tmp}", "-w", "{ws}"], None, "it is a folder, not a file"),
    (["import", "-", "-w", "{ws}"], "hello: world\n", "Not something Spyglass can import"),
    (["import", "-", "-w", "{ws}"], '{\n  "info": {\n}', "Invalid JSON at line 3, column 2"),
    (["import", "-", "-w", "{ws}"], "openapi: 3.0.0\npaths: [\n", "Invalid YAML at line 3"),
    (["import", "-", "-w", "{file}"], NO_SECRETS_CURL, "is not a folder"),
    (["import", "-", "-w", "{ws}"], "", "the input is empty"),
    (["import", "-", "-w", "{ws}", "--format", "har"], "{}", "Not a HAR file"),
    (["export", "{missing}", "--format", "curl"], None, "does not exist"),
    (["export", "{file}", "--format", "har"], None, "is not a folder"),
])
def test_errors_are_one_line_and_status_1(argv: list[str], stdin: str | None, message: str,
                                          tmp_path: Path) -> None:
    names = {"missing": str(tmp_path / "missing.json"), "ws": str(tmp_path / "ws"),
             "tmp": str(tmp_path), "file": str(tmp_path / "file.txt")}
    (tmp_path / "file.txt").write_text("x")
    status, out, err = cli(*[a.format(**names) for a in argv], stdin=stdin)
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"spyglass {argv[0]}: ")
    assert message.format(**names) in err


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("curl https://x.example/é".encode("latin-1"))
    status, _, err = cli("import", str(path), "-w", str(tmp_path / "ws"))
    assert status == 1
    assert "is not UTF-8 text" in err


def test_usage_errors_are_status_2_and_help_is_0() -> None:
    assert cli()[0] == 2
    status, _, err = cli("import", "x.json")
    assert status == 2
    assert "--workspace" in err
    assert cli("export", "dir", "--format", "soap")[0] == 2
    status, out, _ = cli("import", "--help")
    assert status == 0
    assert "SOURCE" in out
    status, out, _ = cli("--help")
    assert status == 0
    assert "export" in out


# -- export --------------------------------------------------------------------------------


@pytest.fixture
def workspace_dir(postman_file: Path, tmp_path: Path) -> tuple[Path, MemorySecrets]:
    store = MemorySecrets()
    ws = tmp_path / "ws"
    assert cli("import", str(postman_file), "-w", str(ws), secrets=store)[0] == 0
    assert cli("import", "-", "-w", str(ws), stdin=CURL, secrets=store)[0] == 0
    return ws, store


@pytest.mark.parametrize("fmt", ["curl", "har", "postman"])
def test_export_writes_to_stdout_without_secrets(fmt: str,
                                                 workspace_dir: tuple[Path, MemorySecrets]
                                                 ) -> None:
    ws, store = workspace_dir
    status, out, err = cli("export", str(ws), "--format", fmt, secrets=store)
    assert (status, err) == (0, "")
    assert not [s for s in SECRETS if s in out]
    if fmt == "curl":
        assert out.startswith("# curl import / GET /v1/users\ncurl ")
        assert "\n\n# Shop / Login\ncurl " in out
    elif fmt == "har":
        assert len(json.loads(out)["log"]["entries"]) == 17
    else:
        doc = json.loads(out)
        assert doc["info"]["name"] == "ws"  # two collections: the workspace is the collection
        assert [i["name"] for i in doc["item"]] == ["curl import", "Shop"]
    status, full, _ = cli("export", str(ws), "--format", fmt, "--include-secrets",
                          secrets=store)
    assert status == 0
    assert [s for s in SECRETS if s in full]


def test_export_one_collection(workspace_dir: tuple[Path, MemorySecrets]) -> None:
    ws, store = workspace_dir
    status, out, _ = cli("export", str(ws), "-f", "postman", "-c", "Shop", secrets=store)
    assert status == 0
    assert json.loads(out)["info"]["name"] == "Shop"
    status, _, err = cli("export", str(ws), "-f", "curl", "-c", "Nope", secrets=store)
    assert status == 1
    assert "no collection 'Nope'" in err


def test_export_with_secrets_from_a_locked_keyring(workspace_dir: tuple[Path, MemorySecrets]
                                                   ) -> None:
    ws, _ = workspace_dir

    class Locked(MemorySecrets):
        def get(self, ref: str) -> str | None:
            raise SecretsUnavailable("locked")

    status, out, err = cli("export", str(ws), "-f", "curl", "--include-secrets",
                           secrets=Locked())
    assert (status, out) == (1, "")
    assert "cannot read the secrets" in err
    assert cli("export", str(ws), "-f", "curl", secrets=Locked())[0] == 0


def test_a_broken_request_file_is_reported(workspace_dir: tuple[Path, MemorySecrets]) -> None:
    ws, store = workspace_dir
    (ws / "Shop" / "login.yaml").write_text("name: [unclosed\n")
    status, _, err = cli("export", str(ws), "-f", "har", secrets=store)
    assert status == 1
    assert "login.yaml:2" in err


# -- the real command ----------------------------------------------------------------------


def spyglass(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "app", *argv], input=stdin,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_the_command_without_a_keyring(postman_file: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = spyglass("import", str(postman_file), "--workspace", str(ws))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    assert "no system keyring is available" in done.stderr
    assert not ws.exists()
    done = spyglass("import", "-", "--workspace", str(ws), stdin=NO_SECRETS_CURL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Imported 2 requests into 1 folder of ")
    done = spyglass("export", str(ws), "--format", "curl")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\ncurl ") == 2
    assert [p.name for p in ws.iterdir()] == ["curl import"]


@pytest.mark.parametrize(("argv", "status"), [
    (["import", "-", "-w", "{ws}"], 1),
    (["export", "{ws}/nope", "--format", "curl"], 1),
    (["export", "{ws}"], 2),
    (["import", "--help"], 0),
])
def test_the_command_exit_statuses_and_no_traceback(argv: list[str], status: int,
                                                    tmp_path: Path) -> None:
    done = spyglass(*[a.format(ws=tmp_path) for a in argv], stdin="{not json")
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr


def test_the_command_line_loads_no_qt_and_the_window_path_no_argparse(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import app.__main__ as entry\n"
        "print('argparse' in sys.modules, 'app.cli' in sys.modules, 'aiohttp' in sys.modules)\n"
        f"status = entry.main(['export', {str(tmp_path)!r}, '--format', 'har'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'qasync', 'ui'))\n"
        "print(status, bad, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.stdout.splitlines()[0] == "False False False"
    assert done.stderr.strip() == "0 []"
