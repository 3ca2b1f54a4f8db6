"""Turn a :class:`~app.model.request.RequestModel` into an ``app.client`` request ready to send.

Everything the user typed is checked here, before any byte goes out, and every problem is a
:class:`ComposeError` naming the field to look at (``url``, ``method``, ``headers``, ``body``,
``auth``, ``options``, and ``variables`` for a GraphQL body's variables).
"""

from __future__ import annotations

import json
import mimetypes
import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from app.client import AsyncSession, AttachedFile, CertificateError, Limits, Request, Timeout
from app.client.auth import Auth
from app.client.content import ReportHook
from app.client.cookies import Cookies, SessionCookieJar
from app.client.errors import UsageError
from app.graphql.schema import ACCEPT as GRAPHQL_ACCEPT
from app.model.compose_auth import AuthCache, AuthProblem, auth_of
from app.model.compose_errors import ComposeError, substitute
from app.model.compose_grpc import resolve_paths
from app.model.compose_network import DIRECT, NetworkProblem, SessionNetwork, network_for
from app.model.graphql_body import graphql_payload
from app.model.http import is_field_value, is_token
from app.model.limit_settings import LimitSettings
from app.model.network_settings import NetworkConfig
from app.model.request import (
    BODY_CONTENT_TYPES,
    AuthModel,
    BodyKind,
    BodyModel,
    RequestModel,
    RequestOptions,
)
from app.model.templating import resolve_nested, unresolved

__all__ = ["ComposeError", "ComposedRequest", "SessionKey", "SessionPool", "compose",
           "resolve_nested", "session_key", "substitute", "timeout_of", "unresolved"]


SessionKey = tuple[bool, str, bool, SessionNetwork]


def session_key(options: RequestOptions, network: SessionNetwork = DIRECT) -> SessionKey:
    """Requests whose options and network give the same key can share one session (TLS,
    redirects, proxy, client certificate)."""
    return (options.verify_tls, options.ca_file, options.follow_redirects, network)


def make_session(options: RequestOptions, limits: Limits | None = None,
                 network: SessionNetwork = DIRECT, *,
                 cookies: bool | SessionCookieJar = True) -> AsyncSession:
    """A session configured by ``options`` (TLS verification, CA file, redirects) and
    ``network`` (proxy, client certificate), holding responses within ``limits`` (the
    library's defaults when None), keeping ``cookies`` (a jar: shared with other sessions)."""
    ca_file = options.ca_file or None
    if ca_file and not os.path.isfile(ca_file):
        raise ComposeError("options", f"CA file not found: {ca_file}")
    try:
        return AsyncSession(verify=options.verify_tls, ca_file=ca_file,
                            follow_redirects=options.follow_redirects, limits=limits,
                            cookies=cookies, **network.session_arguments())  # type: ignore[arg-type]
    except CertificateError as exc:  # names the file: a wrong passphrase, a key not its own
        raise ComposeError("options", str(exc)) from exc
    except UsageError as exc:  # a proxy URL the library refuses
        raise ComposeError("options", f"Proxy: {exc}") from exc
    except OSError as exc:  # ssl.SSLError included: an unreadable or invalid bundle
        raise ComposeError("options", f"Cannot use the CA file {ca_file}: {exc}") from exc


@dataclass
class ComposedRequest:
    """A request ready for ``fetch``, and the files it keeps open until it is sent."""

    request: Request[AsyncSession]
    timeout: Timeout | None
    files: ExitStack = field(default_factory=ExitStack)
    url: str = ""

    def close(self) -> None:
        self.files.close()


def _url(model: RequestModel, variables: Mapping[str, str], *, websocket: bool = False) -> str:
    text = substitute(model.url.strip(), variables, "url")
    if not text:
        raise ComposeError("url", "Enter a URL to send the request to")
    if "://" not in text:
        text = ("ws://" if websocket else "http://") + text
    scheme = text.split("://", 1)[0].lower()
    if websocket and scheme not in ("ws", "wss", "http", "https"):
        raise ComposeError("url", f"Unsupported URL scheme {scheme!r}: use ws, wss, http or "
                                  "https")
    if not websocket and scheme not in ("http", "https"):
        raise ComposeError("url", f"Unsupported URL scheme {scheme!r}: use http or https")
    host = text.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0]
    if not host or host.startswith(":"):
        raise ComposeError("url", f"The URL {text!r} has no host")
    return text


def _auth(model: AuthModel, variables: Mapping[str, str], cache: AuthCache | None
          ) -> Auth | None:
    def v(value: str) -> str:
        return substitute(value, variables, "auth")

    try:
        return auth_of(model, variables, v, cache)
    except AuthProblem as exc:
        raise ComposeError("auth", str(exc)) from exc


