"""The pure core of the request library: no I/O, only decisions.

URL joining, method validation, query and header merging, and what a redirect turns a request
into all live here, so the synchronous and asynchronous sessions share one behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from app.model.http import STANDARD_METHODS, canonical_method, is_token, media_type

from .errors import ErrorKind, RequestError, UsageError

if TYPE_CHECKING:
    from .content import Body

__all__ = [
    "MAX_REDIRECTS",
    "Params",
    "PreparedRequest",
    "ResponseInfo",
    "host_header",
    "join_url",
    "merge_headers",
    "merge_params",
    "normalize_method",
    "origin_of",
    "redirect_request",
]

MAX_REDIRECTS = 20
_ABSOLUTE = re.compile(r"^(https?|wss?)://", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

ParamValue: TypeAlias = str | int | float | bool | None
Params: TypeAlias = (
    Mapping[str, ParamValue | Sequence[ParamValue]] | Sequence[tuple[str, ParamValue]]
)


def normalize_method(method: str) -> str:
    """Upper-case the standard methods; keep any other RFC 9110 token exactly as given."""
    if method in STANDARD_METHODS:
        return method
    if not isinstance(method, str) or not is_token(method):
        raise ValueError(f"{method!r} is not a valid HTTP method (an RFC 9110 token)")
    return canonical_method(method)


def join_url(endpoint: URL | None, path: str | URL | None) -> URL:
    """Join a request path to the session endpoint the way the Backend.AI SDK does.

    The endpoint's path without its trailing ``/``, then ``/``, then the path without its
    leading ``/``. An absolute ``http(s)://`` or ``ws(s)://`` path is used as it is.
    """
    return _join(endpoint, str(path) if path is not None else "")


@lru_cache(maxsize=256)
def _join(endpoint: URL | None, text: str) -> URL:
    # Cached: a session sends the same few paths again and again, and URLs are immutable.
    if _ABSOLUTE.match(text):
        return URL(text)
    if endpoint is None:
        raise UsageError(
            f"the request path {text!r} is not an absolute URL and the session has no endpoint"
        )
    base = str(endpoint.with_query(None).with_fragment(None)).rstrip("/")
    return URL(base + "/" + text.lstrip("/"))


def _param_text(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def merge_params(url: URL, params: Params | None) -> URL:
    """Add ``params`` after the query the URL already has; a list value repeats its key."""
    if not params:
        return url
    items: Iterable[tuple[str, Any]] = (
        params.items() if isinstance(params, Mapping) else params
    )
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if isinstance(value, list | tuple):
            pairs.extend((key, _param_text(v)) for v in value if v is not None)
        elif value is not None:
            pairs.append((key, _param_text(value)))
    return url.extend_query(pairs)


def merge_headers(
    base: Mapping[str, str] | None, override: Mapping[str, str] | None
) -> CIMultiDict[str]:
    """Session headers, with every name the request sets replaced by the request's value."""
    merged: CIMultiDict[str] = CIMultiDict(base or {})
    if override:
        own = CIMultiDict(override)
        for name in own:
            merged.popall(name, None)
        merged.extend(own)
    return merged


_SAME_ORIGIN_SCHEME = {"ws": "http", "wss": "https"}


def origin_of(url: URL) -> tuple[str, str, int | None]:
    """The (scheme, host, port) triple that decides whether credentials may follow a redirect.

    ``ws`` counts as ``http`` and ``wss`` as ``https`` (SPEC 1.5): a WebSocket handshake is an
    HTTP request to the same server."""
    scheme = url.scheme.lower()
    port = url.explicit_port if url.explicit_port is not None else _DEFAULT_PORTS.get(scheme)
    return (_SAME_ORIGIN_SCHEME.get(scheme, scheme), (url.host or "").lower(), port)


def host_header(url: URL) -> str:
    """The value of the ``Host`` header for ``url``: the port only when it is not the default."""
    host = url.raw_host or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = url.explicit_port
    if port is not None and port != _DEFAULT_PORTS.get(url.scheme.lower()):
        return f"{host}:{port}"
    return host


@dataclass
class PreparedRequest:
    """One transmission of a request: what goes on the wire, before auth has been applied."""

    method: str
    url: URL
    headers: CIMultiDict[str]
    body: Body | None = None
    #: The origin of the first request of the chain: credentials go only there.
    origin: tuple[str, str, int | None] = ("", "", None)

    def __post_init__(self) -> None:
        if not self.origin[0]:
            self.origin = origin_of(self.url)

    @property
    def cross_origin(self) -> bool:
        """True when a redirect has led away from the first request's origin."""
        return origin_of(self.url) != self.origin

    @property
    def content_media_type(self) -> str | None:
        """The media type of the Content-Type that will be sent, lower-cased, no parameters."""
        value = self.headers.get("Content-Type")
        if value is None:
            return None
        return media_type(value)

    def copy(self) -> PreparedRequest:
        return replace(self, headers=CIMultiDict(self.headers))


@dataclass(frozen=True)
class ResponseInfo:
    """What an auth flow or the redirect policy sees of a response."""

    status: int
    headers: CIMultiDictProxy[str]
    url: URL
    history: tuple[tuple[int, str], ...] = field(default=())
    #: The body, read only for an auth flow's own request (an ``AuthRequest``).
    body: bytes = b""
    reason: str = ""


_BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding", "Content-Encoding")
#: Typed headers that carry credentials: never sent to another origin than the first.
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def redirect_request(
    request: PreparedRequest, response: ResponseInfo, *, websocket: bool = False
) -> PreparedRequest | None:
    """What following ``response`` turns ``request`` into, or None when it is not a redirect.

    301/302 turn a POST into a GET without a body, 303 turns anything but HEAD into one,
    307/308 keep method and body. Leaving the origin drops the credentials. A WebSocket
    handshake (``websocket=True``) may also be sent on to a ``ws://`` or ``wss://`` URL.
    """
    if response.status not in (301, 302, 303, 307, 308):
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    try:
        target = request.url.join(URL(location))
    except ValueError as exc:
        raise RequestError(
            f"The redirect from {request.url} points to an invalid URL: {location!r}",
            url=str(request.url),
            kind=ErrorKind.REDIRECT,
        ) from exc
    if target.scheme not in (("http", "https", "ws", "wss") if websocket else ("http", "https")):
        raise RequestError(
            f"The redirect from {request.url} points to an unsupported URL: {location!r}",
            url=str(request.url),
            kind=ErrorKind.REDIRECT,
        )
    if not target.fragment and request.url.fragment:
        target = target.with_fragment(request.url.fragment)
    nxt = request.copy()
    nxt.url = target
    nxt.headers.popall("Host", None)
    if (response.status == 303 and request.method != "HEAD") or (
        response.status in (301, 302) and request.method == "POST"
    ):
        nxt.method = "GET"
        nxt.body = None
        for name in _BODY_HEADERS:
            nxt.headers.popall(name, None)
    if nxt.cross_origin:
        for name in _CREDENTIAL_HEADERS:
            nxt.headers.popall(name, None)
    return nxt
