"""Curl commands to requests and back.

``parse_curl`` reads what browsers' "Copy as cURL" (bash and Windows cmd), Postman's export and
API documentation produce; ``to_curl`` writes a command that curl runs the same way. Pure text
in, model out: no Qt and no I/O (an ``@file`` argument becomes a file path; it is never read).

How curl's options map onto :class:`~app.model.request.RequestModel`:

- ``-X``/``--request`` sets the method; otherwise ``-I`` means HEAD, ``-T`` PUT, any body POST.
- ``-H``, ``-A``, ``-e``, ``-b name=value`` become header rows, in the order given. An
  ``Authorization: Bearer``/``Basic`` header becomes the matching auth instead.
- ``-d``/``--data*``/``--json`` data (several join with ``&``) becomes the body, its kind chosen
  by the Content-Type: JSON, XML, text, or a form when urlencoded data parses as pairs. A
  Content-Type header that only repeats what the body kind sends anyway is dropped.
  ``-G`` moves the data into the query instead. ``@file`` (and ``-T file``) is a binary body.
- ``-F`` builds a multipart body (``@file`` and ``<file`` are file parts, ``;type=`` their
  content type); ``-u`` Basic (or ``--digest``) auth; ``--oauth2-bearer``
  Bearer auth; ``-k``, ``-L``, ``-m`` and ``--cacert`` the options. As in curl, redirects are
  followed only with ``-L`` and there is no timeout without ``-m``.
- ``-x``/``--proxy`` (with ``-U``/``--proxy-user`` folded into its URL) is the request's own
  proxy, ``--noproxy '*'`` none; ``-E``/``--cert file[:passphrase]`` with ``--key`` (and
  ``--pass``; ``--cert-type P12`` needs nothing more) its own client certificate. A cookie
  file (``-b file``) and a cookie jar (``-c``) are noted by :func:`curl_notes`: the window
  keeps its own jar.

Unknown options are skipped (with their value, for the options curl documents as taking one).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, unquote_to_bytes

from app.interchange.curl_aws import aws_sigv4_args, aws_sigv4_auth
from app.interchange.curl_network import cert_arg, network_args
from app.interchange.shell_words import cmd_words, posix_words
from app.model.http import canonical_method, is_token, media_type
from app.model.request import (
    BODY_CONTENT_TYPES,
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
    query_of,
    with_query,
)

__all__ = ["auth_from_headers", "curl_notes", "implied_content_type", "is_curl_command",
           "parse_curl", "parse_form", "to_curl"]

_CURL_START = re.compile(r"^\s*(?:\$\s+)?curl(?:\.exe)?(?=\s|$)", re.IGNORECASE)
# Chrome's "Copy as cURL (cmd)" quoting: curl ^"https://...^"
_CMD_QUOTES = re.compile(r'^\s*curl(?:\.exe)?\s+\^"', re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_FORM_PAIRS = re.compile(r"[^&=]*=[^&]*(?:&[^&=]*=[^&]*)*")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_BEARER = re.compile(r"bearer\s+(\S.*)", re.IGNORECASE)
_BASIC = re.compile(r"basic\s+([A-Za-z0-9+/=]+)", re.IGNORECASE)

#: Short options the parser understands, by the long name it handles them under.
_SHORT_NAMES = {
    "X": "request", "H": "header", "d": "data", "F": "form", "u": "user", "G": "get",
    "I": "head", "k": "insecure", "L": "location", "m": "max-time", "A": "user-agent",
    "b": "cookie", "e": "referer", "T": "upload-file", "x": "proxy", "U": "proxy-user",
    "E": "cert", "c": "cookie-jar",
}
#: Short options that take a value (curl's documented list); the others are flags.
_SHORT_WITH_VALUE = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
#: Long options that take a value, so that an unknown one's value is skipped with it.
_LONG_OPTIONS_WITH_VALUE = """
    abstract-unix-socket alt-svc aws-sigv4 cacert capath cert cert-type ciphers config
    connect-timeout connect-to continue-at cookie cookie-jar create-file-mode crlfile curves
    data data-ascii data-binary data-raw data-urlencode delegation dns-interface dns-ipv4-addr
    dns-ipv6-addr dns-servers doh-url dump-header ech egd-file engine etag-compare etag-save
    expect100-timeout form form-string ftp-account ftp-alternative-to-user ftp-method ftp-port
    ftp-ssl-ccc-mode happy-eyeballs-timeout-ms haproxy-clientip header hostpubmd5 hostpubsha256
    hsts interface ip-tos ipfs-gateway json keepalive-cnt keepalive-time key key-type krb
    libcurl limit-rate local-port login-options mail-auth mail-from mail-rcpt max-filesize
    max-redirs max-time netrc-file noproxy oauth2-bearer output output-dir parallel-max pass
    pinnedpubkey preproxy proto proto-default proto-redir proxy proxy-cacert proxy-capath
    proxy-cert proxy-cert-type proxy-ciphers proxy-crlfile proxy-header proxy-key
    proxy-key-type proxy-pass proxy-pinnedpubkey proxy-service-name proxy-tls13-ciphers
    proxy-tlsauthtype proxy-tlspassword proxy-tlsuser proxy-user proxy1.0 pubkey quote
    random-file range rate referer request request-target resolve retry retry-delay
    retry-max-time sasl-authzid service-name socks4 socks4a socks5 socks5-gssapi-service
    socks5-hostname speed-limit speed-time stderr telnet-option tftp-blksize time-cond tls-max
    tls13-ciphers tlsauthtype tlspassword tlsuser trace trace-ascii trace-config unix-socket
    upload-file url url-query user user-agent variable vlan-priority write-out
