"""The question asked before the first send of local files an import named.

A shared collection can point a file part or a binary body at any path (``/etc/hostname``,
``~/.ssh/id_rsa``): the importers mark such files (``MultipartField.imported``,
``BodyModel.file_imported``), :meth:`~app.model.request.BodyModel.imported_files` lists the
ones a send would read, and the window asks with this text, once: Send clears the marks.
"""

from __future__ import annotations

__all__ = ["send_question"]


def send_question(paths: list[str], collection: str | None) -> str:
    """What the window asks before sending ``paths`` (at least one), named by an import of
    the request saved in ``collection`` (None: not saved in one)."""
    if len(paths) == 1:
        files = f"the local file {paths[0]}"
    else:
        files = "these local files:\n\n" + "\n".join(paths) + "\n\n"
    source = f" (collection “{collection}”)" if collection else ""
    return f"This request sends {files.rstrip()}, named by an import{source}. Send it?"
