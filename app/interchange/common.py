"""Small pieces every format shares: names, headers, Content-Type, and leaving secrets out."""

from __future__ import annotations

import copy
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from app.interchange.curl import auth_from_headers, implied_content_type
from app.interchange.model import Folder, ImportResult
from app.model.http import media_type
from app.model.request import (
    SECRET_AUTH_FIELDS,
    AuthKind,
    AuthModel,
    BodyKind,
    KeyValue,
    RequestModel,
)
from app.model.templating import names_a_variable
from app.model.variables import Variable
from app.storage.names import truncate_utf8, windows_safe

__all__ = [
    "NAME_BYTES",
    "PLACEHOLDERS",
    "comment_text",
    "drop_implied_content_type",
    "folder_name",
    "is_reference",
    "is_secret_header",
    "lift_secret_headers",
    "lift_secret_options",
    "make_safe",
    "note_imported_files",
    "request_name",
    "take_authorization",
    "withhold_auth",
    "withhold_headers",
    "withhold_secrets",
]

#: The ``{{variable}}`` an export writes instead of each secret auth field.
PLACEHOLDERS = {"password": "password", "token": "token", "key_value": "apiKey",
                "secret_key": "secretKey", "client_secret": "clientSecret",
                "session_token": "sessionToken"}
assert set(PLACEHOLDERS) == set(SECRET_AUTH_FIELDS)

_FOLDER_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f-\x9f\u2028\u2029]+')
#: A file name may have 255 bytes on most file systems; a folder name leaves room for the
#: " 2" of a clash, the request file names inside, and the other formats' limits.
NAME_BYTES = 100


#: Headers whose value is a credential: a cookie, any Authorization scheme, API keys, tokens.
_SECRET_HEADER = re.compile(r"(?i)cookie|(proxy-)?authorization|(x-)?api-?key|.+[-_]token")
#: An Authorization value: the scheme stays visible, the credentials become the secret.
_SCHEME = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+\s+)(\S.*)", re.DOTALL)


def is_secret_header(name: str) -> bool:
    """Whether a header called ``name`` carries a credential (``Cookie``, ``Authorization``
    of any scheme, ``X-Api-Key``, ``Api-Key``, ``*-Token``; any case)."""
    return bool(_SECRET_HEADER.fullmatch(name.strip()))


def _secret_part(row: KeyValue) -> tuple[str, str]:
    """``(what stays, the secret)`` of a secret header's value: ``("Token ", "abc")``."""
    if row.name.strip().lower().endswith("authorization"):
        match = _SCHEME.fullmatch(row.value.strip())
        if match:
            return match.group(1), match.group(2)
    return "", row.value


def lift_secret_headers(result: ImportResult) -> None:
    """Turn each header of ``result`` that carries a credential (:func:`is_secret_header`,
    its value not already a ``{{variable}}``) into a secret variable of its collection, the
    header then saying ``{{name}}`` (``Token {{Authorization}}``): the value goes to the
    secret store on import, never into a file, and an export without secrets withholds it.
    The same value in many requests (a captured session) becomes one variable."""
    lifted: list[str] = []
    for top in result.collections:
        taken = {name.casefold() for _, folder in top.walk() for name in folder.variables}
        by_value: dict[tuple[str, str], str] = {}
        for _, model in top.all_requests():
            for row in model.headers:
                if not is_secret_header(row.name) or not row.value.strip() or "{{" in row.value:
                    continue
                kept, secret = _secret_part(row)
                base = re.sub(r"[^\w-]+", "-", row.name.strip(), flags=re.ASCII) or "secret"
                key = (base.casefold(), secret)
                name = by_value.get(key)
                if name is None:
                    name, n = base, 2
                    while name.casefold() in taken:
                        name, n = f"{base}-{n}", n + 1
                    taken.add(name.casefold())
                    by_value[key] = name
                    top.variables[name] = Variable(name, secret, secret=True)
                    lifted.append(name)
                row.value = kept + "{{" + name + "}}"
    if lifted:
        names = ", ".join("{{" + name + "}}" for name in lifted[:6])
        more = f" and {len(lifted) - 6} more" if len(lifted) > 6 else ""
        result.warnings.append(f"Credentials in headers became secret variables, kept in the "
                               f"keyring: {names}{more}")


def make_safe(result: ImportResult) -> ImportResult:
    """What every importer does last: credentials in headers become secret variables
    (:func:`lift_secret_headers`) and the files the requests send are marked and listed
    (:func:`note_imported_files`). Returns ``result``."""
    lift_secret_headers(result)
    lift_secret_options(result)
    note_imported_files(result)
    return result


def _lift(top: Folder, base: str, secret: str, by_value: dict[tuple[str, str], str]) -> str:
    """The secret variable of ``top`` holding ``secret`` (made when new), named from
    ``base``."""
    name = by_value.get((base, secret))
    if name is not None:
        return name
    taken = {n.casefold() for _, folder in top.walk() for n in folder.variables}
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base}-{n}", n + 1
    top.variables[name] = Variable(name, secret, secret=True)
    by_value[(base, secret)] = name
    return name


