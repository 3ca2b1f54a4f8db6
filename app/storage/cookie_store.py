"""A workspace's cookie jar kept between runs, encrypted (SPEC 7.2).

The jar lives in the user data folder (never in the workspace, never in an export), one file
per workspace: ``cookies-<workspace id>.jar``, private (0600) and written atomically. Its
content is the cookies as JSON, encrypted with ``cryptography``'s Fernet (AES-128-CBC with an
HMAC-SHA256: a changed byte is noticed, not decrypted into garbage). The key is made on the
first save and kept in the keyring through a :class:`~app.storage.secrets.SecretStore`, under
a reference derived from the workspace id, so the file alone gives nothing away.

Loading never crashes the caller on a bad jar: a missing key, a key that does not open the
file, or a file that is not a jar raises :class:`CookieJarUnreadable`, whose message says
which and where the file was moved (``<name>.unreadable-<time>``, kept for the user, never
deleted); the next save starts a new jar. Expired cookies are dropped on save and on load.

Every call blocks (the keyring, the disk): the window runs them off the UI thread.

Exceptions::

    RuntimeError
     ├── CookieJarUnreadable   the jar could not be read; it was moved aside
     └── SecretsUnavailable    no keyring (from app.storage.secrets; the file is left as it is)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import write_atomic
from .private import private_dir
from .secrets import SecretStore

if TYPE_CHECKING:
    # The cookie type lives in the request library, which brings aiohttp (some 20 MiB): it is
    # imported when a jar is really read or written, never by a window that only looks for
    # a saved jar at start (bench/idle.py).
    from app.client.cookies import Cookie

__all__ = ["FORMAT_VERSION", "CookieJarStore", "CookieJarUnreadable", "any_jar_saved",
           "workspace_id"]

FORMAT_VERSION = 1
#: A jar's file name: the prefix, the workspace id, the suffix.
_PREFIX, _SUFFIX = "cookies-", ".jar"


class CookieJarUnreadable(RuntimeError):
    """A saved cookie jar could not be read; ``str(error)`` is meant for the user.
    ``kept`` is where the unreadable file was moved (None when it could not be moved)."""

    def __init__(self, message: str, *, kept: Path | None) -> None:
        self.kept = kept
        super().__init__(message)


def workspace_id(folder: str | os.PathLike[str]) -> str:
    """A stable id for the workspace at ``folder``: the same folder gives the same id, under
    whatever spelling of its path (it is resolved first)."""
    import hashlib  # OpenSSL's digests: a window with no saved jar does without them

    resolved = str(Path(folder).expanduser().resolve())
    return hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:24]


def any_jar_saved(data_folder: str | os.PathLike[str]) -> bool:
    """Whether ``data_folder`` holds a saved jar of any workspace: when not, no workspace's
    jar needs looking for (nor its id computing)."""
    try:
        names = os.listdir(data_folder)
    except (FileNotFoundError, NotADirectoryError):
        return False
    # Another OSError (an unreadable folder) goes on, as reading the jar would have.
    return any(n.startswith(_PREFIX) and n.endswith(_SUFFIX) for n in names)


class CookieJarStore:
    """Saves and loads one workspace's cookies, encrypted, in ``data_folder``."""

    def __init__(self, data_folder: str | os.PathLike[str], workspace: str,
                 secrets: SecretStore, *, keep_session_cookies: bool = True) -> None:
        if not workspace or any(c in workspace for c in "/\\:") or workspace in (".", ".."):
            raise ValueError(f"not a workspace id: {workspace!r}")
        self.folder = Path(data_folder)
        self.path = self.folder / f"{_PREFIX}{workspace}{_SUFFIX}"
        #: Where the key is kept in the keyring.
        self.key_ref = f"cookie-jar-key-{workspace}"
        self.secrets = secrets
        #: Whether cookies without an expiry (gone when a browser closes) are kept too: an
        #: API explorer's login usually is one.
        self.keep_session_cookies = keep_session_cookies

    def save(self, cookies: Iterable[Cookie]) -> int:
        """Write ``cookies`` (replacing the saved jar); returns how many were written."""
        from cryptography.fernet import Fernet

        now = time.time()
        kept = [asdict(c) for c in cookies
                if (c.expires is None and self.keep_session_cookies)
                or (c.expires is not None and c.expires > now)]
        payload = json.dumps({"version": FORMAT_VERSION, "cookies": kept},
                             separators=(",", ":")).encode("utf-8")
        key = self.secrets.get(self.key_ref)
        if key is None or not _usable_key(key):
            key = Fernet.generate_key().decode("ascii")
            self.secrets.set(self.key_ref, key)
        private_dir(self.folder)
        write_atomic(self.path, Fernet(key.encode("ascii")).encrypt(payload), private=True)
        return len(kept)

    def load(self) -> list[Cookie]:
        """The saved cookies that have not expired; ``[]`` when nothing was saved.

        Raises :class:`CookieJarUnreadable` (the file moved aside) when the key is missing or
        wrong or the file is damaged."""
        from cryptography.fernet import Fernet, InvalidToken

        try:
            token = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise CookieJarUnreadable(
                f"The saved cookies ({self.path}) cannot be read: {exc.strerror or exc}",
                kept=None) from exc
        key = self.secrets.get(self.key_ref)
        if key is None:
            raise self._set_aside("its key is not in the keyring (was the keyring reset?)")
        if not _usable_key(key):
            raise self._set_aside("the key in the keyring is not a cookie jar key")
        try:
            payload = Fernet(key.encode("ascii")).decrypt(token)
        except InvalidToken:
            raise self._set_aside(
                "the key in the keyring does not open it, or the file is damaged") from None
        try:
            return _cookies_of(json.loads(payload))
        except (ValueError, TypeError, KeyError) as exc:
            raise self._set_aside(f"its content is not a cookie jar ({exc})") from exc

    def delete(self) -> None:
        """Forget the saved jar and its key (a cleared jar, or a removed workspace)."""
        self.path.unlink(missing_ok=True)
        self.secrets.delete(self.key_ref)

    def _set_aside(self, why: str) -> CookieJarUnreadable:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            return CookieJarUnreadable(
                f"The saved cookies ({self.path}) cannot be read: {why}. The file could not "
                f"be moved aside ({exc.strerror or exc}): it is left as it is.", kept=None)
        return CookieJarUnreadable(
            f"The saved cookies cannot be read: {why}. The file was kept as {aside}; the "
            "session starts with no cookies.", kept=aside)


def _usable_key(key: str) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


def _cookies_of(document: Any) -> list[Cookie]:
    from app.client.cookies import Cookie

    names = {f.name for f in fields(Cookie)}
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError(f"not a version {FORMAT_VERSION} cookie jar")
    now = time.time()
    found = []
    for item in document["cookies"]:
        if not isinstance(item, dict) or set(item) != names:
            raise ValueError("a cookie entry has the wrong fields")
        cookie = Cookie(**item)
        if not all(isinstance(getattr(cookie, name), str)
                   for name in ("name", "value", "domain", "path")):
            raise TypeError("a cookie's name, value, domain and path must be text")
        if cookie.expires is not None:
            if isinstance(cookie.expires, bool) or not isinstance(cookie.expires, int | float):
                raise TypeError("a cookie's expiry must be a number")
            if cookie.expires <= now:
                continue
        found.append(cookie)
    return found
