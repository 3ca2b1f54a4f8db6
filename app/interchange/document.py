"""Reading an import: JSON or YAML text into a document, and which format it is in.

Errors name the line (and column) where the text stops being JSON or YAML. Everything read is
bounded: the input's size (:data:`MAX_IMPORT_BYTES`, :func:`read_import`) and what YAML aliases
expand to (:mod:`app.storage.yaml_load`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import yaml

from app.interchange.curl import is_curl_command
from app.interchange.model import InterchangeError
from app.storage.yaml_load import MAX_FILE_BYTES, InputTooLarge, load_yaml, read_limited, size_text

__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "check_size",
    "detect_format",
    "load_document",
    "read_import",
    "sniff",
    "within_bounds",
]

P = ParamSpec("P")
R = TypeVar("R")

#: The largest import read: a setting for :func:`read_import` and :func:`check_size`.
MAX_IMPORT_BYTES = MAX_FILE_BYTES

FORMATS = ("curl", "postman", "openapi", "har")

_UNKNOWN = ("Not something Spyglass can import: expected curl commands, a Postman collection "
            "v2.1, an OpenAPI 3 document (JSON or YAML) or a HAR file")


class _Loader(yaml.SafeLoader):
    """The safe loader without timestamps: a date in an example stays the text it was (JSON
    has no dates, and the request body should say what the document said)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_import(path: str | Path, limit: int = MAX_IMPORT_BYTES) -> str:
    """The text of the file at ``path`` to import, reading at most ``limit`` + 1 bytes (so
    ``/dev/zero`` ends too); :class:`InterchangeError` when it is larger, not UTF-8 or
    cannot be read."""
    try:
        raw = read_limited(path, limit)
    except InputTooLarge as exc:
        raise InterchangeError(str(exc)) from None
    except OSError as exc:
        raise InterchangeError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InterchangeError(f"{path} is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start})") from None


def check_size(text: str, limit: int = MAX_IMPORT_BYTES) -> None:
    """:class:`InterchangeError` when ``text`` (pasted, or read by a caller) is over ``limit``
    bytes: each character is at least one byte, so the cheap count decides most texts."""
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8")) > limit):
        raise InterchangeError(f"The input is larger than {size_text(limit)}: not imported")


def within_bounds(importer: Callable[P, R]) -> Callable[P, R]:
    """``importer`` (text or a document in, an import out) with its bounds: text over
    :data:`MAX_IMPORT_BYTES` is refused before it is read, and a ``RecursionError`` or
    ``MemoryError`` from whatever the document still holds becomes the importer's one-line
    :class:`InterchangeError`, never "unexpected error" in the window or a traceback. An
    importer with a ``limit`` keyword (bytes) is checked against the limit it is given."""

    @functools.wraps(importer)
    def bounded(*args: P.args, **kwargs: P.kwargs) -> R:
        if args and isinstance(args[0], str):
            limit = kwargs.get("limit")
            check_size(args[0], limit if isinstance(limit, int) else MAX_IMPORT_BYTES)
        try:
            return importer(*args, **kwargs)
        except RecursionError:
            raise InterchangeError("Not imported: the input nests too deeply or refers to "
                                   "itself") from None
        except MemoryError:
            raise InterchangeError("Not imported: the input expands to more than fits in "
                                   "memory") from None

    return bounded


def _first_line(text: str) -> str:
    """The first line that is not blank and not a ``#`` comment."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return ""


def load_document(text: str) -> Any:
    """The JSON or YAML document in ``text``; :class:`InterchangeError` with the line when it
    is neither."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InterchangeError("Nothing to import: the input is empty")
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InterchangeError(
                f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise InterchangeError("Invalid JSON: nested too deeply") from None
    try:
        return load_yaml(text, _Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        if mark is None:
            raise InterchangeError(f"Invalid YAML: {problem}") from None
        raise InterchangeError(f"Invalid YAML at line {mark.line + 1}, column "
                               f"{mark.column + 1}: {problem}") from None
    except yaml.YAMLError as exc:
        raise InterchangeError(f"Invalid YAML: {exc}") from None
    except RecursionError:
        raise InterchangeError("Invalid YAML: nested too deeply") from None


def _format_of(document: Any) -> str:
    if not isinstance(document, dict):
        raise InterchangeError(_UNKNOWN)
    if "openapi" in document:
        version = str(document.get("openapi"))
        if not re.match(r"3\.", version):
            raise InterchangeError(f"OpenAPI {version} is not supported: Spyglass reads "
                                   "OpenAPI 3.0 and 3.1")
        return "openapi"
    if "swagger" in document:
        raise InterchangeError("Swagger 2.0 is not supported: convert the document to "
                               "OpenAPI 3 first (e.g. with swagger2openapi)")
    log = document.get("log")
    if isinstance(log, dict) and "entries" in log:
        return "har"
    info = document.get("info")
    if isinstance(info, dict) and "item" in document:
        return "postman"
    if "requests" in document and "order" in document:
        raise InterchangeError("Postman collection v1 is not supported: export it from "
                               "Postman as Collection v2.1")
    raise InterchangeError(_UNKNOWN)


def sniff(text: str) -> tuple[str, Any]:
    """The format of ``text`` and, for the JSON and YAML formats, its parsed document
    (``None`` for curl)."""
    text = text.lstrip("\ufeff")
    if is_curl_command(_first_line(text)):
        return "curl", None
    first = _first_line(text)
    if not first:
        raise InterchangeError("Nothing to import: the input is empty")
    document = load_document(text)
    return _format_of(document), document


def detect_format(text: str) -> str:
    """``"curl"``, ``"postman"``, ``"openapi"`` or ``"har"``; :class:`InterchangeError`
    (a ``ValueError``) says why ``text`` is none of them."""
    return sniff(text)[0]