"""
_LONG_WITH_VALUE = frozenset(_LONG_OPTIONS_WITH_VALUE.split())


def is_curl_command(text: str) -> bool:
    """Whether ``text`` looks like a curl command line (what a paste into the URL bar checks)."""
    return _CURL_START.match(text) is not None


# -- options -------------------------------------------------------------------------------


@dataclass
class _Data:
    text: str = ""
    file: str | None = None
    json: bool = False


@dataclass
class _Command:
    """What the options of one curl command said, before it becomes a model."""

    url: str | None = None
    method: str | None = None
    headers: list[KeyValue] = field(default_factory=list)
    data: list[_Data] = field(default_factory=list)
    form: list[MultipartField] = field(default_factory=list)
    url_query: list[str] = field(default_factory=list)
    get: bool = False
    head: bool = False
    upload_file: str | None = None
    user: str | None = None
    digest: bool = False
    bearer: str | None = None
    aws_sigv4: str | None = None
    insecure: bool = False
    location: bool = False
    timeout: float | None = None
    ca_file: str = ""
    proxy: str = ""
    proxy_user: str | None = None
    no_proxy_flag: bool = False
    cert: str = ""
    key: str = ""
    cert_passphrase: str = ""
    #: What the command asked that a request cannot hold (a cookie file, a cookie jar).
    notes: list[str] = field(default_factory=list)


def _is_cmd(text: str) -> bool:
    """Whether ``text`` is written for Windows' cmd.exe: Chrome's ``^"`` quoting, or a first
    line that ends with a ``^`` continuation outside any quotes."""
    if _CMD_QUOTES.match(text):
        return True
    first, newline, _ = text.partition("\n")
    first = first.rstrip("\r")
    return bool(newline) and first.endswith("^") and \
        first.count("'") % 2 == 0 and first.count('"') % 2 == 0


def _words(text: str) -> list[str]:
    text = re.sub(r"^\s*\$\s+", "", text)
    words = cmd_words(text) if _is_cmd(text) else posix_words(text)
    if not words or not re.fullmatch(r"(?:.*[/\\])?curl(?:\.exe)?", words[0], re.IGNORECASE):
        first = text.strip().split(None, 1)[0][:40] if text.strip() else "nothing"
        raise ValueError(f"Not a curl command: it starts with {first!r}, not 'curl'")
    return words[1:]


def _options(args: list[str]) -> _Command:
    """Walk curl's arguments: long options, clustered short flags, and the URL anywhere."""
    cmd = _Command()
    i = 0
    positional_only = False
    while i < len(args):
        arg = args[i]
        i += 1
        if positional_only or arg == "-" or not arg.startswith("-"):
            if cmd.url is None:
                cmd.url = arg
            continue
        if arg == "--":
            positional_only = True
            continue
        if arg.startswith("--"):
            name, eq, inline = arg[2:].partition("=")
            if not (eq and name in _LONG_WITH_VALUE):
                name, inline = arg[2:], ""
            value: str | None = None
            if name in _LONG_WITH_VALUE:
                if eq:
                    value = inline
                elif i < len(args):
                    value, i = args[i], i + 1
                else:
                    raise ValueError(f"The curl option --{name} needs a value")
            _apply(cmd, name, value)
            continue
        for j, letter in enumerate(arg[1:], start=2):
            long_name = _SHORT_NAMES.get(letter, "")
            if letter in _SHORT_WITH_VALUE:
                value = arg[j:]
                if not value:
                    if i >= len(args):
                        raise ValueError(f"The curl option -{letter} needs a value")
                    value, i = args[i], i + 1
                _apply(cmd, long_name, value)
                break
            _apply(cmd, long_name, None)
    return cmd


