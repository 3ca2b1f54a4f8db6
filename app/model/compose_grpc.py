"""A gRPC request as it is sent: :func:`grpc_call_of` fills in a :class:`RequestModel` in
gRPC mode (:class:`~app.model.request.GrpcModel`) into a :class:`GrpcCall`, and
:func:`send` makes the call through :mod:`app.grpc`. Free of Qt.

The target is the request's ``url``: ``grpc://host:port`` (plaintext), ``grpcs://host:port``
(TLS) or a bare ``host:port`` (plaintext); metadata is its enabled ``headers``; TLS options
are its ``options``: ``verify_tls`` (off: the server's own certificate is trusted) with
``ca_file``, and the client certificate and the proxy as an HTTP request chooses them (the
request's own, none, or by default the window's: :func:`~app.model.compose_network.network_for`;
an HTTP proxy only). The deadline is ``grpc.deadline`` (``options.timeout`` is not used).

:mod:`app.grpc` (and grpcio with it) is imported when a call is made, not with this module:
the runner and the exporters read requests without starting gRPC.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.model.compose_errors import ComposeError, substitute
from app.model.network_settings import NetworkConfig
from app.model.request import GrpcModel, RequestModel
from app.model.templating import VARIABLE, resolve_nested

if TYPE_CHECKING:
    from app.client.tls import ClientCertificate
    from app.grpc import CallResult
    from app.model.compose_network import SessionNetwork

__all__ = [
    "GRPC_STATUS_CODES",
    "GrpcCall",
    "grpc_call_of",
    "grpc_target",
    "method_is_server_streaming",
    "resolve_paths",
    "send",
]

#: The gRPC status codes by name (fixed by the gRPC protocol; grpc.StatusCode holds the same).
GRPC_STATUS_CODES: dict[str, int] = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9, "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12,
    "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}


@dataclass
class GrpcCall:
    """Everything :func:`app.grpc.call` needs, variables filled in. ``target`` is
    ``host:port``; ``messages`` holds one object, or any number (none too) for a client or
    bidi stream; ``client_cert`` is the certificate presented over TLS (its passphrase never
    shows in a ``repr``)."""

    target: str
    tls: bool
    full_method: str
    messages: list[Any] = field(default_factory=list)
    protos: list[str] = field(default_factory=list)
    import_paths: list[str] = field(default_factory=list)
    metadata: list[tuple[str, str]] = field(default_factory=list)
    deadline: float | None = None
    ca_file: str | None = None
    client_cert: ClientCertificate | None = None
    #: False: the server's certificate is trusted as presented (the options' "verify TLS").
    verify: bool = True
    #: The HTTP proxy (no credentials in it), its credentials, and whether the environment's
    #: proxy is used (the window's "system" proxy).
    proxy: str | None = None
    proxy_auth: tuple[str, str] | None = field(default=None, repr=False)
    trust_env: bool = False

    def channel_keywords(self) -> dict[str, Any]:
        """The keywords of :func:`app.grpc.call` (and ``describe``, ``open_stream``) that
        say how its channel reaches the target."""
        return {"tls": self.tls, "ca_file": self.ca_file, "client_cert": self.client_cert,
                "verify": self.verify, "proxy": self.proxy, "proxy_auth": self.proxy_auth,
                "trust_env": self.trust_env}

    @property
    def url(self) -> str:
        """The target as a URL (``grpc://`` or ``grpcs://``), for history and reports."""
        return f"{'grpcs' if self.tls else 'grpc'}://{self.target}"


def grpc_target(url: str) -> tuple[str, bool]:
    """``(host:port, tls)`` of a gRPC request's URL; :class:`ComposeError` (field ``url``)
    for another scheme, a path, or no port."""
    text = url.strip()
    if not text:
        raise ComposeError("url", "Enter the gRPC target: host:port, grpc://host:port or "
                                  "grpcs://host:port (TLS)")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "grpc", text
    scheme = scheme.lower()
    if scheme not in ("grpc", "grpcs"):
        raise ComposeError("url", f"A gRPC target is grpc:// or grpcs://, not {scheme}://")
    authority, _, path = rest.partition("/")
    if path.strip("/"):
        raise ComposeError("url", f"A gRPC target is host:port, without a path ({path!r}): "
                                  "the method goes in the method field")
    try:
        parts = urlsplit("//" + authority)
        port = parts.port
    except ValueError as exc:
        raise ComposeError("url", f"Not a gRPC target {authority!r}: {exc}") from None
    if not parts.hostname or parts.username is not None:
        raise ComposeError("url", f"Not a gRPC target: {authority!r} (host:port)")
    if port is None:
        raise ComposeError("url", f"The gRPC target {authority!r} names no port (host:port)")
    return authority, scheme == "grpcs"


def resolve_paths(paths: list[str], root: str | os.PathLike[str] | None) -> list[str]:
    """``paths`` with a relative one made absolute under ``root`` (a workspace's folder);
    ``~`` expanded. Without ``root`` a relative path stays as it is (the process's folder)."""
    out = []
    for path in paths:
        expanded = os.path.expanduser(path)
        if root is not None and not os.path.isabs(expanded):
            expanded = os.path.join(os.fspath(root), expanded)
        out.append(os.path.normpath(expanded))
    return out


def exported_paths(paths: list[str], root: str | os.PathLike[str] | None) -> list[str]:
    """``paths`` (their variables filled in) for a command or script run from any folder
    (Copy as grpcurl, as Python), as the call itself takes them: each stripped, an empty one
    left out, a relative one made absolute under ``root``. One with a ``{{variable}}`` left
    in it, or any without ``root``, stays as it is."""
    out = []
    for path in paths:
        path = path.strip()
        if path:
            out.append(path if root is None or VARIABLE.search(path)
                       else resolve_paths([path], root)[0])
    return out


def _filled(text: str, variables: Mapping[str, str], field: str, what: str) -> str:
    """``substitute``, its error naming ``field`` (the editor's part to look at)."""
    try:
        return substitute(text, variables, what)
    except ComposeError as exc:
        raise ComposeError(field, str(exc)) from None


def _messages(text: str) -> list[Any]:
    """The messages of the typed JSON: one object, or an array of objects (a stream of
    them; ``[]`` opens a client or bidi stream sending none, the rest to come from the
    stream view); empty text is one empty message. (A message may be another JSON value, a
    well-known type's form such as ``"2024-01-01T00:00:00Z"`` for a method taking a
    Timestamp; its type checks it when the method is known, and a unary or
    server-streaming method refuses any number but one then.)"""
    if not text.strip():
        return [{}]
    try:
        value = message_json(text)
    except KeyTwice as exc:
        raise ComposeError("message", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ComposeError("message", f"The message is not JSON: {exc.msg} (line {exc.lineno}, "
                                      f"column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise ComposeError("message", f"The message is not JSON: {exc}") from None
    return value if isinstance(value, list) else [value]


class KeyTwice(ValueError):
    """A key given twice in one JSON object of a message."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key!r} is given twice in one object: a field takes one value")


def message_json(text: str) -> Any:
    """The JSON of typed messages, read as protobuf's ``json_format.Parse`` reads it: a key
    given twice in one object is refused (:class:`KeyTwice`), not the last one kept."""
    return json.loads(text, object_pairs_hook=_each_key_once)


def _each_key_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise KeyTwice(key)
            seen.add(key)
    return result


def _method(grpc: GrpcModel, variables: Mapping[str, str]) -> str:
    """``package.Service/Method``, also from ``package.Service.Method`` (as grpcurl takes
    it)."""
    from app.client.errors import UsageError
    from app.grpc.descriptors import split_method

    method = substitute(grpc.method, variables, "method").strip().lstrip("/")
    try:
        return "/".join(split_method(method))
    except UsageError:
        raise ComposeError("method", "Choose the gRPC method (package.Service/Method), not "
                                     f"{method!r}" if method else "Choose the gRPC method"
                           ) from None


def _metadata(model: RequestModel, variables: Mapping[str, str]) -> list[tuple[str, str]]:
    """The enabled metadata rows, checked as :mod:`app.grpc` checks them before a call (a
    name grpcio would drop or replace is refused here, naming the field)."""
    pairs = []
    for row in model.headers:
        if not row.enabled or not row.name.strip():
            continue
        name = _filled(row.name, variables, "headers", "metadata").strip().lower()
        value = _filled(row.value, variables, "headers", "metadata")
        if not name.isascii() or any(c in name for c in " \t\r\n"):
            raise ComposeError("headers", f"{name!r} is not a metadata name")
        if not name.endswith("-bin") and not (value.isascii() and value.isprintable()):
            raise ComposeError("headers", f"The metadata {name} is printable ASCII text "
                                          "(binary values go in a name ending -bin, as base64)")
        pairs.append((name, value))
    if pairs:  # (grpcio comes with it: only for a request that is about to be made)
        from app.client.errors import UsageError
        from app.grpc.messages import split_metadata

        try:
            split_metadata(pairs)
        except UsageError as exc:
            raise ComposeError("headers", str(exc)) from None
    return pairs


def _paths(paths: list[str], variables: Mapping[str, str], field: str, what: str,
           root: str | os.PathLike[str] | None) -> list[str]:
    filled = [_filled(path, variables, field, what).strip() for path in paths]
    return resolve_paths([path for path in filled if path], root)


def _network(model: RequestModel, target: str, tls: bool, variables: Mapping[str, str],
             network: NetworkConfig | None) -> SessionNetwork:
    """The proxy and client certificate of a call, chosen as an HTTP request's are (SPEC
    7.3): the request's own, none, or by default the window's (its certificate for the
    host, its proxy unless ``NO_PROXY`` names the host)."""
    from app.model.compose_network import NetworkProblem, network_for

    try:
        chosen = network_for(model.options, network or NetworkConfig(),
                             f"{'https' if tls else 'http'}://{target}", variables)
    except NetworkProblem as exc:
        raise ComposeError("options", str(exc)) from None
    if chosen.proxy is not None and not chosen.proxy.lower().startswith("http://"):
        scheme = chosen.proxy.partition("://")[0]
        raise ComposeError("options", f"gRPC goes through HTTP proxies (http://) only, not "
                                      f"{scheme}:// ({chosen.proxy}): choose another proxy, or "
                                      "none, in Options")
    return chosen


def _client_cert(chosen: SessionNetwork,
                 workspace_root: str | os.PathLike[str] | None) -> ClientCertificate | None:
    from app.client.tls import ClientCertificate

    if not chosen.cert:
        return None
    cert, *key = resolve_paths([chosen.cert, *([chosen.key] if chosen.key else [])],
                               workspace_root)
    return ClientCertificate(cert, key[0] if key else None, chosen.cert_passphrase or None)


def grpc_call_of(model: RequestModel, variables: Mapping[str, str] | None = None,
                 workspace_root: str | os.PathLike[str] | None = None,
                 network: NetworkConfig | None = None) -> GrpcCall:
    """The call ``model`` (in gRPC mode) makes, ``{{variables}}`` filled in the target,
    method, message, metadata and paths; relative .proto, import, CA and certificate paths
    are under ``workspace_root``; ``network`` gives the window's client certificates by host
    (for a request whose options leave the choice to it). :class:`ComposeError` naming the
    field for anything that cannot be sent: an unresolved variable, a message that is not
    JSON or not an object (an array of them for a stream), a target that is not
    ``host:port``, a certificate passphrase written out in the request's options."""
    variables = resolve_nested(variables or {})
    grpc = model.grpc
    target, tls = grpc_target(substitute(model.url, variables, "url"))
    method = _method(grpc, variables)
    messages = _messages(substitute(grpc.message, variables, "message"))
    deadline = grpc.deadline
    if deadline is not None and not (deadline > 0 and math.isfinite(deadline)):
        raise ComposeError("deadline", f"The deadline is a positive number of seconds, not "
                                       f"{deadline!r}")
    options = model.options
    ca_file = None
    if tls and options.verify_tls:  # else the server's own certificate is trusted, not a CA's
        ca_file = _filled(options.ca_file.strip(), variables, "options", "CA file") or None
        if ca_file is not None:
            ca_file = resolve_paths([ca_file], workspace_root)[0]
    chosen = _network(model, target, tls, variables, network)
    client_cert = _client_cert(chosen, workspace_root) if tls else None
    return GrpcCall(
        target=target, tls=tls, full_method=method, messages=messages,
        protos=_paths(grpc.protos, variables, "protos", ".proto files", workspace_root),
        import_paths=_paths(grpc.import_paths, variables, "import_paths", "import paths",
                            workspace_root),
        metadata=_metadata(model, variables), deadline=deadline, ca_file=ca_file,
        client_cert=client_cert, verify=options.verify_tls or not tls, proxy=chosen.proxy,
        proxy_auth=(chosen.proxy_user, chosen.proxy_password or "")
        if chosen.proxy_user is not None else None,
        trust_env=chosen.trust_env)


async def send(call: GrpcCall) -> CallResult:
    """Make ``call``: a :class:`~app.grpc.CallResult` whatever the status (an unreachable
    target is ``UNAVAILABLE``). ``UsageError`` when a message does not fit its type or the
    method is not found, before anything is sent."""
    import app.grpc

    return await app.grpc.call(
        call.target, call.full_method, call.messages, protos=call.protos,
        import_paths=call.import_paths, metadata=call.metadata, deadline=call.deadline,
        **call.channel_keywords())


async def method_is_server_streaming(call: GrpcCall) -> bool | None:
    """Whether the method of ``call`` streams its responses, from the descriptors the call
    used (no round trip once it has been made); None when they cannot be had."""
    import app.grpc
    from app.client.errors import ClientError
    from app.grpc.client import Endpoint
    from app.grpc.messages import split_metadata

    client = app.grpc.default_client()
    try:
        metadata, headers = split_metadata(call.metadata)
        endpoint = Endpoint.make(call.target, **call.channel_keywords(), headers=headers)
        resolved = await client.thread.run(lambda: client.resolve(
            endpoint, call.full_method, call.protos, call.import_paths, metadata, call.deadline))
    except (ClientError, OSError):
        return None
    return resolved.server_streaming
