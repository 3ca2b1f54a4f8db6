"""Which proxy and client certificate a request's session uses (SPEC 7.3), decided without I/O.

The window's :class:`~app.model.network_settings.NetworkConfig` gives the defaults (a proxy:
none, the environment's, or a manual one with its ``NO_PROXY`` list; a client certificate
per host), and a request's :class:`~app.model.request.RequestOptions` may override each. The
answer is a :class:`SessionNetwork`, a hashable value that is part of the session pool's key:
requests that differ in proxy or certificate never share a session.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from app.model.network_settings import NetworkConfig
from app.model.request import OPTION_CERT_MODES, OPTION_PROXY_MODES, RequestOptions
from app.model.templating import (
    MAX_EXPANSION,
    VARIABLE,
    expanded_size,
    names_a_variable,
    unresolved,
)

__all__ = ["DIRECT", "NetworkProblem", "SessionNetwork", "network_for"]


class NetworkProblem(ValueError):
    """The request's proxy or certificate cannot be used as given; the message says why."""


@dataclass(frozen=True)
class SessionNetwork:
    """How a session reaches servers: ``proxy`` (a URL without credentials, None: direct or
    the environment's when ``trust_env``) with its credentials, and the client certificate
    files (``cert`` empty: none) with the passphrase. Secrets never show in a ``repr``."""

    proxy: str | None = None
    proxy_user: str | None = None
    proxy_password: str | None = field(default=None, repr=False)
    trust_env: bool = False
    cert: str = ""
    key: str = ""
    cert_passphrase: str = field(default="", repr=False)

    def session_arguments(self) -> dict[str, object]:
        """The ``AsyncSession`` keyword arguments for this network."""
        from app.client.tls import ClientCertificate

        arguments: dict[str, object] = {"trust_env": self.trust_env}
        if self.proxy is not None:
            arguments["proxy"] = self.proxy
            if self.proxy_user is not None:
                arguments["proxy_auth"] = (self.proxy_user, self.proxy_password or "")
        if self.cert:
            arguments["client_cert"] = ClientCertificate(
                self.cert, self.key or None, self.cert_passphrase or None)
        return arguments


#: No proxy, no certificate.
DIRECT = SessionNetwork()


def _substitute(text: str, variables: Mapping[str, str], what: str) -> str:
    missing = unresolved(text, variables)
    if missing:
        names = ", ".join(f"{{{{{n}}}}}" for n in dict.fromkeys(missing))
        raise NetworkProblem(f"Unresolved variable {names} in the {what}")
    if expanded_size(text, variables) > len(text) + MAX_EXPANSION:
        raise NetworkProblem(f"The variables in the {what} expand to more than "
                             f"{MAX_EXPANSION >> 20} MiB")
    return VARIABLE.sub(lambda m: variables[m.group(1)], text)


def _bypassed(no_proxy: list[str], host: str, port: int | None) -> bool:
    if not no_proxy:
        return False
    target = f"{host}:{port}" if port is not None else host
    return bool(urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
        target, {"no": ",".join(no_proxy)}))


def _request_proxy(options: RequestOptions, variables: Mapping[str, str]
                   ) -> tuple[str, str | None, str | None]:
    raw = options.proxy_url.strip()
    if not raw:
        raise NetworkProblem("Enter the proxy's URL in Options, or choose another proxy")
    try:
        password = urlsplit(raw if "://" in raw else "http://" + raw).password
    except ValueError as exc:
        raise NetworkProblem(f"Not a proxy URL: {exc}") from None
    if password and not names_a_variable(password):
        raise NetworkProblem("Write the proxy's password as a {{variable}} (a secret one is "
                             "kept in the keyring): the request's options are saved in its file")
    text = _substitute(raw, variables, "proxy URL")
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        port = parts.port
    except ValueError as exc:
        raise NetworkProblem(f"Not a proxy URL: {exc}") from None
    if not parts.hostname:
        raise NetworkProblem(f"The proxy URL {raw!r} names no host")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    bare = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    user = unquote(parts.username) if parts.username is not None else None
    secret = unquote(parts.password) if parts.password is not None else None
    return bare, user, secret


def network_for(options: RequestOptions, config: NetworkConfig, url: str | None,
                variables: Mapping[str, str] | None = None) -> SessionNetwork:
    """The :class:`SessionNetwork` of a request to ``url`` (None: no particular host, so no
    per-host certificate and no ``NO_PROXY`` check) with ``options``, under the window's
    ``config``; :class:`NetworkProblem` when the request's own choice cannot be used."""
    variables = variables or {}
    settings, secrets = config.settings, config.secrets
    host, port = "", None
    if url:
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            host, port = (parts.hostname or ""), parts.port
        except ValueError:
            host, port = "", None  # compose names the bad URL itself

    if options.proxy_mode not in OPTION_PROXY_MODES:
        raise NetworkProblem(f"Unknown proxy choice {options.proxy_mode!r} (one of "
                             f"{', '.join(OPTION_PROXY_MODES)})")
    proxy: str | None = None
    user: str | None = None
    password: str | None = None
    trust_env = False
    if options.proxy_mode == "url":
        proxy, user, password = _request_proxy(options, variables)
    elif options.proxy_mode == "default":
        if settings.proxy_mode == "system":
            trust_env = True
        elif settings.proxy_mode == "manual" and not (
                host and _bypassed(settings.no_proxy_hosts, host, port)):
            proxy = settings.proxy_url.strip()
            if settings.proxy_user:
                user, password = settings.proxy_user, secrets.proxy_password

    if options.client_cert_mode not in OPTION_CERT_MODES:
        raise NetworkProblem(f"Unknown client certificate choice {options.client_cert_mode!r} "
                             f"(one of {', '.join(OPTION_CERT_MODES)})")
    cert = key = passphrase = ""
    if options.client_cert_mode == "files":
        if not options.client_cert.strip():
            raise NetworkProblem("Choose the client certificate file in Options, or choose "
                                 "another client certificate")
        given = options.client_cert_passphrase
        if given.strip() and not names_a_variable(given):
            raise NetworkProblem("Write the certificate's passphrase as a {{variable}} (a "
                                 "secret one is kept in the keyring): the request's options "
                                 "are saved in its file")
        cert = _substitute(options.client_cert.strip(), variables, "client certificate")
        key = _substitute(options.client_key.strip(), variables, "client key")
        passphrase = _substitute(given.strip(), variables, "certificate passphrase")
    elif options.client_cert_mode == "default" and host:
        chosen = settings.certificate_for(host, port)
        if chosen is not None:
            cert, key = chosen.cert, chosen.key
            passphrase = secrets.passphrase(chosen.host)
    return SessionNetwork(proxy, user, password, trust_env, cert, key, passphrase)