def _header(text: str) -> KeyValue | None:
    """A ``-H`` argument as a row; None for the forms that add no header (``Name:``, ``@file``)."""
    name, colon, value = text.partition(":")
    if not colon:
        if text.endswith(";") and text[:-1].strip():
            return KeyValue(text[:-1].strip(), "")
        return None
    if not name.strip() or not value.strip():
        return None
    return KeyValue(name.strip(), value.strip())


def _urlencode_arg(value: str) -> _Data:
    """``--data-urlencode`` in its forms ``content``, ``=content`` and ``name=content`` (the
    ``@file`` and ``name@file`` forms read a file, which a paste cannot)."""
    split = re.search(r"[=@]", value)
    if split is not None and split.group() == "@":
        raise ValueError(f"--data-urlencode {value!r} reads a file; paste its content instead")
    if split is None:
        return _Data(quote(value, safe=""))
    name, content = value[:split.start()], value[split.end():]
    encoded = quote(content, safe="")
    return _Data(f"{name}={encoded}" if name else encoded)


def _data_arg(value: str, *, at_file: bool, json: bool = False) -> _Data:
    if at_file and value.startswith("@"):
        path = value[1:]
        if path in ("", "-"):
            raise ValueError("The curl command reads its body from stdin, which cannot be pasted")
        return _Data(file=path, json=json)
    return _Data(value, json=json)


def _apply(cmd: _Command, name: str, value: str | None) -> None:
    """Record one option (``value`` is None for a flag); unknown names are ignored."""
    if name.startswith("no-"):
        if name == "no-location":
            cmd.location = False
        elif name == "no-insecure":
            cmd.insecure = False
        return
    if value is None:
        flags = {"get": "get", "head": "head", "insecure": "insecure", "location": "location",
                 "location-trusted": "location", "digest": "digest"}
        if name in flags:
            setattr(cmd, flags[name], True)
        return
    if name == "request":
        cmd.method = value
    elif name == "url":
        cmd.url = cmd.url if cmd.url is not None else value
    elif name == "header":
        row = _header(value)
        if row is not None:
            cmd.headers.append(row)
    elif name == "user-agent":
        cmd.headers.append(KeyValue("User-Agent", value))
    elif name == "referer":
        cmd.headers.append(KeyValue("Referer", value.removesuffix(";auto")))
    elif name == "cookie":
        if "=" in value:  # otherwise it names a cookie file
            _add_cookie(cmd.headers, value)
        else:
            cmd.notes.append(f"-b {value}: cookies read from a file are not imported; the "
                             "window keeps its own jar (Tools ▸ Cookies…)")
    elif name == "cookie-jar":
        cmd.notes.append(f"-c {value}: cookies are not written to a file; the window keeps "
                         "them in its own jar (Tools ▸ Cookies…)")
    elif name == "proxy":
        cmd.proxy = value
    elif name == "proxy-user":
        cmd.proxy_user = value
    elif name == "noproxy":
        cmd.no_proxy_flag = value.strip() == "*"
    elif name == "cert":
        cmd.cert, cmd.cert_passphrase = cert_arg(value)
    elif name == "key":
        cmd.key = value
    elif name == "pass":
        cmd.cert_passphrase = value
    elif name == "cert-type" and value.upper() not in ("PEM", "P12"):
        cmd.notes.append(f"--cert-type {value}: only PEM and P12 certificates are read")
    elif name in ("data", "data-ascii", "data-binary"):
        cmd.data.append(_data_arg(value, at_file=True))
    elif name == "data-raw":
        cmd.data.append(_Data(value))
    elif name == "data-urlencode":
        cmd.data.append(_urlencode_arg(value))
    elif name == "json":
        cmd.data.append(_data_arg(value, at_file=True, json=True))
    elif name in ("form", "form-string"):
        cmd.form.append(_form_arg(value, literal=name == "form-string"))
    elif name == "url-query":
        cmd.url_query.append(_urlencode_arg(value).text if not value.startswith("+")
                             else value[1:])
    elif name == "user":
        cmd.user = value
    elif name == "oauth2-bearer":
        cmd.bearer = value
    elif name == "aws-sigv4":
        cmd.aws_sigv4 = value
    elif name == "max-time":
        try:
            seconds = float(value)
        except ValueError:
            raise ValueError(f"--max-time needs a number of seconds, not {value!r}") from None
        cmd.timeout = seconds if seconds > 0 else None
    elif name == "cacert":
        cmd.ca_file = value
    elif name == "upload-file" and value not in ("", "-", "."):
        cmd.upload_file = value


