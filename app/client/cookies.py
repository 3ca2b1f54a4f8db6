"""A session's cookies as plain values: the jar behind ``session.cookies`` (SPEC 7.2).

:class:`Cookie` is a frozen value (what a cookie manager lists and what a store saves);
:class:`Cookies` is a view over the session's aiohttp jar that lists, sets, deletes and clears
them. Every jar operation runs on the loop that owns the jar: directly under an
``AsyncSession``, through the worker loop under a synchronous ``Session``, so that a
cookie manager on another thread never races a response that is storing cookies.

aiohttp keeps a cookie's ``Max-Age`` relative to when it arrived and does not say when that
was; :class:`SessionCookieJar` writes the absolute deadline into the stored cookie's
``expires`` the moment it is stored, so that a listing (and a saved jar) gives the real expiry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any, TypeVar

import aiohttp
from aiohttp.abc import AbstractCookieJar
from yarl import URL

from .errors import UsageError

__all__ = ["SAME_SITE_VALUES", "Cookie", "Cookies", "SessionCookieJar", "make_jar"]

T = TypeVar("T")

#: The values a ``SameSite`` attribute may take (RFC 6265bis), as they are written.
SAME_SITE_VALUES = ("Strict", "Lax", "None")


@dataclass(frozen=True)
class Cookie:
    """One cookie of a jar. ``expires`` is a Unix time in seconds (None: a session cookie,
    gone when the jar is); ``domain`` is the host it was set by when it set no Domain."""

    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None


def _expires_of(morsel: Morsel[str]) -> float | None:
    text = morsel["expires"]
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, OverflowError):
        return None  # aiohttp kept a date it could not read either: a session cookie


def _cookie_of(morsel: Morsel[str]) -> Cookie:
    return Cookie(
        name=morsel.key,
        value=morsel.value,
        domain=morsel["domain"],
        path=morsel["path"] or "/",
        expires=_expires_of(morsel),
        secure=bool(morsel["secure"]),
        http_only=bool(morsel["httponly"]),
        same_site=morsel["samesite"] or None,
    )


def _identities(jar: aiohttp.CookieJar) -> dict[tuple[str, str, str], int]:
    return {(m["domain"], m["path"], m.key): id(m) for m in jar}


class SessionCookieJar(aiohttp.CookieJar):
    """aiohttp's jar (cookies for IP-address hosts too, as a browser keeps them), which also
    records when a ``Max-Age`` cookie expires, for listings and saved jars."""

    def __init__(self) -> None:
        super().__init__(unsafe=True)

    def update_cookies(self, cookies: Any, response_url: URL = URL()) -> None:  # noqa: B008
        before = _identities(self)
        super().update_cookies(cookies, response_url)
        self._stamp(before)

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        if not headers:
            return  # most responses: nothing to compare
        before = _identities(self)
        super().update_cookies_from_headers(headers, response_url)
        self._stamp(before)

    def _stamp(self, before: dict[tuple[str, str, str], int]) -> None:
        """Turn the ``Max-Age`` of each cookie stored just now into an absolute ``expires``.

        Writing it into the stored cookie also makes an identical ``Set-Cookie`` received
        later differ from it, so aiohttp stores that one anew and it is stamped anew."""
        now = time.time()
        for morsel in self:
            if before.get((morsel["domain"], morsel["path"], morsel.key)) == id(morsel):
                continue
            max_age = morsel["max-age"]
            if not max_age:
                continue
            try:
                seconds = int(max_age)
            except ValueError:
                continue
            morsel["expires"] = formatdate(min(now + seconds, self.SUB_MAX_TIME), usegmt=True)


def make_jar(keep: bool) -> AbstractCookieJar:
    """The jar of a new session: a :class:`SessionCookieJar`, or one that keeps nothing.

    Must run on the loop that will use it (aiohttp binds a jar to the running loop)."""
    return SessionCookieJar() if keep else aiohttp.DummyCookieJar()


class Cookies:
    """``session.cookies``: the session's cookie jar, as :class:`Cookie` values.

    Iterating, ``len()`` and :meth:`list` give the cookies now in the jar (expired ones are
    dropped first). Under ``Session(cookies=False)`` the jar keeps nothing: it lists nothing,
    :meth:`clear` and :meth:`delete` do nothing, and :meth:`set` raises :class:`UsageError`.
    """

    def __init__(
        self,
        jar: Callable[[], AbstractCookieJar],
        call: Callable[[Callable[[], Any]], Any],
    ) -> None:
        # ``jar`` gets the session's jar on its loop; ``call`` runs a function on that loop.
        self._jar = jar
        self._call = call

    def _run(self, action: Callable[[AbstractCookieJar], T]) -> T:
        result: T = self._call(lambda: action(self._jar()))
        return result

    def list(self, domain: str | None = None) -> list[Cookie]:
        """The cookies in the jar, sorted by domain, path and name; only those of ``domain``
        and its subdomains when it is given."""
        def listing(jar: AbstractCookieJar) -> list[Cookie]:
            found = [_cookie_of(m) for m in jar]
            if domain is not None:
                found = [c for c in found if _domain_matches(domain, c.domain)]
            return sorted(found, key=lambda c: (c.domain, c.path, c.name))
        return self._run(listing)

    def __iter__(self) -> Iterator[Cookie]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def get(self, name: str, *, domain: str | None = None, path: str | None = None
            ) -> Cookie | None:
        """The first cookie called ``name`` (of ``domain`` and ``path`` when given), or None."""
        for cookie in self.list():
            if cookie.name == name and _matches(cookie, domain, path):
                return cookie
        return None

    def set(
        self,
        name: str,
        value: str,
        *,
        domain: str,
        path: str = "/",
        expires: float | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: str | None = None,
    ) -> Cookie:
        """Put a cookie in the jar, replacing one with the same name, domain and path; it is
        sent to ``domain`` and its subdomains. ``expires`` is a Unix time (None: a session
        cookie); one in the past removes the cookie. Returns the cookie as stored."""
        morsel = _morsel(name, value, domain=domain, path=path, expires=expires,
                         secure=secure, http_only=http_only, same_site=same_site)

        def store(jar: AbstractCookieJar) -> None:
            if isinstance(jar, aiohttp.DummyCookieJar):
                raise UsageError("this session keeps no cookies (it was made with cookies=False)")
            jar.update_cookies({name: morsel}, URL.build(scheme="https", host=morsel["domain"]))

        self._run(store)
        return _cookie_of(morsel)

    def update(self, cookies: Iterable[Cookie]) -> None:
        """Put every cookie of ``cookies`` in the jar (a saved jar, loaded back)."""
        for cookie in cookies:
            self.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path,
                     expires=cookie.expires, secure=cookie.secure, http_only=cookie.http_only,
                     same_site=cookie.same_site)

    def delete(self, name: str, *, domain: str | None = None, path: str | None = None) -> int:
        """Remove the cookies called ``name`` (only of exactly ``domain`` and ``path`` when
        they are given); returns how many went."""
        def remove(jar: AbstractCookieJar) -> int:
            def doomed(m: Morsel[str]) -> bool:
                return m.key == name and _matches(_cookie_of(m), domain, path)
            count = sum(1 for m in jar if doomed(m))
            if count:
                jar.clear(doomed)
            return count
        return self._run(remove)

    def clear(self, domain: str | None = None) -> None:
        """Remove every cookie, or those of ``domain`` and its subdomains."""
        def empty(jar: AbstractCookieJar) -> None:
            if domain is None:
                jar.clear()
            else:
                jar.clear_domain(domain.lstrip(".").lower())
        self._run(empty)


def _matches(cookie: Cookie, domain: str | None, path: str | None) -> bool:
    return (domain is None or cookie.domain == domain.lstrip(".").lower()) and (
        path is None or cookie.path == path)


def _domain_matches(domain: str, host: str) -> bool:
    domain = domain.lstrip(".").lower()
    return host == domain or host.endswith("." + domain)


def _morsel(
    name: str, value: str, *, domain: str, path: str, expires: float | None,
    secure: bool, http_only: bool, same_site: str | None,
) -> Morsel[str]:
    """A checked cookie, or :class:`UsageError` saying what is wrong with it."""
    domain = (domain or "").strip().lstrip(".").lower()
    if not domain:
        raise UsageError(f"the cookie {name!r} needs a domain")
    if not path.startswith("/"):
        raise UsageError(f"a cookie's path must start with '/', not {path!r}")
    if same_site is not None and same_site.capitalize() not in SAME_SITE_VALUES:
        raise UsageError(f"same_site must be one of {', '.join(SAME_SITE_VALUES)}, "
                         f"not {same_site!r}")
    jar = SimpleCookie()
    try:
        jar[name] = value
    except CookieError as exc:
        raise UsageError(f"{name!r} cannot be a cookie name: {exc}") from None
    morsel = jar[name]
    morsel["domain"] = domain
    morsel["path"] = path
    if expires is not None:
        morsel["expires"] = formatdate(max(float(expires), 0.0), usegmt=True)
    if secure:
        morsel["secure"] = True
    if http_only:
        morsel["httponly"] = True
    if same_site is not None:
        morsel["samesite"] = same_site.capitalize()
    return morsel
