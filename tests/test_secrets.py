"""app.secrets: the in-memory store, the keyring store over a test backend, the fail
backend, and one run against a real Secret Service (gnome-keyring) on a private bus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from app.secrets import (
    UNAVAILABLE_MESSAGE,
    KeyringSecrets,
    MemorySecrets,
    SecretStore,
    SecretsUnavailable,
    new_ref,
)

ROOT = Path(__file__).resolve().parent.parent


class DictKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in a dict, standing in for the OS one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.values[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("not found") from None


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


@pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-run-session") is None,
    reason="needs gnome-keyring-daemon and dbus-run-session",
)
def test_real_secret_service_round_trip(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    runtime.chmod(0o700)
    home = tmp_path / "home"
    home.mkdir()
    script = textwrap.dedent("""
        import keyring
        from app.secrets import KeyringSecrets, new_ref
        store = KeyringSecrets("spyglass-test")
        ref = new_ref()
        assert store.available()
        store.set(ref, "pässword")
        assert store.get(ref) == "pässword", store.get(ref)
        store.delete(ref)
        assert store.get(ref) is None
        backend = keyring.get_keyring()
        print(type(backend).__module__ + "." + type(backend).__qualname__)
    """)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "XDG_", "PYTHON_KEYRING", "KEYRING"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               PYTHONPATH=str(ROOT))
    inner = ("echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
             'exec "$0" -c "$1"')
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", inner, sys.executable, script],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "keyring.backends.SecretService.Keyring"
