"""Reading an import: JSON or YAML text into a document, and which format it is in.

Errors name the line (and column) where the text stops being JSON or YAML.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from app.interchange.curl import is_curl_command
from app.interchange.model import InterchangeError

__all__ = ["FORMATS", "detect_format", "load_document", "sniff"]

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
        return yaml.load(text, Loader=_Loader)
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
