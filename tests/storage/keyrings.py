"""Keyrings for the secret tests (tests/storage/test_secrets.py and the fault table's
tests/faults/test_cleared_secrets.py): a keyring backend in a dict, and the real Secret
Service that tests/keyring_session.sh provides.

tests/keyring_session.sh (which ./dev test wraps the non-UI tests in) starts a private D-Bus
session with an unlocked gnome-keyring and sets SPYGLASS_REAL_KEYRING=1. Without it the
``secret_service`` fixture skips its test; with it, a backend other than the Secret Service is
a failure, not a skip."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from app.storage.secrets import KeyringSecrets

__all__ = ["REAL_KEYRING", "DictKeyring", "read_elsewhere", "secret_service", "service_items"]

ROOT = Path(__file__).resolve().parents[2]

REAL_KEYRING = os.environ.get("SPYGLASS_REAL_KEYRING") == "1"


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


@pytest.fixture
def secret_service() -> Iterator[KeyringSecrets]:
    """A KeyringSecrets on the real Secret Service, under a service name of its own; whatever
    is left under that name afterwards is deleted."""
    if not REAL_KEYRING:
        pytest.skip("needs a private Secret Service: run through tests/keyring_session.sh "
                    "(./dev test does)")
    import keyring.backends.SecretService

    # What keyring picks by itself, as the app would: in a fresh process, since in this one
    # the test backends take part in keyring's choice.
    code = "import keyring; b = keyring.get_keyring(); print(type(b).__module__, type(b).__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["keyring.backends.SecretService", "Keyring"], (
        f"SPYGLASS_REAL_KEYRING=1 but keyring chose {done.stdout.strip()}, not the Secret "
        "Service (see what tests/keyring_session.sh printed)")
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.SecretService.Keyring())
    service = f"spyglass-test-{uuid.uuid4().hex}"
    try:
        yield KeyringSecrets(service=service)
    finally:
        try:
            _forget_service(service)
        finally:
            keyring.set_keyring(previous)


def service_items(service: str) -> list[dict[str, str]]:
    """The attributes of every item stored under ``service``, read by secretstorage directly."""
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        return [item.get_attributes() for item in
                secretstorage.search_items(connection, {"service": service})]
    finally:
        connection.close()


def _forget_service(service: str) -> None:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        for item in secretstorage.search_items(connection, {"service": service}):
            item.delete()
    finally:
        connection.close()


def read_elsewhere(service: str, ref: str) -> str | None:
    """The secret as another process sees it: it is in the Secret Service, not in our memory."""
    code = ("import sys, keyring; v = keyring.get_password(sys.argv[1], sys.argv[2]); "
            "print(repr(v))")
    done = subprocess.run([sys.executable, "-c", code, service, ref], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip())  # type: ignore[no-any-return]