def _proxy_url(cmd: _Command) -> str:
    """``-x`` with ``-U`` folded into it (percent-encoded, as a URL holds them)."""
    url = cmd.proxy.strip()
    if cmd.proxy_user is None:
        return url
    user, _, password = cmd.proxy_user.partition(":")
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "http", url
    rest = rest.rpartition("@")[2]
    secret = f":{quote(password, safe='')}" if password else ""
    return f"{scheme}://{quote(user, safe='')}{secret}@{rest}"


def _add_cookie(headers: list[KeyValue], value: str) -> None:
    for row in headers:
        if row.name.lower() == "cookie":
            row.value = f"{row.value}; {value}"
            return
    headers.append(KeyValue("Cookie", value))


# -- -F: curl's own little syntax ----------------------------------------------------------


def _form_word(text: str, i: int) -> tuple[str, int]:
    """A ``-F`` word at ``i``: ``"..."`` (with ``\\"`` and ``\\\\``) or text up to ``;``."""
    while i < len(text) and text[i].isspace():
        i += 1
    if text.startswith('"', i):
        out: list[str] = []
        j = i + 1
        while j < len(text) and text[j] != '"':
            if text[j] == "\\" and text[j + 1:j + 2] in ('"', "\\"):
                j += 1
            out.append(text[j])
            j += 1
        if j < len(text) and (j + 1 == len(text) or text[j + 1] == ";"):
            return "".join(out), j + 1
    end = text.find(";", i)
    end = len(text) if end < 0 else end
    return text[i:end].strip(), end


def _form_arg(arg: str, *, literal: bool) -> MultipartField:
    name, eq, rest = arg.partition("=")
    if not eq:
        raise ValueError(f"The curl form field {arg!r} has no '=' (it should be name=value)")
    if literal:
        return MultipartField(name, rest)
    is_file = rest.startswith(("@", "<"))
    value, i = _form_word(rest, 1 if is_file else 0)
    content_type = ""
    while i < len(rest):
        param, i = _form_word(rest, i + 1)
        key, _, param_value = param.partition("=")
        if key.strip().lower() == "type":
            content_type = param_value.strip()
    return MultipartField(name, value, is_file, content_type)


# -- the model -----------------------------------------------------------------------------


def _implied_type(body: BodyModel) -> str:
    """The Content-Type a body of this kind is sent with when no header says otherwise."""
    if body.kind in BODY_CONTENT_TYPES:
        return BODY_CONTENT_TYPES[body.kind]
    if body.kind is BodyKind.GRAPHQL:
        return BODY_CONTENT_TYPES[BodyKind.JSON]
    if body.kind is BodyKind.FORM:
        return "application/x-www-form-urlencoded"
    if body.kind is BodyKind.MULTIPART:
        return "multipart/form-data"
    if body.kind is BodyKind.BINARY:
        return mimetypes.guess_type(body.file_path)[0] or "application/octet-stream"
    return ""