def lift_secret_options(result: ImportResult) -> None:
    """A proxy password in a request's proxy URL and a certificate passphrase typed as they
    are become secret variables of the collection, as credentials in headers do: the options
    are saved in the request's file, and the request sends only what names a variable."""
    lifted: list[str] = []
    for top in result.collections:
        by_value: dict[tuple[str, str], str] = {}
        for _, model in top.all_requests():
            options = model.options
            phrase = options.client_cert_passphrase
            if phrase.strip() and "{{" not in phrase:
                name = _lift(top, "cert-passphrase", phrase, by_value)
                options.client_cert_passphrase = "{{" + name + "}}"
                lifted.append(name)
            url = options.proxy_url
            try:
                password = urlsplit(url if "://" in url else "http://" + url).password
            except ValueError:
                password = None
            if password and "{{" not in password:
                name = _lift(top, "proxy-password", unquote(password), by_value)
                user_part, _, host_part = url.rpartition("@")
                user = user_part.rpartition(":")[0]
                options.proxy_url = f"{user}:{{{{{name}}}}}@{host_part}"
                lifted.append(name)
    if lifted:
        names = ", ".join("{{" + name + "}}" for name in dict.fromkeys(lifted))
        result.warnings.append(f"Proxy passwords and certificate passphrases became secret "
                               f"variables, kept in the keyring: {names}")


def note_imported_files(result: ImportResult) -> None:
    """Mark every file a request of ``result`` would send as imported (so the first send can
    ask), list the paths in ``result.files``, and say so in a warning: a file named by an
    import leaves the machine on Send."""
    for top in result.collections:
        for _, model in top.all_requests():
            body = model.body
            if body.kind is BodyKind.BINARY and body.file_path:
                body.file_imported = True
                result.files.append(body.file_path)
            for part in body.multipart:
                if part.is_file and part.value:
                    part.imported = True
                    result.files.append(part.value)
    result.files = list(dict.fromkeys(result.files))
    if result.files:
        shown = ", ".join(repr(comment_text(f)) for f in result.files[:6])
        more = f" and {len(result.files) - 6} more" if len(result.files) > 6 else ""
        result.warnings.append(f"The requests send local files named by the import: {shown}"
                               f"{more}; check them before you send")


def withhold_headers(headers: list[KeyValue]) -> list[KeyValue]:
    """Copies of ``headers`` with every credential (:func:`is_secret_header`) that is not a
    ``{{variable}}`` as a ``{{placeholder}}`` named after its header."""
    out: list[KeyValue] = []
    for row in headers:
        row = copy.copy(row)
        if is_secret_header(row.name) and row.value.strip() and "{{" not in row.value:
            kept, _ = _secret_part(row)
            row.value = kept + "{{" + re.sub(r"[^\w-]+", "-", row.name.strip(),
                                             flags=re.ASCII) + "}}"
        out.append(row)
    return out


def is_reference(value: str) -> bool:
    """Whether ``value`` is only a ``{{variable}}`` (a name, not a secret): the rule the
    workspace applies when it decides what goes to the secret store."""
    return names_a_variable(value)


def request_name(method: str, url: str) -> str:
    """A name for a request that has none: ``"GET /users/{{id}}"``."""
    try:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    except ValueError:
        path = url
    if "://" not in url and path.startswith("{{"):
        path = path.partition("}}")[2]
    path = path or "/"
    if len(path) > 60:
        path = "…" + path[-59:]
    return f"{method} {path}"


def folder_name(name: str, fallback: str = "Imported") -> str:
    """``name`` as a workspace collection or folder name that is safe everywhere: no ``/``
    or other character Windows refuses, no control character, no leading dot, at most
    :data:`NAME_BYTES` bytes of UTF-8 (cut at a character), and a Windows device name
    (``CON``, ``nul.txt``) or a trailing dot given a ``_`` suffix."""
    cleaned = _FOLDER_UNSAFE.sub("-", name).strip().lstrip(".").strip()
    cleaned = truncate_utf8(cleaned, NAME_BYTES).strip() or fallback
    return windows_safe(cleaned)


def comment_text(text: str) -> str:
    """``text`` on one line, fit to echo in a script's comment: control characters and line
    breaks of every kind become spaces (a name holding a newline must not start a command)."""
    spaced = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                     for c in text)
    return " ".join(spaced.split())


def take_authorization(model: RequestModel) -> None:
    """Turn an ``Authorization: Basic``/``Bearer`` header of a request with no auth into its
    auth (so the secret goes to the secret store when saved); other schemes stay headers."""
    if model.auth.kind is AuthKind.NONE:
        model.auth = auth_from_headers(model.headers)


def drop_implied_content_type(model: RequestModel) -> None:
    """Remove a Content-Type header that says only what the body kind sends anyway (a form or
    multipart type is matched without parameters: the boundary is the sender's to choose)."""
    implied = implied_content_type(model.body)
    if not implied:
        return
    loose = model.body.kind in (BodyKind.FORM, BodyKind.MULTIPART)

    def same(value: str) -> bool:
        if loose:
            return media_type(value) == implied
        return ";".join(p.strip() for p in value.lower().split(";")) == implied.lower()

    model.headers = [row for row in model.headers
                     if not (row.name.lower() == "content-type" and same(row.value))]


def _withheld(value: str, placeholder: str) -> str:
    if not value or is_reference(value):
        return value
    return "{{" + placeholder + "}}"


def withhold_secrets(model: RequestModel) -> RequestModel:
    """A copy of ``model`` whose auth secrets and credential headers are ``{{placeholders}}``
    (a value that is only a ``{{variable}}`` already names no secret, and stays)."""
    out = copy.deepcopy(model)
    out.auth = withhold_auth(out.auth)
    out.headers = withhold_headers(out.headers)
    out.options = out.options.without_secrets()  # a typed proxy password or passphrase
    return out


def withhold_auth(auth: AuthModel) -> AuthModel:
    """A copy of ``auth`` with its secrets as ``{{placeholders}}``."""
    out = copy.copy(auth)
    for name, placeholder in PLACEHOLDERS.items():
        setattr(out, name, _withheld(getattr(out, name), placeholder))
    return out
