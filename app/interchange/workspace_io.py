"""Imports into a workspace, and a workspace's requests as folders to export.

:func:`import_into` writes an :class:`ImportResult` as new collections: it never replaces a
request or mixes into an existing collection (a name already taken gets `` 2``, `` 3``...), and
when anything fails half-way it takes away what it wrote. Secrets (auth and secret variables)
go to the workspace's secret store, as every save does.

:func:`folders_from_workspace` reads collections back for an exporter. Without
``include_secrets`` it never reads the secret store at all: secret auth fields come back as
``{{placeholders}}`` and secret variables empty, so a locked keyring does not stop a plain
export and no secret can slip into one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.interchange.common import PLACEHOLDERS, is_reference
from app.interchange.model import Folder, ImportResult, Variable
from app.storage.secrets import SecretStore
from app.storage.workspace import ENVIRONMENTS_DIR, Workspace

__all__ = ["ImportReport", "folders_from_workspace", "import_into", "secret_count"]


@dataclass
class ImportReport:
    """What :func:`import_into` did."""

    #: The source in words (``Postman collection 'Shop'``).
    source: str
    #: The collections (or folders, under a parent) created, as collection paths.
    collections: list[str] = field(default_factory=list)
    requests: int = 0
    #: Collections and folders created, the top ones included.
    folders: int = 0
    variables: int = 0
    #: Values handed to the secret store.
    secrets: int = 0
    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The local files the imported requests send (see :attr:`ImportResult.files`).
    files: list[str] = field(default_factory=list)
    #: Whether a collection got another name than the import's (one was already taken).
    renamed: bool = False

    def summary(self, where: str) -> str:
        """``Imported 12 requests into 3 folders of DIR from Postman collection 'Shop'``,
        and where they went when the source does not say it (``(as 'Shop 2')``)."""
        requests = f"{self.requests} request{'s' if self.requests != 1 else ''}"
        folders = f"{self.folders} folder{'s' if self.folders != 1 else ''}"
        text = f"Imported {requests} into {folders} of {where} from {self.source}"
        if self.renamed or any(repr(c) not in self.source for c in self.collections):
            text += f" (as {', '.join(repr(c) for c in self.collections)})"
        return text


def secret_count(result: ImportResult) -> int:
    """How many values of ``result`` a save hands to the secret store."""
    count = 0
    for top in result.collections:
        for _, folder in top.walk():
            # An empty secret variable waits for its value: nothing to store yet.
            count += sum(1 for var in folder.variables.values() if var.secret and var.value)
        for _, model in top.all_requests():
            # A field that only names a {{variable}} is written to the file as it is.
            count += sum(1 for value in model.auth.secret_values()
                         if not is_reference(value))
    return count


def _free_name(taken: set[str], name: str) -> str:
    candidate, n = name, 2
    while candidate.casefold() in taken:
        candidate = f"{name} {n}"
        n += 1
    taken.add(candidate.casefold())
    return candidate


def _write(workspace: Workspace, folder: Folder, path: str, report: ImportReport) -> None:
    workspace.create_collection(path)
    report.folders += 1
    if folder.variables:
        workspace.save_collection_variables(path, folder.variables.values())
        report.variables += len(folder.variables)
        report.secrets += sum(1 for v in folder.variables.values() if v.secret and v.value)
    for model in folder.requests:
        report.paths.append(workspace.new_request(path, model))
        report.requests += 1
        report.secrets += sum(1 for value in model.auth.secret_values()
                              if not is_reference(value))
    taken = {name.rpartition("/")[2].casefold() for name in workspace.list_collections(path)}
    for child in folder.folders:
        _write(workspace, child, f"{path}/{_free_name(taken, child.name)}", report)


def import_into(workspace: Workspace, result: ImportResult, *,
                parent: str | None = None) -> ImportReport:
    """Write ``result`` into ``workspace`` as new collections (or new folders of ``parent``)
    and say what was written. On failure nothing of the import is left behind."""
    report = ImportReport(result.describe(), warnings=list(result.warnings),
                          files=list(result.files))
    taken = {name.rpartition("/")[2].casefold() for name in workspace.list_collections(parent)}
    if parent is None:
        taken.add(ENVIRONMENTS_DIR)
    try:
        for top in result.collections:
            name = _free_name(taken, top.name)
            report.renamed = report.renamed or name != top.name
            path = f"{parent}/{name}" if parent else name
            report.collections.append(path)
            _write(workspace, top, path, report)
    except BaseException:
        for path in report.collections:
            _remove(workspace, path)
        raise
    return report


def _remove(workspace: Workspace, collection: str) -> None:
    """Take an import's collection away again, its secrets too where the store still works."""
    folder = workspace.root.joinpath(*collection.split("/"))
    if not folder.exists():
        return
    try:
        workspace.delete_collection(collection)
    except Exception:  # the store that just failed may fail again: the files must go anyway
        shutil.rmtree(folder, ignore_errors=True)


class _Withheld(SecretStore):
    """A store that hands back a marker for every reference and keeps nothing: what a plain
    export reads through, so that the real store is never asked."""

    MARKER = "\x00withheld\x00"

    def get(self, ref: str) -> str | None:
        return self.MARKER

    def set(self, ref: str, value: str) -> None:
        raise RuntimeError("an export does not write secrets")

    def delete(self, ref: str) -> None:
        raise RuntimeError("an export does not delete secrets")

    def available(self) -> bool:
        return True


def folders_from_workspace(workspace: Workspace, *, include_secrets: bool = False,
                           collections: Iterable[str] | None = None) -> list[Folder]:
    """The collections of ``workspace`` (all, or the ``collections`` paths named) as folder
    trees with their requests and variables, for an exporter."""
    source = workspace if include_secrets else Workspace(workspace.root, _Withheld())
    wanted = list(collections) if collections is not None else None
    nodes: dict[str, Folder] = {}
    tops: list[Folder] = []
    for path, files in source.walk():
        if wanted is not None and not any(path == w or path.startswith(w + "/")
                                          for w in wanted):
            continue
        folder = Folder(path.rpartition("/")[2])
        for name, spec in source.load_collection_variables(path).items():
            value = spec["value"]
            folder.variables[name] = Variable(name, "" if value == _Withheld.MARKER else value,
                                              bool(spec["secret"]))
        for file in files:
            model = source.load_request(file)
            for field_name, placeholder in PLACEHOLDERS.items():
                if getattr(model.auth, field_name) == _Withheld.MARKER:
                    setattr(model.auth, field_name, "{{" + placeholder + "}}")
            folder.requests.append(model)
        nodes[path] = folder
        parent = path.rpartition("/")[0]
        if parent in nodes:
            nodes[parent].folders.append(folder)
        else:
            tops.append(folder)
    return tops