def implied_content_type(body: BodyModel) -> str:
    """The Content-Type a body of this kind is sent with when no header says otherwise
    (``""`` for no body)."""
    return _implied_type(body)


def _same_type(a: str, b: str) -> bool:
    def norm(t: str) -> str:
        return ";".join(p.strip() for p in t.lower().split(";"))
    return norm(a) == norm(b)


def _content_type(headers: list[KeyValue]) -> str | None:
    found = [row.value for row in headers if row.name.lower() == "content-type"]
    return found[-1] if found else None


def _form_rows(text: str) -> list[KeyValue] | None:
    """Urlencoded ``text`` as rows, or None when it is not ``name=value`` pairs."""
    if not _FORM_PAIRS.fullmatch(text) or _PERCENT.search(text):
        return None
    def decode(part: str) -> str:
        return unquote_to_bytes(part.replace("+", " ")).decode()

    rows = []
    for piece in text.split("&"):
        name, _, value = piece.partition("=")
        try:
            rows.append(KeyValue(decode(name), decode(value)))
        except UnicodeDecodeError:
            return None
    return rows


def parse_form(text: str) -> list[KeyValue] | None:
    """An ``application/x-www-form-urlencoded`` body as decoded rows, or None when ``text``
    is not ``name=value`` pairs (or does not decode as UTF-8)."""
    return _form_rows(text)


def _text_body(text: str, content_type: str | None, headers: list[KeyValue]) -> BodyModel:
    media = media_type(content_type)
    if media == "application/json" or media.endswith("+json"):
        # graphql-core (which tells a GraphQL payload) loads with the first JSON body: an
        # empty tab imports this module, and leaves it unloaded.
        from app.model.graphql_body import json_or_graphql

        return json_or_graphql(text)
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return BodyModel(BodyKind.XML, text=text)
    if media == "text/plain":
        return BodyModel(BodyKind.TEXT, text=text)
    if media in ("", "application/x-www-form-urlencoded"):
        rows = _form_rows(text)
        if rows is not None:
            return BodyModel(BodyKind.FORM, form=rows)
        if content_type is None:  # curl's default type, kept now that the body is plain text
            headers.append(KeyValue("Content-Type", "application/x-www-form-urlencoded"))
    return BodyModel(BodyKind.TEXT, text=text)


def _body(cmd: _Command, headers: list[KeyValue]) -> BodyModel:
    if cmd.form:
        if cmd.data:
            raise ValueError("The curl command mixes -F form parts with -d data")
        return BodyModel(BodyKind.MULTIPART, multipart=cmd.form)
    if cmd.upload_file is not None:
        return BodyModel(BodyKind.BINARY, file_path=cmd.upload_file)
    if not cmd.data or cmd.get:
        return BodyModel()
    if any(d.json for d in cmd.data):
        for name in ("Content-Type", "Accept"):
            if not any(row.name.lower() == name.lower() for row in headers):
                headers.append(KeyValue(name, "application/json"))
    files = [d.file for d in cmd.data if d.file is not None]
    if files:
        if len(cmd.data) > 1:
            raise ValueError("The curl command mixes @file data with other data; "
                             "a request body can be one file or text, not both")
        return BodyModel(BodyKind.BINARY, file_path=files[0])
    separator = "" if all(d.json for d in cmd.data) else "&"
    return _text_body(separator.join(d.text for d in cmd.data), _content_type(headers), headers)


def _auth(cmd: _Command, headers: list[KeyValue], url: str) -> AuthModel:
    if cmd.aws_sigv4 is not None:
        return aws_sigv4_auth(cmd.aws_sigv4, cmd.user, url, headers)
    if cmd.user is not None:
        user, _, password = cmd.user.partition(":")
        kind = AuthKind.DIGEST if cmd.digest else AuthKind.BASIC
        return AuthModel(kind, username=user, password=password)
    if cmd.bearer is not None:
        return AuthModel(AuthKind.BEARER, token=cmd.bearer)
    return auth_from_headers(headers)


