"""The OAuth 2.0 ``token_store`` the window hands the library: token sets kept in the keyring.

The library keeps a grant's token set as JSON under its ``store_key`` (the grant, the token
endpoint and the client) in any ``MutableMapping[str, str]``. This one maps that key to a
:class:`~app.storage.secrets.SecretStore` entry whose reference is a digest of the key, so a
token (access and refresh) outlives the process without ever reaching a file, the history or
an export.

Every call blocks as the keyring does: the library calls the store on a worker thread, and the
window does the same. A keyring that is missing or refuses is not a failed send: the token is
then kept in memory for this run only, and :attr:`KeyringTokenStore.problem` says why.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, MutableMapping

from app.storage.secrets import SecretStore, SecretsUnavailable

__all__ = ["KeyringTokenStore", "token_ref"]


def token_ref(key: str) -> str:
    """The secret store reference of the token set stored under ``key``."""
    return "oauth2-token-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class KeyringTokenStore(MutableMapping[str, str]):
    """Token sets in ``secrets`` (the keyring), or in memory when it cannot keep them.

    Iteration lists the keys this store has read or written in this run: a keyring cannot be
    searched for them, and nobody needs the others."""

    def __init__(self, secrets: SecretStore) -> None:
        self.secrets = secrets
        #: Why tokens are kept only in memory (the keyring's words), or None.
        self.problem: str | None = None
        self._memory: dict[str, str] = {}
        self._known: set[str] = set()
        self._lock = threading.Lock()  # worker threads share this store

    def __getitem__(self, key: str) -> str:
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            try:
                value = self.secrets.get(token_ref(key))
            except SecretsUnavailable as exc:
                self.problem = str(exc)
                value = None
            if value is None:
                raise KeyError(key)
            self._known.add(key)
            return value

    def __setitem__(self, key: str, value: str) -> None:
        with self._lock:
            self._known.add(key)
            try:
                self.secrets.set(token_ref(key), value)
            except SecretsUnavailable as exc:
                self.problem = str(exc)
                self._memory[key] = value
            else:
                self._memory.pop(key, None)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            held = self._memory.pop(key, None) is not None
            try:
                stored = self.secrets.get(token_ref(key)) is not None
                self.secrets.delete(token_ref(key))
            except SecretsUnavailable as exc:
                self.problem = str(exc)
                stored = False
            self._known.discard(key)
            if not (held or stored):
                raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(sorted(self._known | set(self._memory)))

    def __len__(self) -> int:
        with self._lock:
            return len(self._known | set(self._memory))
