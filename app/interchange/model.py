"""What an importer produces and an exporter reads: a tree of folders holding requests.

A :class:`Folder` is a collection (at the top) or a folder inside one; its ``variables`` are the
collection variables of that folder, by name (``app.model.variables.Variable``, re-exported here
for the importers). An :class:`ImportResult` holds the top folders an import
found (one for a Postman collection, an OpenAPI document or a HAR capture; one per collection
named in the comments of a curl export), and the warnings worth telling the user about.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from app.model.request import RequestModel
from app.model.variables import Variable

__all__ = [
    "FORMAT_NAMES",
    "Folder",
    "ImportResult",
    "InterchangeError",
    "Variable",
]

#: The formats, by the name ``detect_format`` returns, with the words a person reads.
FORMAT_NAMES = {
    "curl": "curl commands",
    "postman": "Postman collection v2.1",
    "openapi": "OpenAPI 3",
    "har": "HAR 1.2",
}


class InterchangeError(ValueError):
    """Content that cannot be imported (or exported); ``str(error)`` is meant for the user."""


@dataclass
class Folder:
    """A collection or a folder inside one: its requests in order, its folders, its variables."""

    name: str
    requests: list[RequestModel] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Folder]]:
        """This folder and every folder inside it, parents first, with their paths
        (``"Shop"``, ``"Shop/Orders"``)."""
        path = f"{prefix}/{self.name}" if prefix else self.name
        yield path, self
        for child in self.folders:
            yield from child.walk(path)

    def all_requests(self) -> Iterator[tuple[str, RequestModel]]:
        """Every request in this folder and below, with the path of its folder."""
        for path, folder in self.walk():
            for model in folder.requests:
                yield path, model


@dataclass
class ImportResult:
    """What an importer read: the top folders, and what the user should know about it."""

    #: ``"curl"``, ``"postman"``, ``"openapi"`` or ``"har"``.
    format: str
    #: The document's own name (a Postman collection's or OpenAPI ``info.title``), or "".
    title: str = ""
    collections: list[Folder] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The local files the requests would send (file parts, binary bodies), as the import
    #: named them: someone else's collection may name ``~/.ssh/id_rsa``.
    files: list[str] = field(default_factory=list)

    @property
    def request_count(self) -> int:
        return sum(1 for top in self.collections for _ in top.all_requests())

    @property
    def folder_count(self) -> int:
        """Collections and folders, counting the top ones."""
        return sum(1 for top in self.collections for _ in top.walk())

    def describe(self) -> str:
        """The source in words: ``Postman collection 'Shop'``, ``3 curl commands``."""
        if self.format == "curl":
            n = self.request_count
            return f"{n} curl command{'s' if n != 1 else ''}"
        if self.format == "postman":
            return f"Postman collection {self.title!r}"
        if self.format == "openapi":
            return f"OpenAPI document {self.title!r}"
        if self.format == "har":
            return f"HAR capture {self.title!r}" if self.title else "HAR capture"
        return FORMAT_NAMES.get(self.format, self.format)
