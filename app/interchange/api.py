"""The facade of :mod:`app.interchange` (see its docstring): detection, import and export
by format name. The package loads it at the first use of one of its names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.interchange.curl_format import export_curl, import_curl
from app.interchange.document import (
    FORMATS,
    MAX_IMPORT_BYTES,
    detect_format,
    read_import,
    sniff,
    within_bounds,
)
from app.interchange.har import export_har, har_log, import_har
from app.interchange.model import FORMAT_NAMES, Folder, ImportResult, InterchangeError, Variable
from app.interchange.openapi import example_from_schema, import_openapi
from app.interchange.postman import export_postman, import_postman, postman_collection
from app.interchange.python_code import to_python_aiohttp, to_python_client
from app.interchange.workspace_io import (
    ImportReport,
    folders_from_workspace,
    import_into,
    secret_count,
)
from app.model.request import RequestModel
from app.storage.workspace import Workspace

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "FORMAT_NAMES",
    "MAX_IMPORT_BYTES",
    "Folder",
    "ImportReport",
    "ImportResult",
    "InterchangeError",
    "Variable",
    "as_folders",
    "detect_format",
    "example_from_schema",
    "export",
    "export_curl",
    "export_har",
    "export_postman",
    "folders_from_workspace",
    "har_log",
    "import_curl",
    "import_har",
    "import_into",
    "import_openapi",
    "import_postman",
    "import_text",
    "postman_collection",
    "read_import",
    "secret_count",
    "to_python_aiohttp",
    "to_python_client",
]

EXPORT_FORMATS = ("curl", "har", "postman")


@within_bounds
def import_text(text: str, format: str | None = None, *, name: str | None = None,
                limit: int = MAX_IMPORT_BYTES) -> ImportResult:
    """The requests in ``text``, in the ``format`` given or the one detected. ``name`` names
    the collection (default: the document's own title); ``text`` over ``limit`` bytes is
    refused (see :func:`within_bounds`)."""
    document: Any = None
    if format is None:
        format, document = sniff(text)
    if format not in FORMATS:
        raise InterchangeError(f"Unknown import format {format!r}: use one of "
                               f"{', '.join(FORMATS)}")
    if format == "curl":
        return import_curl(text, name=name, limit=limit)
    source = text if document is None else document
    if format == "postman":
        return import_postman(source, name=name)
    if format == "openapi":
        return import_openapi(source, name=name)
    return import_har(source, name=name)


def as_folders(source: Workspace | Folder | Iterable[Folder | RequestModel], *,
               include_secrets: bool = False) -> list[Folder]:
    """Folders to export from a workspace, a folder, or a list of folders and requests
    (loose requests go into one folder, "Requests")."""
    if isinstance(source, Workspace):
        return folders_from_workspace(source, include_secrets=include_secrets)
    if isinstance(source, Folder):
        return [source]
    folders: list[Folder] = []
    loose = Folder("Requests")
    for item in source:
        if isinstance(item, Folder):
            folders.append(item)
        else:
            loose.requests.append(item)
    if loose.requests:
        folders.append(loose)
    return folders


def export(source: Workspace | Folder | Sequence[Folder | RequestModel], format: str, *,
           include_secrets: bool = False) -> str:
    """``source`` as ``"curl"``, ``"har"`` or ``"postman"`` text."""
    folders = as_folders(source, include_secrets=include_secrets)
    if format == "curl":
        return export_curl(folders, include_secrets=include_secrets)
    if format == "har":
        return export_har(folders, include_secrets=include_secrets)
    if format == "postman":
        return export_postman(folders, include_secrets=include_secrets)
    raise InterchangeError(f"Unknown export format {format!r}: use one of "
                           f"{', '.join(EXPORT_FORMATS)}")