def auth_from_headers(headers: list[KeyValue]) -> AuthModel:
    """The auth an enabled ``Authorization: Bearer``/``Basic`` row says, that row taken out of
    ``headers``; other schemes (and Basic that does not decode) stay headers: no auth."""
    for row in headers:
        if row.name.lower() != "authorization" or not row.enabled:
            continue
        bearer = _BEARER.fullmatch(row.value)
        if bearer:
            headers.remove(row)
            return AuthModel(AuthKind.BEARER, token=bearer.group(1))
        basic = _BASIC.fullmatch(row.value)
        if basic:
            try:
                decoded = base64.b64decode(basic.group(1), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return AuthModel()
            headers.remove(row)
            user, _, password = decoded.partition(":")
            return AuthModel(AuthKind.BASIC, username=user, password=password)
    return AuthModel()


def _method(cmd: _Command, body: BodyModel) -> str:
    if cmd.method is not None:
        if not is_token(cmd.method):
            raise ValueError(f"{cmd.method!r} is not a valid HTTP method")
        return canonical_method(cmd.method)
    if cmd.head:
        return "HEAD"
    if cmd.upload_file is not None:
        return "PUT"
    return "POST" if body.kind is not BodyKind.NONE else "GET"


def parse_curl(text: str) -> RequestModel:
    """The request a curl command line sends; ``ValueError`` says why ``text`` is not one."""
    cmd = _options(_words(text))
    if not cmd.url:
        raise ValueError("The curl command has no URL")
    url = cmd.url if _SCHEME.match(cmd.url) or cmd.url.startswith("{{") else f"http://{cmd.url}"
    to_query = list(cmd.url_query)
    if cmd.get and cmd.data:
        if any(d.file is not None for d in cmd.data):
            raise ValueError("curl -G cannot put @file data into the URL here")
        to_query.append("&".join(d.text for d in cmd.data))
    if to_query:
        url = with_query(url, query_of(url) + query_of("?" + "&".join(to_query)))
    headers = cmd.headers
    body = _body(cmd, headers)
    implied = _implied_type(body)
    if implied:
        headers = [row for row in headers if not (row.name.lower() == "content-type"
                                                  and _same_type(row.value, implied))]
    auth = _auth(cmd, headers, url)
    return RequestModel(
        method=_method(cmd, body),
        url=url,
        params=query_of(url),
        headers=headers,
        body=body,
        auth=auth,
        options=_request_options(cmd),
    )


def _request_options(cmd: _Command) -> RequestOptions:
    options = RequestOptions(timeout=cmd.timeout, follow_redirects=cmd.location,
                             verify_tls=not cmd.insecure, ca_file=cmd.ca_file)
    if cmd.no_proxy_flag:
        options.proxy_mode = "none"
    elif cmd.proxy:
        options.proxy_mode, options.proxy_url = "url", _proxy_url(cmd)
    if cmd.cert:
        options.client_cert_mode = "files"
        options.client_cert, options.client_key = cmd.cert, cmd.key
        options.client_cert_passphrase = cmd.cert_passphrase
    return options


def curl_notes(text: str) -> list[str]:
    """What the curl command ``text`` asks that its request cannot hold (a cookie file to
    read, a cookie jar to write), in words for the user."""
    return list(dict.fromkeys(_options(_words(text)).notes))


# -- back to curl --------------------------------------------------------------------------


def _form_quote(value: str) -> str:
    """A ``-F`` value as curl reads it back: quoted when ``;``, ``,``, quotes or a leading
    ``@``/``<``/``(`` or surrounding spaces would be taken for syntax."""
    if value == value.strip() and not re.search(r'[;,"\\]|^[@<(]', value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _body_args(model: RequestModel) -> list[list[str]]:
    body = model.body
    has_type = any(r.enabled and r.name.lower() == "content-type" for r in model.headers)
    args: list[list[str]] = []
    if body.kind in BODY_CONTENT_TYPES or body.kind is BodyKind.BINARY:
        if not has_type:
            args.append(["-H", f"Content-Type: {_implied_type(body)}"])
        if body.kind is BodyKind.BINARY:
            args.append(["--data-binary", "@" + body.file_path])
        else:
            args.append(["--data-raw", body.text])
    elif body.kind is BodyKind.GRAPHQL and model.method == "GET":
        from app.model.graphql_body import get_parameters  # as json_or_graphql, above

        # As compose sends it: the query parameters of GraphQL over HTTP.
        args.append(["-G"])
        args += [["--data-urlencode", f"{name}={value}"] for name, value in get_parameters(body)]
    elif body.kind is BodyKind.GRAPHQL:
        from app.model.graphql_body import payload_text  # as json_or_graphql, above

        if not has_type:
            args.append(["-H", f"Content-Type: {_implied_type(body)}"])
        args.append(["--data-raw", payload_text(body)])
    elif body.kind is BodyKind.FORM:
        for row in body.form:
            if not row.enabled:
                continue
            if row.name:
                args.append(["--data-urlencode", f"{quote_plus(row.name)}={row.value}"])
            else:
                args.append(["--data-raw", "=" + quote_plus(row.value)])
    elif body.kind is BodyKind.MULTIPART:
        for part in body.multipart:
            if not part.enabled:
                continue
            value = ("@" if part.is_file else "") + _form_quote(part.value)
            suffix = f";type={part.content_type}" if part.content_type else ""
            args.append(["-F", f"{part.name}={value}{suffix}"])
    return args


def _header_arg(name: str, value: str) -> list[str]:
    return ["-H", f"{name}: {value}" if value else f"{name};"]


def _auth_args(auth: AuthModel) -> list[list[str]]:
    if auth.kind in (AuthKind.BASIC, AuthKind.DIGEST):
        user = ["-u", f"{auth.username}:{auth.password}"]
        return [["--digest"], user] if auth.kind is AuthKind.DIGEST else [user]
    if auth.kind is AuthKind.BEARER:
        return [["-H", f"Authorization: Bearer {auth.token}"]]
    if auth.kind is AuthKind.API_KEY and auth.key_location == "header":
        return [_header_arg(auth.key_name, auth.key_value)]
    if auth.kind is AuthKind.AWS_SIGV4:
        return aws_sigv4_args(auth)
    return []


def to_curl(model: RequestModel) -> str:
    """``model`` as a curl command, one option per line with `` \\`` continuations.

    The inverse of :func:`parse_curl` for what curl can say. Disabled rows are left out; an
    API key in the query is added to the URL; Backend.AI auth is left out, as its signature
    depends on the moment the request is sent (curl signs AWS SigV4 itself); OAuth 2.0 is left
    out too, as its token is not part of the request.
    """
    url = model.url
    if model.auth.kind is AuthKind.API_KEY and model.auth.key_location == "query":
        extra = KeyValue(quote(model.auth.key_name, safe=""), quote(model.auth.key_value, safe=""))
        url = with_query(url, [*query_of(url), extra])
    lines: list[list[str]] = []
    for row in model.headers:
        if row.enabled and row.name:
            lines.append(_header_arg(row.name, row.value))
    lines += _auth_args(model.auth)
    body = _body_args(model)
    lines += body
    options = model.options
    if options.follow_redirects:
        lines.append(["-L"])
    if not options.verify_tls:
        lines.append(["-k"])
    if options.timeout is not None:
        t = options.timeout
        lines.append(["--max-time", str(int(t)) if t.is_integer() else repr(t)])
    if options.ca_file:
        lines.append(["--cacert", options.ca_file])
    lines += network_args(options)

    first = ["curl"]
    implied = "POST" if body and ["-G"] not in body else "GET"
    if model.method == "HEAD" and not body:
        first.append("--head")
    elif model.method != implied:
        first += ["-X", model.method]
    if re.search(r"[{}\[\]]", url):
        first.append("-g")  # {{variables}} and [ ] are not curl URL globs
    first.append(url)
    return " \\\n  ".join(" ".join(shlex.quote(w) for w in line) for line in [first, *lines])
