"""Import and export of requests (SPEC §3): curl, Postman v2.1, OpenAPI 3, HAR 1.2, and
"Copy as Python".

Importers are pure: text in, an :class:`ImportResult` (a tree of :class:`Folder`\\ s holding
:class:`~app.model.request.RequestModel`\\ s) out; :func:`import_into` writes one into a workspace.
Exporters take folders (see :func:`as_folders` for a workspace or a list of requests) and give
text; they leave secrets out unless ``include_secrets=True``.

::

    result = import_text(text)                 # detects the format
    report = import_into(workspace, result)    # new collections, secrets to the store
    print(report.summary(str(workspace.root)))
    print(export(workspace, "postman"))        # secrets as {{placeholders}}

Every problem with the input is an :class:`InterchangeError` (a ``ValueError``) whose message
is meant for the user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.interchange.api import (
        EXPORT_FORMATS,
        FORMAT_NAMES,
        FORMATS,
        MAX_IMPORT_BYTES,
        Folder,
        ImportReport,
        ImportResult,
        InterchangeError,
        Variable,
        as_folders,
        detect_format,
        example_from_schema,
        export,
        export_curl,
        export_har,
        export_postman,
        folders_from_workspace,
        har_log,
        import_curl,
        import_har,
        import_into,
        import_openapi,
        import_postman,
        import_text,
        postman_collection,
        read_import,
        secret_count,
        to_python_aiohttp,
        to_python_client,
    )

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


def __getattr__(name: str) -> Any:
    # The importers, the exporters and what they import (the email parser for multipart,
    # YAML) load at the first use of a name here, not with the package: the window imports
    # app.interchange.curl to turn a pasted command into a request, and an idle window
    # needs nothing more (bench/idle.py).
    if name in __all__:
        from app.interchange import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
