"""Small pieces every format shares: names, headers, Content-Type, and leaving secrets out."""

from __future__ import annotations

import copy
import re
import unicodedata
from urllib.parse import urlsplit

from app.interchange.curl import auth_from_headers, implied_content_type
from app.model.request import AuthKind, AuthModel, BodyKind, RequestModel
from app.model.templating import names_a_variable
from app.storage.names import truncate_utf8, windows_safe
from app.storage.workspace import SECRET_AUTH_FIELDS

__all__ = [
    "NAME_BYTES",
    "PLACEHOLDERS",
    "comment_text",
    "drop_implied_content_type",
    "folder_name",
    "is_reference",
    "media_type",
    "request_name",
    "take_authorization",

    "withhold_auth",
    "withhold_secrets",
]

#: The ``{{variable}}`` an export writes instead of each secret auth field.
PLACEHOLDERS = {"password": "password", "token": "token", "key_value": "apiKey",
                "secret_key": "secretKey"}
assert set(PLACEHOLDERS) == set(SECRET_AUTH_FIELDS)

_FOLDER_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f-\x9f\u2028\u2029]+')
#: A file name may have 255 bytes on most file systems; a folder name leaves room for the
#: " 2" of a clash, the request file names inside, and the other formats' limits.
NAME_BYTES = 100


def is_reference(value: str) -> bool:
    """Whether ``value`` is only a ``{{variable}}`` (a name, not a secret): the rule the
    workspace applies when it decides what goes to the secret store."""
    return names_a_variable(value)


def media_type(content_type: str) -> str:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``."""
    return content_type.split(";", 1)[0].strip().lower()


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
    """A copy of ``model`` whose auth secrets are ``{{placeholders}}`` (a value that is only a
    ``{{variable}}`` already names no secret, and stays)."""
    out = copy.deepcopy(model)
    out.auth = withhold_auth(out.auth)
    return out


def withhold_auth(auth: AuthModel) -> AuthModel:
    """A copy of ``auth`` with its secrets as ``{{placeholders}}``."""
    out = copy.copy(auth)
    for name, placeholder in PLACEHOLDERS.items():
        setattr(out, name, _withheld(getattr(out, name), placeholder))
    return out
