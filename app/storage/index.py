"""What the sidebar shows of a workspace: its folders and, for each request, name, method and
mode, read without touching the secrets store.

A :class:`WorkspaceIndex` remembers what it read by file (modification time and size), so a
scan after a change re-reads only the files that changed. A file that cannot be read becomes
an entry with its error (path and line), never an exception: one bad file must not hide the
rest of the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.storage.workspace import Workspace, WorkspaceError, _mapping, _parse

__all__ = ["FolderEntry", "RequestEntry", "WorkspaceIndex"]


@dataclass(frozen=True)
class RequestEntry:
    path: Path
    name: str
    method: str = "GET"
    mode: str = "http"
    url: str = ""
    #: Why the file cannot be used (``path:line: ...``); None when it can.
    error: str | None = None


@dataclass
class FolderEntry:
    #: The collection path (``"Shop/Orders"``); its last part is the folder's name.
    collection: str
    folders: list[FolderEntry] = field(default_factory=list)
    requests: list[RequestEntry] = field(default_factory=list)
    error: str | None = None

    @property
    def name(self) -> str:
        return self.collection.rpartition("/")[2]

    def walk(self) -> list[FolderEntry]:
        """This folder and every folder inside it, parents first."""
        return [self, *(f for child in self.folders for f in child.walk())]


class WorkspaceIndex:
    """Scans a workspace for the tree; keeps what it read between scans."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._cache: dict[Path, tuple[tuple[int, int], RequestEntry]] = {}

    def scan(self) -> list[FolderEntry]:
        """The collections at the top, each with its folders and requests, in order."""
        seen: set[Path] = set()
        folders = [self._folder(c, seen) for c in self._collections(None)]
        for stale in set(self._cache).difference(seen):
            del self._cache[stale]
        return folders

    def _collections(self, parent: str | None) -> list[str]:
        try:
            return self.workspace.list_collections(parent)
        except (WorkspaceError, OSError):
            return []

    def _folder(self, collection: str, seen: set[Path]) -> FolderEntry:
        entry = FolderEntry(collection)
        try:
            paths = self.workspace.list_requests(collection)
        except WorkspaceError as exc:
            # A broken collection.yaml: its requests are still shown, by file name.
            entry.error = str(exc)
            folder = self.workspace.root / collection
            paths = sorted(p for p in folder.glob("*.yaml") if p.name != "collection.yaml")
        except OSError as exc:
            entry.error = f"{self.workspace.root / collection}: {exc.strerror or exc}"
            paths = []
        for path in paths:
            seen.add(path)
            entry.requests.append(self._request(path))
        entry.folders = [self._folder(c, seen) for c in self._collections(collection)]
        return entry

    def _request(self, path: Path) -> RequestEntry:
        try:
            st = path.stat()
        except OSError as exc:
            return RequestEntry(path, path.stem, error=f"{path}: {exc.strerror or exc}")
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            data = _mapping(path, _parse(path))
            request = RequestEntry(path, str(data.get("name") or path.stem),
                                   str(data.get("method") or "GET"),
                                   str(data.get("mode") or "http"), str(data.get("url") or ""))
        except WorkspaceError as exc:
            request = RequestEntry(path, path.stem, error=str(exc))
        self._cache[path] = (stamp, request)
        return request