def _open(files: ExitStack, path: str) -> Any:
    if not path:
        raise ComposeError("body", "Choose a file to send")
    try:
        return files.enter_context(open(path, "rb"))
    except FileNotFoundError as exc:
        raise ComposeError("body", f"File not found: {path}") from exc
    except OSError as exc:
        raise ComposeError("body", f"Cannot read {path}: {exc.strerror or exc}") from exc


def _set_body(rqst: Request[AsyncSession], model: RequestModel, variables: Mapping[str, str],
              files: ExitStack, explicit_type: str | None) -> None:
    body = model.body
    kind = body.kind
    if kind is BodyKind.NONE:
        return
    if kind in BODY_CONTENT_TYPES:
        text = substitute(body.text, variables, "body")
        rqst.set_content(text, content_type=explicit_type or BODY_CONTENT_TYPES[kind])
    elif kind is BodyKind.FORM:
        rqst.set_form([
            (substitute(r.name, variables, "body"), substitute(r.value, variables, "body"))
            for r in body.form
            if r.enabled and r.name
        ])
    elif kind is BodyKind.MULTIPART:
        fields: list[tuple[str, str | AttachedFile]] = []
        for part in body.multipart:
            if not part.enabled or not part.name:
                continue
            if part.is_file:
                stream = _open(files, part.value)
                content_type = (part.content_type or mimetypes.guess_type(part.value)[0]
                                or "application/octet-stream")
                fields.append((part.name, AttachedFile(os.path.basename(part.value), stream,
                                                       content_type)))
            else:
                fields.append((part.name, substitute(part.value, variables, "body")))
        rqst.set_multipart(fields)
    elif kind is BodyKind.GRAPHQL:
        _set_graphql(rqst, body, variables, explicit_type)
    elif kind is BodyKind.BINARY:
        stream = _open(files, body.file_path)
        guessed = mimetypes.guess_type(body.file_path)[0] or "application/octet-stream"
        rqst.set_content(stream, content_type=explicit_type or guessed)


def _set_graphql(rqst: Request[AsyncSession], body: BodyModel, variables: Mapping[str, str],
                 explicit_type: str | None) -> None:
    """The standard payload: a JSON POST body, or for a GET the query parameters GraphQL over
    HTTP defines (``query``, ``variables`` as JSON text, ``operationName``)."""
    payload = graphql_payload(body, variables)
    if rqst.method == "GET":
        rqst.params = [(key, value if isinstance(value, str) else json.dumps(value))
                       for key, value in payload.items()]
    else:
        rqst.set_content(json.dumps(payload, ensure_ascii=False),
                         content_type=explicit_type or BODY_CONTENT_TYPES[BodyKind.JSON])
    if "Accept" not in rqst.headers:
        rqst.headers["Accept"] = GRAPHQL_ACCEPT


def compose(
    session: AsyncSession,
    model: RequestModel,
    variables: Mapping[str, str] | None = None,
    reporthook: ReportHook | None = None,
    *,
    websocket: bool = False,
    auth_cache: AuthCache | None = None,
) -> ComposedRequest:
    """Build the ``app.client`` request for ``model``; raise :class:`ComposeError` when it
    cannot be sent as it stands. ``websocket=True`` also accepts ``ws://`` and ``wss://``
    URLs (and makes ``ws://`` the scheme of a URL without one), for ``connect_websocket``.
    ``auth_cache`` keeps OAuth 2.0 auths (and their tokens) from one send to the next; without
    it each send fetches its own token."""
    variables = resolve_nested(variables or {})
    url = _url(model, variables, websocket=websocket)
    try:
        rqst = Request(session, model.method.strip() or "GET", url, reporthook=reporthook)
    except ValueError as exc:
        raise ComposeError("method", f"{model.method!r} is not a valid HTTP method") from exc
    explicit_type = None
    for row in model.headers:
        if not row.enabled or not row.name.strip():
            continue
        name = row.name.strip()
        if not is_token(name):
            raise ComposeError("headers", f"{name!r} is not a valid header name")
        value = substitute(row.value, variables, "headers")
        if "\n" in value or "\r" in value:
            raise ComposeError("headers", f"The value of header {name} has a line break")
        if not is_field_value(value):
            raise ComposeError("headers",
                               f"The value of header {name} holds a control character")
        if name.lower() == "content-type":
            explicit_type = value
        rqst.headers.add(name, value)
    try:
        rqst.auth = _auth(model.auth, variables, auth_cache)
    except ComposeError:
        raise
    except ValueError as exc:  # a credential that cannot go in a header (CR, LF, NUL...)
        raise ComposeError("auth", f"Auth: {exc}") from exc
    files = ExitStack()
    try:
        _set_body(rqst, model, variables, files, explicit_type)
    except BaseException:
        files.close()
        raise
    if rqst.params:  # a GraphQL GET's query parameters: the URL as it is sent
        url = str(rqst.url)
    return ComposedRequest(rqst, timeout_of(model.options), files, url)


