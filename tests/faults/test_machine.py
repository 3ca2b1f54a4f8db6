"""Fault cases: the machine fails under Spyglass (a file gone or unreadable, a full disk, a
broken or locked keyring, the process killed with SIGKILL while it writes)."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
import yaml

from app.body.store import BodyStore
from app.client import AsyncSession
from app.model.compose import ComposeError, compose
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    MultipartField,
    RequestModel,
)
from app.storage.history import History
from app.storage.secrets import KeyringSecrets, MemorySecrets, SecretsUnavailable
from app.storage.workspace import Workspace
from tests.faults.table import Witness, fault, files_holding, shown

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "tok-8c1d77e0a2"


# -- files to send -------------------------------------------------------------------------


@fault("Files and disk", "The binary body's file was deleted", sees="File not found: ",
       kept="nothing sent; the body field is pointed at")
async def test_binary_body_file_missing(witness: Witness, tmp_path: Path) -> None:
    gone = tmp_path / "payload.bin"
    model = RequestModel(method="PUT", url="http://127.0.0.1:1/",
                         body=BodyModel(kind=BodyKind.BINARY, file_path=str(gone)))
    async with AsyncSession() as session:
        with pytest.raises(ComposeError) as caught:
            compose(session, model)
    assert caught.value.field == "body" and str(gone) in str(caught.value)
    assert shown(caught.value).startswith("Cannot send this request")
    witness.saw(shown(caught.value))


@fault("Files and disk", "A multipart file part that cannot be read (a folder, or mode 000)",
       sees="Cannot read ", kept="nothing sent; the files opened before it are closed")
async def test_multipart_file_unreadable(witness: Witness, tmp_path: Path) -> None:
    readable = tmp_path / "a.txt"
    readable.write_text("a")
    unreadable = tmp_path / "folder.bin"
    unreadable.mkdir()  # a folder cannot be opened for reading, even by root
    model = RequestModel(method="POST", url="http://127.0.0.1:1/", body=BodyModel(
        kind=BodyKind.MULTIPART, multipart=[MultipartField("a", str(readable), True),
                                            MultipartField("b", str(unreadable), True)]))
    opened: list[Any] = []
    real_open = open

    def tracking_open(*args: Any, **kwargs: Any) -> Any:
        handle = real_open(*args, **kwargs)
        opened.append(handle)
        return handle

    async with AsyncSession() as session:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("builtins.open", tracking_open)
            with pytest.raises(ComposeError) as caught:
                compose(session, model)
    assert caught.value.field == "body" and str(unreadable) in str(caught.value)
    assert opened and all(handle.closed for handle in opened)
    witness.saw(shown(caught.value))


# -- a full disk ---------------------------------------------------------------------------


class _FullDisk:
    """A file writer that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, inner: Any, room: int) -> None:
        self._inner = inner
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return int(self._inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@fault("Files and disk", "The disk fills up while a response body is received",
       sees="No space left on device",
       kept="the store keeps what it wrote and its index; closing it deletes its file")
def test_body_store_disk_full(witness: Witness, tmp_path: Path) -> None:
    store = BodyStore(directory=str(tmp_path))
    store._writer = _FullDisk(store._writer, 3 * 65536)  # type: ignore[assignment]
    chunk = b"line\n" * (65536 // 5)
    with pytest.raises(OSError) as caught:
        for _ in range(10):
            store.append(chunk)
    assert caught.value.errno == errno.ENOSPC
    assert store.size == 3 * len(chunk)
    assert store.line(0) == b"line"
    witness.saw(shown(caught.value))
    store.close()
    assert list(tmp_path.iterdir()) == []


@fault("Files and disk", "The disk is full when a request is saved (ENOSPC at fsync)",
       sees="No space left on device",
       kept="the old file byte for byte; no temporary file left; the token in no file")
def test_save_on_a_full_disk(witness: Witness, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace(tmp_path, MemorySecrets())
    model = RequestModel(name="Create", method="POST", url="https://api.example.com/users",
                         auth=AuthModel(AuthKind.BEARER, token=TOKEN))
    path = ws.save_request("c", model)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    model.url = "http://changed/"
    with pytest.raises(OSError, match="No space left") as info:
        ws.save_request("c", model)
    assert info.value.errno == errno.ENOSPC
    assert str(path) in str(info.value)
    monkeypatch.undo()
    witness.saw(str(info.value))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["collection.yaml", path.name]
    assert files_holding([tmp_path], [TOKEN]) == []


# -- the keyring ---------------------------------------------------------------------------


class _Keyring(keyring.backend.KeyringBackend):
    """A keyring in a dict that can be locked, as a Secret Service collection can."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.locked = False

    def _check(self) -> None:
        if self.locked:
            raise keyring.errors.KeyringLocked("the collection is locked")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        self.values.pop((service, username), None)


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _with_token(url: str = "http://127.0.0.1/") -> RequestModel:
    return RequestModel(name="r", url=url, auth=AuthModel(AuthKind.BEARER, token=TOKEN))


@fault("Keyring", "No keyring works (keyring's fail backend) when a token is saved",
       sees="No system keyring is available: secrets are not saved anywhere.",
       kept="nothing written; the token in no file")
def test_broken_keyring(witness: Witness, tmp_path: Path, restore_keyring: None) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    ws = Workspace(tmp_path / "ws", KeyringSecrets("spyglass-faults"))
    with pytest.raises(SecretsUnavailable) as caught:
        ws.save_request("c", _with_token())
    witness.saw(str(caught.value))
    assert files_holding([tmp_path], [TOKEN]) == []
    assert not any(p.suffix == ".yaml" for p in tmp_path.rglob("*"))


@fault("Keyring", "The keyring is locked when a saved request is opened and saved again",
       sees="(the collection is locked)",
       kept="the file untouched; once unlocked, the token is there as before")
def test_locked_keyring(witness: Witness, tmp_path: Path, restore_keyring: None) -> None:
    backend = _Keyring()
    keyring.set_keyring(backend)
    ws = Workspace(tmp_path, KeyringSecrets("spyglass-faults"))
    path = ws.save_request("c", _with_token())
    before = path.read_bytes()
    backend.locked = True
    with pytest.raises(SecretsUnavailable) as caught:
        ws.load_request(path)
    witness.saw(str(caught.value))
    with pytest.raises(SecretsUnavailable):
        ws.save_request("c", _with_token("http://127.0.0.1/changed"), name="r")
    assert path.read_bytes() == before
    backend.locked = False
    assert ws.load_request(path).auth.token == TOKEN
    assert files_holding([tmp_path], [TOKEN]) == []


# -- killed while writing ------------------------------------------------------------------


SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.model.request import BodyKind, BodyModel, RequestModel
    from app.storage.workspace import Workspace

    ws = Workspace(Path(sys.argv[1]))
    big = "".join(f"line {i}: " + "x" * 60 + "\\n" for i in range(3000))
    models = [RequestModel(name="Loop", url=f"http://h/{i}",
                           body=BodyModel(kind=BodyKind.TEXT, text=big * (1 + i % 2)))
              for i in range(2)]
    i = 0
    while True:
        ws.save_request("c", models[i % 2], name="loop")
        ws.save_environment("env", {"n": str(i)})
        if i == 0:
            print("ready", flush=True)
        i += 1
""")


def _kill_while(script: str, target: Path, delay: float) -> None:
    """Run ``script`` on ``target`` and SIGKILL it ``delay`` s after it says "ready"."""
    with subprocess.Popen([sys.executable, "-c", script, str(target)], cwd=ROOT,
                          stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


@fault("Crashes", "kill -9 in the middle of saves (a request and an environment)",
       sees="loop.yaml", kept="every file parses and holds one whole version, old or new")
def test_sigkill_during_saves(witness: Witness, tmp_path: Path) -> None:
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL here")
    root = tmp_path / "ws"
    urls = {"http://h/0", "http://h/1"}
    for delay in (0.05, 0.2, 0.45):
        _kill_while(SAVER, root, delay)
        ws = Workspace(root)
        for path in root.rglob("*.yaml"):
            if path.name.startswith("."):
                continue  # a leftover temporary file, never a workspace file
            yaml.safe_load(path.read_text(encoding="utf-8"))
        names = [p.name for p in ws.list_requests("c")]
        assert names == ["loop.yaml"]
        assert ws.load_request(root / "c" / "loop.yaml").url in urls
        assert ws.load_environment("env")["n"].isdigit()
    witness.saw(" ".join(names))


RECORDER = textwrap.dedent(f"""
    import sys
    from app.storage.history import History, HistoryEntry

    history = History(sys.argv[1], max_entries=200)
    i = 0
    while True:
        request = {{"method": "POST", "url": f"http://h/{{i}}",
                   "headers": [["Authorization", "Bearer {TOKEN}"]],
                   "body": '{{"token": "{TOKEN}", "n": ' + str(i) + '}}'}}
        history.add(HistoryEntry(method="POST", url=f"http://h/{{i}}", status=200,
                                 time=float(i), duration=0.1, response_size=2,
                                 request=request), secret_values=["{TOKEN}"])
        if i == 0:
            print("ready", flush=True)
        i += 1
""")


@fault("Crashes", "kill -9 in the middle of history writes",
       sees="http://h/", kept="the database opens; every entry whole; the token in no file, "
                              "WAL included")
def test_sigkill_during_history_writes(witness: Witness, tmp_path: Path) -> None:
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL here")
    path = tmp_path / "history.sqlite3"
    for delay in (0.05, 0.2, 0.45):
        _kill_while(RECORDER, path, delay)
        assert files_holding([tmp_path], [TOKEN]) == []
        with History(path, max_entries=200) as history:
            entries = history.search(limit=500)
            assert 0 < len(entries) <= 200
            for entry in entries:
                assert entry.url == f"http://h/{int(entry.time)}"
                assert entry.request["headers"][0][0] == "Authorization"
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    witness.saw(entries[0].url)
