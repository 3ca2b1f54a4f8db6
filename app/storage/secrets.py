"""Where secrets live: the OS keyring behind a small interface.

Workspace files never hold a secret (SPEC §3); they hold an opaque reference made by
:func:`new_ref`, and a :class:`SecretStore` maps that reference to the value.

* :class:`KeyringSecrets` is the real store: the ``keyring`` library (Secret Service,
  KWallet, macOS Keychain, Windows Credential Locker). When no usable keyring exists it
  raises :class:`SecretsUnavailable` with a message for the user; it never falls back to
  a plaintext file.
* :class:`MemorySecrets` keeps values in a dict, for tests and scripts.

Every call on :class:`KeyringSecrets` is blocking (D-Bus round trips, possibly an unlock
prompt), so the window must call it off the UI thread, e.g.
``await asyncio.to_thread(store.get, ref)``.

``keyring`` and its backend (for the Secret Service: secretstorage, jeepney, cryptography)
weigh over 20 MiB, so this module imports them only when a secret is really read, written or
deleted. :meth:`SecretStore.probe` answers "is there a keyring?" for a window that has not
needed one yet by asking a short-lived child process (``spyglass --keyring-probe``, see
:func:`probe_main`), which chooses a backend exactly as this process would.

Exceptions::

    RuntimeError
     └── SecretsUnavailable   no keyring, a locked one, or any keyring.errors.KeyringError
"""

from __future__ import annotations

import abc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keyring.backend
    import keyring.errors

__all__ = [
    "PROBE_FLAG",
    "UNAVAILABLE_MESSAGE",
    "KeyringSecrets",
    "MemorySecrets",
    "SecretStore",
    "SecretsUnavailable",
    "new_ref",
    "probe_main",
]

#: The entry point's flag that runs :func:`probe_main` instead of the window.
PROBE_FLAG = "--keyring-probe"

#: :func:`probe_main`'s exit statuses; any other status means the probe itself failed.
_PROBE_AVAILABLE, _PROBE_UNAVAILABLE = 0, 3

#: Seconds a probe may take (a slow D-Bus activation) before the check is made here instead.
_PROBE_TIMEOUT = 20.0

UNAVAILABLE_MESSAGE = (
    "No system keyring is available: secrets are not saved anywhere. Install and unlock a "
    "Secret Service (GNOME Keyring, KWallet) or your platform's keychain, then try again."
)


class SecretsUnavailable(RuntimeError):
    """The keyring cannot store or read secrets; ``str(error)`` is meant for the user."""


def new_ref() -> str:
    """Return a new opaque reference id under which a secret is stored."""
    import uuid  # with the first secret stored: it loads `platform`, unused at start

    return f"secret-{uuid.uuid4().hex}"


class SecretStore(abc.ABC):
    """Maps opaque references to secret values. Implementations may block."""

    @abc.abstractmethod
    def get(self, ref: str) -> str | None:
        """Return the secret stored under ``ref``, or ``None`` when there is none."""

    @abc.abstractmethod
    def set(self, ref: str, value: str) -> None:
        """Store ``value`` under ``ref``, replacing any previous value."""

    @abc.abstractmethod
    def delete(self, ref: str) -> None:
        """Forget the secret under ``ref``; deleting a missing reference is not an error."""

    @abc.abstractmethod
    def available(self) -> bool:
        """Whether this store can actually keep secrets."""

    def probe(self) -> bool:
        """:meth:`available`, answered as cheaply as the store can: for a window that wants to
        warn early but may never read a secret. Blocking, like :meth:`available`."""
        return self.available()


class MemorySecrets(SecretStore):
    """An in-memory store, for tests and throwaway sessions. Nothing reaches the disk."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, ref: str) -> str | None:
        return self._values.get(ref)

    def set(self, ref: str, value: str) -> None:
        self._values[ref] = value

    def delete(self, ref: str) -> None:
        self._values.pop(ref, None)

    def available(self) -> bool:
        return True


class KeyringSecrets(SecretStore):
    """Secrets in the OS keyring, under ``service`` with the reference as the user name.

    The backend is looked up on every call, so ``keyring.set_keyring`` takes effect at once.
    All calls block: run them off the UI thread (``asyncio.to_thread``).
    """

    def __init__(self, service: str = "spyglass") -> None:
        self.service = service

    def _backend(self) -> keyring.backend.KeyringBackend:
        import keyring
        import keyring.backends.fail

        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring):
            raise SecretsUnavailable(UNAVAILABLE_MESSAGE)
        return backend

    def get(self, ref: str) -> str | None:
        import keyring.errors

        backend = self._backend()
        try:
            return backend.get_password(self.service, ref)
        except keyring.errors.KeyringError as error:
            raise _unavailable(error) from error

    def set(self, ref: str, value: str) -> None:
        import keyring.errors

        backend = self._backend()
        try:
            backend.set_password(self.service, ref, value)
        except keyring.errors.KeyringError as error:
            raise _unavailable(error) from error

    def delete(self, ref: str) -> None:
        import keyring.errors

        backend = self._backend()
        try:
            backend.delete_password(self.service, ref)
        except keyring.errors.PasswordDeleteError:
            # Backends raise this for a missing entry; deleting is idempotent here,
            # but a secret that is still there after the error means a real failure.
            if self.get(ref) is not None:
                raise SecretsUnavailable(
                    f"{UNAVAILABLE_MESSAGE} (the secret could not be deleted)"
                ) from None
        except keyring.errors.KeyringError as error:
            raise _unavailable(error) from error

    def available(self) -> bool:
        return _keyring_usable()

    def probe(self) -> bool:
        """:meth:`available` without loading keyring into this process, when it is not loaded
        yet: then nothing here can have chosen a backend (``keyring.set_keyring``), and a
        child process with the same environment and configuration files chooses as this one
        would. Once keyring is loaded, or when the child cannot answer, the check is made here.
        """
        if "keyring" in sys.modules:
            return self.available()
        import subprocess
        command = [sys.executable, PROBE_FLAG] if getattr(sys, "frozen", False) \
            else [sys.executable, "-m", "app", PROBE_FLAG]
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=_PROBE_TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError):
            return self.available()
        if done.returncode in (_PROBE_AVAILABLE, _PROBE_UNAVAILABLE):
            return done.returncode == _PROBE_AVAILABLE
        return self.available()


def _keyring_usable() -> bool:
    import keyring
    import keyring.backends.fail

    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def probe_main() -> int:
    """``spyglass --keyring-probe``: exit 0 when keyring finds a backend that can keep
    secrets, 3 when it does not (:meth:`KeyringSecrets.probe` runs this in a child)."""
    return _PROBE_AVAILABLE if _keyring_usable() else _PROBE_UNAVAILABLE


def _unavailable(error: keyring.errors.KeyringError) -> SecretsUnavailable:
    detail = str(error).strip()
    message = f"{UNAVAILABLE_MESSAGE} ({detail})" if detail else UNAVAILABLE_MESSAGE
    return SecretsUnavailable(message)
