"""Fault cases: files holding user data are readable by their owner alone (POSIX modes);
workspace files, which are meant to be shared through git, keep the umask's mode. What the
user sees is each file's mode as ``ls -l`` lists it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.body.store import BodyStore
from app.model.request import RequestModel
from app.storage.atomic import atomic_writer, write_atomic
from app.storage.history import History, HistoryEntry
from app.storage.private import make_private, private_dir
from app.storage.workspace import Workspace
from tests.faults.table import Witness, fault

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _listed(*paths: Path) -> str:
    """The files as ``ls -l`` shows their modes."""
    return "\n".join(f"{stat.filemode(p.stat().st_mode)} {p.name}" for p in paths)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@fault("Files and disk", "The history database readable by every local user (0644 before)",
       sees="-rw------- history.sqlite3",
       kept="the database, its -wal and -shm 0600; the folder it made 0700")
def test_the_history_database_and_its_side_files_are_private(witness: Witness,
                                                             tmp_path: Path) -> None:
    """Fault: the history database was 0644, so any local user could read the URLs and bodies
    sent. Now it and SQLite's -wal and -shm are 0600."""
    path = tmp_path / "data" / "history.sqlite3"
    with History(path) as history:
        history.add(HistoryEntry("GET", "http://h/", request={"body": "private"}))
        side = [Path(f"{path}{s}") for s in ("-wal", "-shm") if Path(f"{path}{s}").exists()]
        assert side  # WAL mode: they exist while the database is open
        assert {_mode(p) for p in (path, *side)} == {0o600}
        witness.saw(_listed(path, *side))
    assert _mode(path.parent) == 0o700  # a folder it made


@fault("Files and disk", "A 0644 history database left by an older version",
       sees="-rw------- history.sqlite3", kept="tightened to 0600 when opened; its entries kept")
def test_a_history_database_made_by_an_older_version_is_tightened(witness: Witness,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with History(path):
        pass
    os.chmod(path, 0o644)
    with History(path) as history:
        assert _mode(path) == 0o600 and len(history) == 0
        witness.saw(_listed(path))


@fault("Files and disk", "An export made with secrets, written over a readable file",
       sees="-rw------- with-secrets.json",
       kept="0600 even over a 0644 file; an export without secrets keeps its mode")
def test_an_export_with_secrets_is_private_and_a_plain_file_is_not(witness: Witness,
                                                                   tmp_path: Path) -> None:
    secret, plain = tmp_path / "with-secrets.json", tmp_path / "plain.json"
    plain.write_bytes(b"old")
    os.chmod(plain, 0o644)
    write_atomic(secret, b"{}", private=True)
    write_atomic(plain, b"{}")
    assert (_mode(secret), _mode(plain)) == (0o600, 0o644)
    secret.chmod(0o644)  # even over a file that was readable, a private write is 0600
    with atomic_writer(secret, private=True) as out:
        out.write(b"{}")
    assert _mode(secret) == 0o600
    witness.saw(_listed(secret, plain))


def test_workspace_files_keep_the_umask_mode(tmp_path: Path) -> None:
    """A workspace is shared (git, a shared folder) and holds no secret: its files are not
    private."""
    path = Workspace(tmp_path).save_request("Shop", RequestModel(name="List"))
    assert _mode(path) == 0o644


@fault("Files and disk", "A response body spilled to a temporary file",
       sees="-rw------- ", kept="the body store's file 0600 while it lives")
def test_body_store_temporary_files_are_private(witness: Witness, tmp_path: Path) -> None:
    store = BodyStore(directory=str(tmp_path))
    try:
        store.append(b"received\n")
        files = list(tmp_path.iterdir())
        assert len(files) == 1 and _mode(files[0]) == 0o600
        witness.saw(_listed(*files))
    finally:
        store.close()


def test_make_private_creates_or_tightens(tmp_path: Path) -> None:
    fresh = make_private(tmp_path / "new")
    assert _mode(fresh) == 0o600 and fresh.read_bytes() == b""
    old = tmp_path / "old"
    old.write_bytes(b"kept")
    old.chmod(0o664)
    assert _mode(make_private(old)) == 0o600 and old.read_bytes() == b"kept"
    assert _mode(private_dir(tmp_path / "a" / "b")) == 0o700
