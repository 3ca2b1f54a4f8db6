"""Which proxy a request goes through, decided without I/O (SPEC 7.3).

A session's ``proxy=`` is an ``http://``, ``https://``, ``socks5://`` or ``socks5h://`` URL
(``socks5h``: the proxy resolves host names), with the credentials in the URL or given as
``proxy_auth=(user, password)`` (which wins over the URL's). With ``trust_env=True`` and no
``proxy=``, the proxy comes from the environment as curl reads it: ``HTTP_PROXY`` for
``http``/``ws`` URLs, ``HTTPS_PROXY`` for ``https``/``wss``, ``ALL_PROXY`` for either when the
other is not set, and ``NO_PROXY`` names the hosts reached directly (it applies to proxies
from the environment; an explicit ``proxy=`` is always used). Lower-case names win over
upper-case ones, as in curl and ``urllib``.

HTTP(S) proxies are aiohttp's own (``CONNECT`` for HTTPS targets); SOCKS proxies go through
``aiohttp-socks``, on a connection pool of their own.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from yarl import URL

from .errors import UsageError

__all__ = ["PROXY_SCHEMES", "Proxy", "environment_proxy", "parse_proxy"]

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
_TARGET_SCHEME = {"http": "http", "ws": "http", "https": "https", "wss": "https"}


@dataclass(frozen=True)
class Proxy:
    """A proxy: where it is (``url``, no credentials) and the credentials it wants."""

    url: URL
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def is_socks(self) -> bool:
        return self.url.scheme.startswith("socks")

    @property
    def name(self) -> str:
        """How messages name the proxy: its URL without the password."""
        return str(self.url.with_user(self.user)) if self.user else str(self.url)

    def basic_credentials(self) -> str:
        """The ``Proxy-Authorization`` value for the credentials (UTF-8, as curl sends them)."""
        pair = f"{self.user or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def socks_url(self) -> str:
        """The URL aiohttp-socks takes: credentials in it, ``socks5h`` spelt as it wants."""
        url = self.url.with_scheme("socks5")
        if self.user is not None:
            url = url.with_user(self.user).with_password(self.password or "")
        return str(url)


def parse_proxy(value: str | URL, auth: tuple[str, str] | None = None) -> Proxy:
    """A checked :class:`Proxy` from a ``proxy=`` URL and ``proxy_auth=``, or
    :class:`UsageError` saying what is wrong."""
    text = str(value).strip()
    if "://" not in text:
        text = "http://" + text  # as curl and the environment variables mean it
    try:
        url = URL(text)
    except ValueError as exc:
        raise UsageError(f"invalid proxy URL {value!r}: {exc}") from None
    scheme = url.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        raise UsageError(f"the proxy {url.with_password(None)} has an unsupported scheme "
                         f"{scheme!r}: use one of {', '.join(PROXY_SCHEMES)}")
    if not url.host:  # yarl refuses most such URLs itself; this catches the rest
        raise UsageError(f"the proxy URL {value!r} names no host")
    user, password = url.user, url.password
    if auth is not None:
        if not (isinstance(auth, tuple | list) and len(auth) == 2
                and all(isinstance(part, str) for part in auth)):
            raise UsageError("proxy_auth must be a (user, password) pair of strings")
        user, password = auth
    bare = URL.build(scheme=scheme, host=url.host, port=url.explicit_port)
    return Proxy(bare, user, password)


def environment_proxy(url: URL, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy the environment names for ``url``, or None for a direct connection.

    ``environ`` defaults to ``os.environ``; it is read on every call, so a change to the
    environment takes effect at the next request."""
    proxies = _proxies(tuple(sorted(environ.items())) if environ is not None else None)
    scheme = _TARGET_SCHEME.get(url.scheme.lower())
    if scheme is None:
        return None
    chosen = proxies.get(scheme) or proxies.get("all")
    if not chosen:
        return None
    host = url.raw_host or ""
    if proxies.get("no") and _bypassed(host, url.explicit_port, proxies):
        return None
    return chosen


def _proxies(items: tuple[tuple[str, str], ...] | None) -> dict[str, str]:
    if items is None:
        return urllib.request.getproxies_environment()
    return _proxies_from(items)


@lru_cache(maxsize=8)
def _proxies_from(items: tuple[tuple[str, str], ...]) -> dict[str, str]:
    # urllib reads os.environ only; the same rules over a given mapping (tests, settings).
    found: dict[str, str] = {}
    for name, value in items:
        if value and name.lower().endswith("_proxy") and name.isupper():
            found[name[:-6].lower()] = value
    for name, value in items:
        if value and name.lower().endswith("_proxy") and name.islower():
            found[name[:-6]] = value  # lower case wins
    return found


def _bypassed(host: str, port: int | None, proxies: dict[str, str]) -> bool:
    target = f"{host}:{port}" if port is not None else host
    return bool(urllib.request.proxy_bypass_environment(target, proxies))  # type: ignore[attr-defined]
