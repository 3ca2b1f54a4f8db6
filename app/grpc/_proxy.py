"""Which HTTP proxy a gRPC channel goes through (SPEC 7.3's proxies, as far as gRPC allows).

grpcio tunnels a channel through an HTTP proxy with ``CONNECT`` (the channel argument
``grpc.http_proxy``, credentials in the URL become ``Proxy-Authorization: Basic``); it has no
SOCKS and no TLS to the proxy itself, so those are refused in words. Left to itself grpcio
also reads ``grpc_proxy``/``https_proxy``/``http_proxy`` from the environment; here the
environment is read only when asked (``trust_env``, as a session does), and then decided on
here, ``no_proxy`` included, so that the channel and the certificate fetch of
:mod:`._pinning` go the same way.
"""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import quote, unquote, urlsplit

from app.client.errors import UsageError

__all__ = ["proxy_for", "without_credentials"]


def _from_environment(target: str, tls: bool) -> str | None:
    found = urllib.request.getproxies_environment()
    if found.get("no") and urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
            target, found):
        return None
    # grpc's own order (grpc_proxy, then https_proxy/http_proxy), then ALL_PROXY as the
    # HTTP client takes it (SPEC 7.3).
    for name in ("grpc", "https" if tls else "http", "http", "all"):
        value = os.environ.get(f"{name}_proxy") if name == "grpc" else found.get(name)
        if value:
            return value
    return None


def proxy_for(target: str, tls: bool, proxy: str | None,
              proxy_auth: tuple[str, str] | None, trust_env: bool) -> str | None:
    """The proxy URL (``http://[user:password@]host:port``) a channel to ``target`` goes
    through, or None for a direct one; ``UsageError`` for a proxy gRPC cannot use."""
    if proxy is None and trust_env:
        proxy = _from_environment(target, tls)
    if proxy is None:
        return None
    if not isinstance(proxy, str) or not proxy.strip():
        raise UsageError(f"A proxy is an http:// URL, not {proxy!r}")
    text = proxy.strip()
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        port = parts.port or 80
    except ValueError as exc:
        raise UsageError(f"Not a proxy URL {text!r}: {exc}") from None
    if parts.scheme != "http":
        raise UsageError(f"gRPC goes through HTTP proxies (http://) only, not {parts.scheme}:// "
                         f"({without_credentials(text)})")
    if not parts.hostname:
        raise UsageError(f"The proxy URL {without_credentials(text)} names no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if proxy_auth is not None:
        user, password = proxy_auth
    elif parts.username is not None:
        user, password = unquote(parts.username), unquote(parts.password or "")
    else:
        return f"http://{host}:{port}"
    return f"http://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}"


def without_credentials(url: str) -> str:
    """``url`` without its user and password (what a message may show)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "(a proxy URL)"
    return f"{parts.scheme}://{netloc}" if parts.scheme else netloc