def timeout_of(options: RequestOptions) -> Timeout:
    """The library's :class:`Timeout` for ``options``: the timeout for connect and each read,
    the total deadline for the whole exchange (0 or None: no deadline)."""
    each = options.timeout if options.timeout and options.timeout > 0 else None
    total = options.total_timeout if options.total_timeout and options.total_timeout > 0 else None
    return Timeout(connect=each, read=each, total=total)


class SessionPool:
    """One session per distinct TLS, redirect, proxy and client certificate setting, so
    connections are shared by every request that can share them, and one cookie jar shared
    by all of them (a workspace's, :attr:`cookies`); every session within the pool's
    :class:`~app.model.limit_settings.LimitSettings` (the event streams read
    ``limits.max_event_size`` from here too) and under its
    :class:`~app.model.network_settings.NetworkConfig` (the window's proxy and certificates,
    which a request's options may override). ``auth_cache`` keeps the OAuth 2.0 auths of the
    run, so that a token is reused by every send of the requests that share a grant."""

    def __init__(self, limits: LimitSettings | None = None, *,
                 auth_cache: AuthCache | None = None,
                 network: NetworkConfig | None = None,
                 workspace_root: Callable[[], str | os.PathLike[str] | None] | None = None,
                 ) -> None:
        self.auth_cache = auth_cache if auth_cache is not None else AuthCache()
        #: The folder a request's relative CA and certificate paths are under (its
        #: workspace's, as they are stored; gRPC's are too); None: the process's.
        self._workspace_root = workspace_root
        self._sessions: dict[SessionKey, AsyncSession] = {}
        self._limits = limits or LimitSettings()
        self._client_limits = self._limits.client_limits()
        self._network = network or NetworkConfig()
        self._jar: SessionCookieJar | None = None

    @property
    def limits(self) -> LimitSettings:
        return self._limits

    @property
    def network(self) -> NetworkConfig:
        return self._network

    def set_limits(self, limits: LimitSettings) -> None:
        """Apply ``limits`` from the next request on, the sessions open included (they keep
        their connections and cookies); a response already being read keeps its own."""
        self._limits = limits
        self._client_limits = limits.client_limits()
        for session in self._sessions.values():
            session.limits = self._client_limits

    def set_network(self, network: NetworkConfig) -> None:
        """Apply ``network`` from the next request on. Sessions are keyed by their proxy and
        certificate, so a request made under the old settings keeps its own session; the
        cookie jar is the same."""
        self._network = network

    @property
    def jar(self) -> SessionCookieJar:
        """The jar every session of the pool shares (made on first use, on the loop)."""
        if self._jar is None:
            self._jar = SessionCookieJar()
        return self._jar

    @property
    def cookies(self) -> Cookies:
        """The pool's cookies (:class:`~app.client.cookies.Cookies`); use it on the loop."""
        return Cookies(lambda: self.jar, lambda action: action())

    def get(self, options: RequestOptions, url: str | None = None,
            variables: Mapping[str, str] | None = None) -> AsyncSession:
        """The session for a request to ``url`` with ``options`` (``variables`` fill the
        options' proxy and certificate fields); :class:`ComposeError` when the options'
        proxy or certificate cannot be used. Without ``url`` no per-host certificate is
        chosen and the manual proxy's ``NO_PROXY`` is not consulted."""
        resolved = resolve_nested(variables or {})
        try:
            network = network_for(options, self._network, url, resolved)
        except NetworkProblem as exc:
            raise ComposeError("options", str(exc)) from exc
        options, network = self._files_of(options, network, resolved)
        key = session_key(options, network)
        session = self._sessions.get(key)
        if session is None or session.closed:
            session = self._sessions[key] = make_session(
                options, self._client_limits, network, cookies=self.jar)
        return session

    def _files_of(self, options: RequestOptions, network: SessionNetwork,
                  variables: Mapping[str, str]) -> tuple[RequestOptions, SessionNetwork]:
        """``options`` with the CA file's ``{{variables}}`` filled, and it and the request's
        own certificate files made absolute under the workspace's folder."""
        root = self._workspace_root() if self._workspace_root is not None else None
        ca_file = options.ca_file.strip()
        if ca_file:
            try:
                ca_file = substitute(ca_file, variables, "CA file")
            except ComposeError as exc:
                raise ComposeError("options", str(exc)) from None
            ca_file = resolve_paths([ca_file], root)[0]
            if ca_file != options.ca_file:
                options = replace(options, ca_file=ca_file)
        if options.client_cert_mode == "files" and network.cert:
            network = replace(network, cert=resolve_paths([network.cert], root)[0],
                              key=resolve_paths([network.key], root)[0] if network.key else "")
        return options, network

    def for_request(self, model: RequestModel, variables: Mapping[str, str] | None = None,
                    *, websocket: bool = False) -> AsyncSession:
        """The session ``model`` is sent with: :meth:`get` for its options and its URL."""
        resolved = resolve_nested(variables or {})
        return self.get(model.options, _url(model, resolved, websocket=websocket), resolved)

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
