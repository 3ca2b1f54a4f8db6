"""app.storage.cookie_store: a session's jar saved encrypted with its key in the keyring, loaded
back into another session that sends it to the real test server; and every way a saved jar
can be unreadable (no key, another key, a damaged or foreign file): a clear error, the file
moved aside, never a crash, and the next save works."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app.client import Cookie, Request, Session
from app.storage.cookie_store import (
    CookieJarStore,
    CookieJarUnreadable,
    any_jar_saved,
    workspace_id,
)
from app.storage.secrets import KeyringSecrets, MemorySecrets
from tests.storage.keyrings import secret_service

__all__ = ["secret_service"]  # a fixture, imported for pytest to find

WS = "0123456789abcdef01234567"


def store_in(folder: Path, secrets: MemorySecrets | KeyringSecrets | None = None,
             **kwargs: bool) -> CookieJarStore:
    return CookieJarStore(folder / "data", WS, secrets or MemorySecrets(), **kwargs)


def test_a_jar_goes_to_disk_encrypted_and_comes_back_into_a_new_session(
    base_url: str, tmp_path: Path
) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    with Session(base_url) as session:
        with Request(session, "GET", "/cookies/set", params={"sid": "s3cr3t-value"}).fetch():
            pass
        session.cookies.set("pref", "dark", domain="127.0.0.1", expires=time.time() + 3600,
                            http_only=True, same_site="Lax")
        saved = session.cookies.list()
        assert store.save(saved) == 2
    raw = store.path.read_bytes()
    assert b"s3cr3t-value" not in raw and b"pref" not in raw  # nothing readable on disk
    assert store.path.parent == tmp_path / "data"
    if os.name == "posix":
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert secrets.get(store.key_ref) is not None
    loaded = store.load()
    assert loaded == saved
    with Session(base_url) as session:
        session.cookies.update(loaded)
        with Request(session, "GET", "/cookies").fetch() as response:
            assert response.json() == {"sid": "s3cr3t-value", "pref": "dark"}


def test_nothing_saved_loads_as_empty_and_saving_again_keeps_the_key(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    assert store.load() == []
    store.save([Cookie("a", "1", "example.org")])
    key = secrets.get(store.key_ref)
    store.save([Cookie("b", "2", "example.org")])
    assert secrets.get(store.key_ref) == key
    assert [c.name for c in store.load()] == ["b"]


def test_expired_cookies_are_dropped_and_session_cookies_are_a_choice(tmp_path: Path) -> None:
    now = time.time()
    jar = [Cookie("session", "1", "h"), Cookie("old", "2", "h", expires=now - 5),
           Cookie("new", "3", "h", expires=now + 60)]
    store = store_in(tmp_path)
    assert store.save(jar) == 2
    assert [c.name for c in store.load()] == ["session", "new"]
    strict = store_in(tmp_path / "strict", keep_session_cookies=False)
    assert strict.save(jar) == 1
    assert [c.name for c in strict.load()] == ["new"]


def test_a_cookie_that_expires_while_saved_is_not_loaded(tmp_path: Path) -> None:
    store = store_in(tmp_path)
    store.save([Cookie("brief", "1", "h", expires=time.time() + 1.0)])
    time.sleep(1.1)
    assert store.load() == []


def _unreadable(store: CookieJarStore, words: str) -> CookieJarUnreadable:
    with pytest.raises(CookieJarUnreadable) as info:
        store.load()
    error = info.value
    assert words in str(error), str(error)
    assert error.kept is not None and error.kept.exists() and str(error.kept) in str(error)
    assert not store.path.exists()
    assert store.load() == []  # moved aside: the next load starts empty
    return error


def test_a_missing_key_sets_the_file_aside(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    store.save([Cookie("a", "1", "h")])
    token = store.path.read_bytes()
    secrets.delete(store.key_ref)
    error = _unreadable(store, "its key is not in the keyring")
    assert error.kept is not None and error.kept.read_bytes() == token  # kept as it was
    store.save([Cookie("b", "2", "h")])  # a new key, a new jar
    assert [c.name for c in store.load()] == ["b"]


def test_another_key_or_a_damaged_file_sets_the_file_aside(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    store.save([Cookie("a", "1", "h")])
    secrets.set(store.key_ref, Fernet.generate_key().decode())
    _unreadable(store, "does not open it, or the file is damaged")
    store.save([Cookie("a", "1", "h")])
    data = bytearray(store.path.read_bytes())
    data[40] ^= 1
    store.path.write_bytes(bytes(data))
    _unreadable(store, "does not open it, or the file is damaged")
    store.save([Cookie("a", "1", "h")])
    secrets.set(store.key_ref, "not a key")
    _unreadable(store, "not a cookie jar key")


@pytest.mark.parametrize("document", [
    {"version": 2, "cookies": []},
    {"version": 1, "cookies": [{"name": "a"}]},
    {"version": 1, "cookies": [{"name": 1, "value": "v", "domain": "h", "path": "/",
                                "expires": None, "secure": False, "http_only": False,
                                "same_site": None}]},
    {"version": 1, "cookies": [{"name": "a", "value": "v", "domain": "h", "path": "/",
                                "expires": "soon", "secure": False, "http_only": False,
                                "same_site": None}]},
    [],
])
def test_an_encrypted_file_that_is_not_a_jar_sets_the_file_aside(
    tmp_path: Path, document: object
) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    store.save([])
    key = secrets.get(store.key_ref)
    assert key is not None
    store.path.write_bytes(Fernet(key.encode()).encrypt(json.dumps(document).encode()))
    _unreadable(store, "its content is not a cookie jar")


def test_delete_forgets_the_file_and_the_key(tmp_path: Path) -> None:
    secrets = MemorySecrets()
    store = store_in(tmp_path, secrets)
    store.delete()  # nothing saved yet: harmless
    store.save([Cookie("a", "1", "h")])
    store.delete()
    assert not store.path.exists() and secrets.get(store.key_ref) is None


def test_workspace_ids_are_stable_and_bad_ones_refused(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    assert workspace_id(tmp_path / "ws") == workspace_id(f"{tmp_path}/other/../ws")
    assert workspace_id(tmp_path / "ws") != workspace_id(tmp_path)
    for bad in ("", "..", "a/b", "c:\\x"):
        with pytest.raises(ValueError, match="not a workspace id"):
            CookieJarStore(tmp_path, bad, MemorySecrets())


def test_any_jar_saved_tells_whether_a_jar_needs_looking_for(tmp_path: Path) -> None:
    # The window asks this before computing a workspace's id (hashlib) at start.
    data = tmp_path / "data"
    assert not any_jar_saved(data)  # no data folder yet
    data.mkdir()
    (data / "history.sqlite3").write_bytes(b"")
    (data / "cookies-notes.txt").write_text("not a jar")
    assert not any_jar_saved(data)
    assert not any_jar_saved(data / "history.sqlite3")  # not a folder
    store = store_in(tmp_path)
    store.save([Cookie("a", "1", "h")])
    assert any_jar_saved(data)
    # Another workspace's jar counts too: the store then looks for this one's.
    other = CookieJarStore(data, "f" * 24, MemorySecrets())
    assert other.load() == [] and any_jar_saved(data)
    store.delete()
    assert not any_jar_saved(data)


def test_the_key_lives_in_the_real_keyring(
    secret_service: KeyringSecrets, tmp_path: Path
) -> None:
    store = store_in(tmp_path, secret_service)
    store.save([Cookie("a", "1", "h")])
    try:
        assert [c.name for c in store.load()] == ["a"]
        assert secret_service.get(store.key_ref) is not None
    finally:
        store.delete()
