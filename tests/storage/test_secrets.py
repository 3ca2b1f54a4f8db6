"""app.storage.secrets: the in-memory store, the keyring store over a test backend, the fail
backend, and the real Secret Service (gnome-keyring on a private bus, set up by
tests/keyring_session.sh): a secret stored, read, replaced and deleted, and a workspace whose
bearer token lives there and never on disk. The fault cases of a cleared secret (deleted from
the store) are in tests/faults/test_cleared_secrets.py."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest
import yaml

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.secrets import (
    UNAVAILABLE_MESSAGE,
    KeyringSecrets,
    MemorySecrets,
    SecretStore,
    SecretsUnavailable,
    new_ref,
)
from app.storage.workspace import Workspace
from tests.storage.keyrings import (
    ROOT,
    DictKeyring,
    read_elsewhere,
    secret_service,
    service_items,
)

__all__ = ["secret_service"]  # a fixture, imported for pytest to find


class LockedKeyring(DictKeyring):
    """A backend whose every call fails the way a locked collection does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")


@pytest.fixture
def backend() -> Iterator[DictKeyring]:
    previous = keyring.get_keyring()
    fake = DictKeyring()
    keyring.set_keyring(fake)
    try:
        yield fake
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def use_backend() -> Iterator[None]:
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _round_trip(store: SecretStore) -> None:
    ref = new_ref()
    assert store.available()
    assert store.get(ref) is None
    store.set(ref, "s3cret")
    assert store.get(ref) == "s3cret"
    store.set(ref, "other")
    assert store.get(ref) == "other"
    store.delete(ref)
    assert store.get(ref) is None
    store.delete(ref)  # deleting twice is not an error


def test_new_ref_is_opaque_and_unique() -> None:
    refs = {new_ref() for _ in range(1000)}
    assert len(refs) == 1000
    assert all(ref.startswith("secret-") and ref.isascii() for ref in refs)


def test_memory_secrets_round_trip() -> None:
    store = MemorySecrets()
    _round_trip(store)
    a, b = new_ref(), new_ref()
    store.set(a, "one")
    store.set(b, "two")
    assert (store.get(a), store.get(b)) == ("one", "two")
    assert MemorySecrets().get(a) is None  # stores do not share state


def test_keyring_secrets_round_trip_through_the_backend(backend: DictKeyring) -> None:
    store = KeyringSecrets()
    ref = new_ref()
    store.set(ref, "tok")
    assert backend.values == {("spyglass", ref): "tok"}
    _round_trip(store)
    _round_trip(KeyringSecrets(service="other"))
    assert backend.values == {("spyglass", ref): "tok"}


def test_keyring_secrets_services_are_separate(backend: DictKeyring) -> None:
    ref = new_ref()
    KeyringSecrets("a").set(ref, "1")
    assert KeyringSecrets("b").get(ref) is None
    assert KeyringSecrets("a").get(ref) == "1"


def test_fail_backend_is_unavailable_with_a_plain_message(use_backend: None) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = KeyringSecrets()
    assert not store.available()
    for call in (lambda: store.get("r"), lambda: store.set("r", "v"), lambda: store.delete("r")):
        with pytest.raises(SecretsUnavailable) as caught:
            call()
        assert str(caught.value) == UNAVAILABLE_MESSAGE
        assert str(caught.value).startswith(
            "No system keyring is available: secrets are not saved anywhere.")


def test_keyring_errors_become_secrets_unavailable(use_backend: None) -> None:
    keyring.set_keyring(LockedKeyring())
    store = KeyringSecrets()
    with pytest.raises(SecretsUnavailable, match=r"No system keyring is available.*locked"):
        store.get("r")
    with pytest.raises(SecretsUnavailable, match="No system keyring is available"):
        store.set("r", "v")


# --- the probe: is there a keyring, asked without loading one -------------------------------

_PROBE_CODE = """
import sys
from app.storage.secrets import KeyringSecrets
answer = KeyringSecrets().probe()
print(answer, "keyring" in sys.modules)
"""


@pytest.mark.parametrize(("backend", "expected"), [
    ("keyring.backends.fail.Keyring", "False"),
    ("keyring.backends.null.Keyring", "True"),
])
def test_probe_asks_a_child_and_loads_no_keyring_here(backend: str, expected: str) -> None:
    # A fresh interpreter, as the window is: keyring is not loaded there yet.
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=backend)
    done = subprocess.run([sys.executable, "-c", _PROBE_CODE], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [expected, "False"]


@pytest.mark.parametrize(("backend", "status"), [
    ("keyring.backends.fail.Keyring", 3),
    ("keyring.backends.null.Keyring", 0),
])
def test_the_entry_point_answers_the_probe(backend: str, status: int) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=backend)
    done = subprocess.run([sys.executable, "-m", "app", "--keyring-probe"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env=env)
    assert (done.returncode, done.stdout) == (status, "")


def test_probe_answers_here_once_keyring_is_loaded(backend: DictKeyring) -> None:
    # A backend chosen in this process (set_keyring) is one a child would not see.
    assert KeyringSecrets().probe() is True
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert KeyringSecrets().probe() is False
    assert MemorySecrets().probe() is True


def test_the_probe_flag_is_the_entry_points() -> None:
    import app.__main__
    import app.storage.secrets

    assert app.__main__.PROBE_FLAG == app.storage.secrets.PROBE_FLAG


def test_secret_service_store_read_overwrite_delete(secret_service: KeyringSecrets) -> None:
    store, service = secret_service, secret_service.service
    ref = new_ref()
    assert store.available()
    assert store.get(ref) is None
    store.set(ref, "pässwörd ✓")
    assert store.get(ref) == "pässwörd ✓"
    assert read_elsewhere(service, ref) == "pässwörd ✓"
    assert [item["username"] for item in service_items(service)] == [ref]
    store.set(ref, "second")  # replaces, does not add an item
    assert store.get(ref) == "second"
    assert read_elsewhere(service, ref) == "second"
    assert len(service_items(service)) == 1
    store.delete(ref)
    assert store.get(ref) is None
    assert service_items(service) == []
    store.delete(ref)  # deleting a missing secret is not an error


def test_workspace_keeps_a_bearer_token_in_the_secret_service(
        secret_service: KeyringSecrets, tmp_path: Path) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    root = tmp_path / "workspace"
    model = RequestModel(name="Who am I", url="https://api.example.com/me",
                         auth=AuthModel(kind=AuthKind.BEARER, token=token))
    path = Workspace(root, secrets=secret_service).save_request("Shop", model)

    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

    written = files()
    assert path in written
    assert not any(token.encode() in data for data in written.values())
    ref = yaml.safe_load(written[path])["auth"]["token"]["secret"]
    assert read_elsewhere(secret_service.service, ref) == token

    # A workspace opened afresh reads the token back from the keyring.
    again = Workspace(root, secrets=KeyringSecrets(service=secret_service.service))
    assert again.load_request(path) == model

    # A new token goes to the same keyring entry; the file stays as it was.
    changed = RequestModel(name="Who am I", url="https://api.example.com/me",
                           auth=AuthModel(kind=AuthKind.BEARER, token=token + "-2"))
    again.save_request("Shop", changed)
    assert files() == written
    assert secret_service.get(ref) == token + "-2"
    assert len(service_items(secret_service.service)) == 1

    # Deleting the request forgets its secret.
    again.delete(path)
    assert secret_service.get(ref) is None
    assert service_items(secret_service.service) == []
