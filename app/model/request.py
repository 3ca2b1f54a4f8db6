"""Plain request models: what an editor shows, what a workspace file stores, what gets sent.

No Qt here: the window's editors expose ``to_model()`` / ``load_model()`` over these, and the
workspace, importers and exporters read and write them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from app.model.checks import AssertModel, CaptureModel, parse_asserts, parse_captures

__all__ = [
    "OAUTH2_GRANTS",
    "OPTION_CERT_MODES",
    "OPTION_PROXY_MODES",
    "SECRET_AUTH_FIELDS",
    "TERMINAL_PROTOCOLS",
    "AuthKind",
    "AuthModel",
    "BodyKind",
    "BodyModel",
    "GrpcModel",
    "KeyValue",
    "MultipartField",
    "RequestMode",
    "RequestModel",
    "RequestOptions",
    "TerminalModel",
    "method_label",
    "query_of",
    "with_query",
]


@dataclass
class KeyValue:
    """One row of a params, headers or form table."""

    name: str = ""
    value: str = ""
    enabled: bool = True


class BodyKind(StrEnum):
    NONE = "none"
    JSON = "json"
    TEXT = "text"
    XML = "xml"
    FORM = "form"
    MULTIPART = "multipart"
    BINARY = "binary"
    #: A GraphQL operation: the query is ``text``, sent as the standard JSON payload.
    GRAPHQL = "graphql"


#: The Content-Type each textual body kind is sent with, unless a header says otherwise.
BODY_CONTENT_TYPES = {
    BodyKind.JSON: "application/json",
    BodyKind.TEXT: "text/plain; charset=utf-8",
    BodyKind.XML: "application/xml",
}


@dataclass
class MultipartField:
    """A text part (``value`` is the text) or a file part (``value`` is the file's path)."""

    name: str = ""
    value: str = ""
    is_file: bool = False
    content_type: str = ""
    enabled: bool = True
    #: A file part whose path came from an import (someone else's collection): the first send
    #: should ask before the file leaves the machine, then clear this.
    imported: bool = False


@dataclass
class BodyModel:
    kind: BodyKind = BodyKind.NONE
    #: The text of a JSON, text or XML body, exactly as typed (a GraphQL body's query).
    text: str = ""
    form: list[KeyValue] = field(default_factory=list)
    multipart: list[MultipartField] = field(default_factory=list)
    #: The file of a binary body.
    file_path: str = ""
    #: Whether ``file_path`` came from an import: as :attr:`MultipartField.imported`.
    file_imported: bool = False
    #: A GraphQL body's variables: the JSON text of an object, exactly as typed.
    graphql_variables: str = ""
    #: The GraphQL operation to run: empty for the only one (or the first).
    graphql_operation: str = ""

    def imported_files(self) -> list[str]:
        """The local files a send of this body reads whose paths came from an import, in
        the order they are sent: what the window asks about before the first send. The parts
        and kinds ``compose`` sends are the ones looked at (an unticked or unnamed part, the
        binary file of another kind of body, stay home)."""
        if self.kind is BodyKind.MULTIPART:
            paths = [part.value for part in self.multipart
                     if part.enabled and part.name and part.is_file and part.imported
                     and part.value]
            return list(dict.fromkeys(paths))
        if self.kind is BodyKind.BINARY and self.file_imported and self.file_path:
            return [self.file_path]
        return []

    def clear_import_marks(self) -> None:
        """The user said these files may be sent: they are no longer someone else's."""
        self.file_imported = False
        for part in self.multipart:
            part.imported = False


class AuthKind(StrEnum):
    NONE = "none"
    BASIC = "basic"
    BEARER = "bearer"
    API_KEY = "api_key"
    DIGEST = "digest"
    BACKENDAI = "backendai"
    OAUTH2 = "oauth2"
    AWS_SIGV4 = "aws_sigv4"


#: The OAuth 2.0 grants an :class:`AuthModel` may name in ``grant``.
OAUTH2_GRANTS = ("client_credentials", "password", "authorization_code", "device_code")

#: The auth fields whose values are secrets: kept in the keyring, never in a file, blanked in
#: the history and in the saved window state.
SECRET_AUTH_FIELDS = ("password", "token", "key_value", "secret_key", "client_secret",
                      "session_token")


@dataclass
class AuthModel:
    """Every field any auth kind needs; each kind reads its own.

    OAuth 2.0 reads ``grant`` (one of :data:`OAUTH2_GRANTS`) and the endpoint and client
    fields its grant uses (the password grant also ``username`` and ``password``); AWS
    Signature V4 reads ``access_key``, ``secret_key``, ``region``, ``service`` and
    ``session_token``. New fields are added at the end, with defaults, so that files written
    before them (which hold only non-default fields) read the same."""

    kind: AuthKind = AuthKind.NONE
    username: str = ""
    password: str = ""
    token: str = ""
    key_name: str = "X-API-Key"
    key_value: str = ""
    key_location: str = "header"
    access_key: str = ""
    secret_key: str = ""
    api_version: str = "v9.20250722"
    hash_type: str = "sha256"
    domain: str = "default"
    grant: str = "client_credentials"
    token_url: str = ""
    authorize_url: str = ""
    device_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    scope: str = ""
    audience: str = ""
    #: How the client secret goes to the token endpoint: ``basic`` (HTTP Basic) or ``body``.
    client_auth: str = "basic"
    pkce: bool = True
    region: str = ""
    service: str = ""
    session_token: str = ""

    def secret_values(self) -> list[str]:
        """The non-empty values of the secret fields (what a redaction masks)."""
        return [value for name in SECRET_AUTH_FIELDS if (value := getattr(self, name))]

    def without_secrets(self) -> AuthModel:
        """A copy with every secret field blank."""
        blank: dict[str, Any] = dict.fromkeys(SECRET_AUTH_FIELDS, "")
        return replace(self, **blank)


class RequestMode(StrEnum):
    """How a request is sent; the values are what workspace files hold."""

    HTTP = "http"
    SSE = "sse"
    WEBSOCKET = "websocket"
    TERMINAL = "terminal"
    #: A gRPC call: the target is ``url`` (``grpc://host:port``, ``grpcs://host:port`` for
    #: TLS, or a bare ``host:port``), metadata is ``headers``, TLS options are ``options``;
    #: the rest is :class:`GrpcModel`.
    GRPC = "grpc"

    @classmethod
    def read(cls, value: object) -> RequestMode:
        """The mode a file names; an unknown one is sent as plain HTTP (the window has
        always opened such a request in HTTP mode)."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.HTTP


#: The window's total deadline for a request by default: the whole exchange, body included
#: (a server trickling a byte at a time never trips the per-read timeout).
DEFAULT_TOTAL_TIMEOUT = 300.0


@dataclass
class RequestOptions:
    #: Seconds for connect and for each read; None waits forever.
    timeout: float | None = 30.0
    follow_redirects: bool = True
    verify_tls: bool = True
    ca_file: str = ""
    #: Seconds for the whole exchange, body included; None has no deadline. An event stream
    #: or a WebSocket is bounded only until it is open. (Last, so that positional use of the
    #: older fields keeps its meaning.)
    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT
    #: The proxy of this request (:data:`OPTION_PROXY_MODES`): ``default`` follows the
    #: window's network settings, ``none`` goes direct, ``url`` goes through ``proxy_url``
    #: (``{{variables}}`` allowed; a password in it only as a ``{{variable}}``).
    proxy_mode: str = "default"
    proxy_url: str = ""
    #: The client certificate of this request (:data:`OPTION_CERT_MODES`): ``default``
    #: follows the window's settings for the host, ``none`` presents none, ``files`` presents
    #: ``client_cert`` (PEM or PKCS#12) with ``client_key`` (a PEM key file, or empty) and
    #: ``client_cert_passphrase``, which may only name a ``{{variable}}`` (a secret one keeps
    #: it in the keyring): the options are written to the request file as they are.
    client_cert_mode: str = "default"
    client_cert: str = ""
    client_key: str = ""
    client_cert_passphrase: str = ""

    def without_secrets(self) -> RequestOptions:
        """A copy fit for a file, the history or the window's state: a passphrase or a proxy
        password typed as it is (not as a ``{{variable}}``) is left out; compose refuses
        both, so nothing that could be sent is lost."""
        from app.model.templating import names_a_variable

        passphrase = self.client_cert_passphrase
        if passphrase and not names_a_variable(passphrase):
            passphrase = ""
        return replace(self, client_cert_passphrase=passphrase,
                       proxy_url=_without_password(self.proxy_url))


def _without_password(url: str) -> str:
    """``url`` without a password that is not a ``{{variable}}``."""
    from urllib.parse import urlsplit

    from app.model.templating import names_a_variable

    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    credentials, at, host = authority.rpartition("@")
    if not at:
        return url
    try:
        password = urlsplit("http://" + authority).password
    except ValueError:
        password = None
    if not password or names_a_variable(password):
        return url
    user = credentials.partition(":")[0]
    prefix = f"{scheme}://" if sep else ""
    return f"{prefix}{user}@{host}{slash}{path}"


#: The proxy choices of :attr:`RequestOptions.proxy_mode`.
OPTION_PROXY_MODES = ("default", "none", "url")
#: The client certificate choices of :attr:`RequestOptions.client_cert_mode`.
OPTION_CERT_MODES = ("default", "none", "files")


#: The terminal wire protocols a request may name (``app.terminal.protocols.PROTOCOLS``).
TERMINAL_PROTOCOLS = ("raw", "terminado", "ttyd", "kubernetes", "backendai")


@dataclass
class TerminalModel:
    """How a terminal request talks to its server: the wire protocol and the size it opens
    with (the pane then follows its own size)."""

    protocol: str = "raw"
    rows: int = 24
    cols: int = 80

    @classmethod
    def read(cls, data: object) -> TerminalModel:
        """What a file holds, checked: an unknown protocol or a size out of range is an error
        that names it."""
        if not isinstance(data, dict):
            return cls()
        protocol = str(data.get("protocol", "raw"))
        if protocol not in TERMINAL_PROTOCOLS:
            raise ValueError(f"unknown terminal protocol {protocol!r} "
                             f"(one of {', '.join(TERMINAL_PROTOCOLS)})")
        rows, cols = data.get("rows", 24), data.get("cols", 80)
        for name, value in (("rows", rows), ("cols", cols)):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
                raise ValueError(f"terminal {name} must be a whole number from 1 to 1000, "
                                 f"not {value!r}")
        return cls(protocol, rows, cols)


@dataclass
class GrpcModel:
    """What a gRPC request sends beyond its target, metadata and TLS options (those are the
    request's ``url``, ``headers`` and ``options``; ``options.timeout`` is not the deadline).

    ``message`` is the JSON text as typed: one message object; for a client- or
    bidi-streaming method a JSON array of objects sends them in order. ``protos`` are the
    .proto files describing the service (empty: server reflection), their imports found in
    ``import_paths``. ``deadline`` is in seconds (None: no deadline)."""

    #: The full method name, ``pkg.Service/Method``.
    method: str = ""
    message: str = ""
    protos: list[str] = field(default_factory=list)
    import_paths: list[str] = field(default_factory=list)
    deadline: float | None = None

    @classmethod
    def read(cls, data: object) -> GrpcModel:
        """What a file holds, checked: a value of the wrong type, or a deadline that is not a
        positive number, is an error that names it."""
        if not isinstance(data, dict):
            return cls()
        texts: dict[str, str] = {}
        for name in ("method", "message"):
            value = data.get(name, "")
            if not isinstance(value, str):
                raise ValueError(f"gRPC {name} must be text, not {value!r}")
            texts[name] = value
        lists: dict[str, list[str]] = {}
        for name in ("protos", "import_paths"):
            value = data.get(name) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"gRPC {name} must be a list of paths, not {value!r}")
            lists[name] = list(value)
        deadline = data.get("deadline")
        if deadline is not None and (
                isinstance(deadline, bool) or not isinstance(deadline, int | float)
                or not 0 < deadline < float("inf")):
            raise ValueError(f"gRPC deadline must be a positive number of seconds, "
                             f"not {deadline!r}")
        return cls(texts["method"], texts["message"], lists["protos"], lists["import_paths"],
                   None if deadline is None else float(deadline))


@dataclass
class RequestModel:
    """A request as the user composed it. ``url`` holds the enabled query parameters;
    ``params`` mirrors them and also keeps the disabled ones."""

    name: str = "New request"
    method: str = "GET"
    url: str = ""
    params: list[KeyValue] = field(default_factory=list)
    headers: list[KeyValue] = field(default_factory=list)
    body: BodyModel = field(default_factory=BodyModel)
    auth: AuthModel = field(default_factory=AuthModel)
    options: RequestOptions = field(default_factory=RequestOptions)
    #: How it is sent: plain HTTP, as an event stream, or as a WebSocket.
    mode: RequestMode = RequestMode.HTTP
    #: The subprotocols a WebSocket asks for, and the messages saved to send again.
    ws_subprotocols: list[str] = field(default_factory=list)
    ws_saved: list[dict[str, str]] = field(default_factory=list)
    #: A terminal's protocol and opening size.
    terminal: TerminalModel = field(default_factory=TerminalModel)
    #: Checks on the response, and values taken from it for the requests that follow
    #: (SPEC §9; ``app.model.checks``).
    asserts: list[AssertModel] = field(default_factory=list)
    captures: list[CaptureModel] = field(default_factory=list)
    #: Free text kept with the request: what an import could not translate (a Postman test
    #: script line), or the user's own remarks. Written to the file only when there is some.
    notes: str = ""
    #: A gRPC request's method, message, .proto files and deadline.
    grpc: GrpcModel = field(default_factory=GrpcModel)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # The file form (a capture's ``from``, an op's name), which from_dict reads back.
        data["asserts"] = [a.to_dict() for a in self.asserts]
        data["captures"] = [c.to_dict() for c in self.captures]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestModel:
        body = dict(data.get("body") or {})
        auth = dict(data.get("auth") or {})
        return cls(
            name=str(data.get("name", "New request")),
            method=str(data.get("method", "GET")),
            url=str(data.get("url", "")),
            params=[KeyValue(**kv) for kv in data.get("params") or []],
            headers=[KeyValue(**kv) for kv in data.get("headers") or []],
            body=BodyModel(
                kind=BodyKind(body.get("kind", "none")),
                text=str(body.get("text", "")),
                graphql_variables=str(body.get("graphql_variables", "")),
                graphql_operation=str(body.get("graphql_operation", "")),
                form=[KeyValue(**kv) for kv in body.get("form") or []],
                multipart=[MultipartField(**f) for f in body.get("multipart") or []],
                file_path=str(body.get("file_path", "")),
                file_imported=bool(body.get("file_imported", False)),
            ),
            auth=AuthModel(**{**auth, "kind": AuthKind(auth.get("kind", "none"))}),
            options=RequestOptions(**(data.get("options") or {})),
            mode=RequestMode.read(data.get("mode", "http")),
            ws_subprotocols=[str(p) for p in data.get("ws_subprotocols") or []],
            ws_saved=[dict(m) for m in data.get("ws_saved") or []],
            terminal=TerminalModel.read(data.get("terminal")),
            asserts=parse_asserts(data.get("asserts")),
            captures=parse_captures(data.get("captures")),
            notes=str(data.get("notes") or ""),
            grpc=GrpcModel.read(data.get("grpc")),
        )


#: What a list shows in place of the HTTP method for the modes that do not send one.
_MODE_LABELS: dict[str, str] = {RequestMode.WEBSOCKET: "WS", RequestMode.SSE: "SSE",
                                 RequestMode.TERMINAL: "TERM", RequestMode.GRPC: "gRPC"}


def method_label(method: str, mode: str) -> str:
    """What the sidebar shows beside a request's name: its HTTP method, or its mode's short
    name (``WS``, ``SSE``, ``TERM``, ``gRPC``) for a request sent another way."""
    # By the text itself: a StrEnum member is equal to its value and hashes as it, and
    # RequestMode(mode) took some 4 µs a call (40 ms of a 10,000-request sidebar).
    return _MODE_LABELS.get(mode, method)


def query_of(url: str) -> list[KeyValue]:
    """The query of ``url`` as rows, raw (no percent-decoding, ``{{vars}}`` kept)."""
    _, sep, rest = url.partition("?")
    if not sep:
        return []
    query = rest.split("#", 1)[0]
    rows = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        rows.append(KeyValue(name, value, True))
    return rows


def with_query(url: str, params: list[KeyValue]) -> str:
    """``url`` with its query replaced by the enabled rows of ``params`` (raw text kept)."""
    base, _, rest = url.partition("?")
    fragment = ""
    if "#" in (rest or base):
        if rest:
            rest, _, fragment = rest.partition("#")
        else:
            base, _, fragment = base.partition("#")
    pieces = [
        f"{row.name}={row.value}" if row.value or "=" in row.name else row.name
        for row in params
        if row.enabled and (row.name or row.value)
    ]
    text = base + ("?" + "&".join(pieces) if pieces else "")
    return text + ("#" + fragment if fragment else "")
