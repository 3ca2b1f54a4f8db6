"""What the sidebar shows of a workspace: its folders and, for each request, name, method and
mode, read without touching the secrets store.

A :class:`WorkspaceIndex` remembers what it read by file (modification time and size), so a
scan after a change re-reads only the files that changed. A file that cannot be read becomes
an entry with its error (path and line), never an exception: one bad file must not hide the
rest of the workspace.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.storage.request_file import _mapping, _parse
from app.storage.workspace import Workspace, WorkspaceError

__all__ = ["FolderEntry", "RequestEntry", "WorkspaceIndex", "quick_fields"]


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


#: A top-level line: a plain key, then its value.
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*):(?:[ \t]+(.*))?")
#: A quoted scalar left open at the end of its line, or a flow collection: either may run
#: over lines that would then look like top-level keys.
_MULTILINE_FLOW = re.compile(
    r"""(?:^[ \t]*|[:?-][ \t]+)(?:[&!][^ \t]*[ \t]+)*"""
    r"""(?:'(?:[^']|'')*$|"(?:[^"\\]|\\.)*\\?$|[\[{](?![\]}][ \t]*$))""")
#: What only the full constructor can judge: tags, anchors and aliases, complex keys, merge
#: keys and the ``=`` value (each can fail where libyaml's syntax check passes).
_CONSTRUCTED = re.compile(r"(?:^|[ \t])(?:[!&*]|\?[ \t]|\?$|<<|=[ \t]*(?::|$))")
_SENSITIVE = frozenset("'\"[{!&*?<=")
#: A block scalar's header (``key: |``, ``- >-``): its content lines are text, not syntax.
_BLOCK_HEADER = re.compile(r"(?:(?:- +)*[^#]*?:[ \t]+|(?:- +)+)[|>][-+0-9]*[ \t]*(?:#.*)?")
_SINGLE = re.compile(r"'((?:[^']|'')*)'[ \t]*(?:#.*)?")
_DOUBLE = re.compile(r'"([^"\\]*)"[ \t]*(?:#.*)?')
_PLAIN_COMMENT = re.compile(r"[ \t]+#")
_STR_TAG = "tag:yaml.org,2002:str"
_FIELDS = frozenset(("name", "method", "mode", "url"))


@functools.cache
def _yaml() -> tuple[Any, Any, Any]:
    """PyYAML, libyaml's parser (to check a whole file's syntax without building Python
    objects; None when PyYAML was built without libyaml: always parse fully) and a resolver;
    loaded with the first file, not with the window."""
    import yaml

    parser: Any = None
    try:
        from yaml._yaml import CParser

        parser = CParser
    except ImportError:  # pragma: no cover
        pass
    return yaml, parser, yaml.resolver.Resolver()


def quick_fields(text: str) -> dict[str, str] | None:
    """The tree's fields (name, method, mode, url) of a request file read without building
    the whole document, or None when the file needs the full YAML parser to be sure.

    Parsing 10,000 request files fully takes seconds (PyYAML builds every object in Python);
    the tree needs four top-level strings. libyaml checks the whole file's syntax in C, and
    the fields are read from their lines when the file has the plain shape Spyglass writes:
    every top-level key plain at column 0, no quoted scalar or flow collection running over
    lines, no tag, anchor, alias or complex key, each field's value on its own line and a
    string (quoted, or plain that YAML resolves to a string). Anything else answers None,
    and the caller parses fully.
    """
    yaml, parser, _ = _yaml()
    if parser is None or "\r" in text or not text:
        return None
    try:
        parser(text).raw_parse()
    except yaml.YAMLError:
        return None
    out: dict[str, str] = {}
    top_seen = False  # an indented line before any top-level key: not Spyglass's shape
    block = -1  # inside a block scalar: the column its content must be deeper than
    field: str | None = None  # the field whose line came last: an indented line continues it
    for line in text.split("\n"):
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if block >= 0:
            if not body.strip() or indent > block:
                continue
            block = -1
        if not body or body[0] == "#":
            continue
        if indent == 0:
            top = _TOP_KEY.fullmatch(line)
            if top is None:
                return None
            top_seen = True
            field = top.group(1) if top.group(1) in _FIELDS else None
            if field is not None:
                value = _scalar(top.group(2))
                if value is None:
                    return None
                out[field] = value
        elif field is not None or not top_seen or body[0] == "\t":
            return None
        if not _SENSITIVE.isdisjoint(line) and (
                _MULTILINE_FLOW.search(line) or _CONSTRUCTED.search(line)):
            return None
        if ("|" in line or ">" in line) and _BLOCK_HEADER.fullmatch(body):
            key = body
            while key.startswith("- "):
                key = key[2:].lstrip(" ")
            # Content is deeper than the key, or than the last dash of a bare ``- |``.
            block = len(line) - len(key) - (2 if key[:1] in ("|", ">") else 0)
    return out


def _scalar(raw: str | None) -> str | None:
    """A one-line YAML scalar that is a string, or None when it needs the full parser."""
    if not raw:
        return None
    if raw[0] == "'":
        quoted = _SINGLE.fullmatch(raw)
        return quoted.group(1).replace("''", "'") if quoted else None
    if raw[0] == '"':
        quoted = _DOUBLE.fullmatch(raw)
        return quoted.group(1) if quoted else None
    if raw[0] in "-?:,[]{}#&*!|>%@`":
        return None
    # YAML trims spaces and tabs only (str.rstrip would also take a no-break space).
    plain = _PLAIN_COMMENT.split(raw, maxsplit=1)[0].rstrip(" \t")
    if not plain:
        return None
    yaml, _, resolver = _yaml()
    if plain[0] in resolver.yaml_implicit_resolvers:  # (else nothing but str can match)
        tag = resolver.resolve(yaml.ScalarNode, plain, (True, False))
        if tag != _STR_TAG:
            return None
    return plain


def _read_with_stat(path: Path) -> tuple[os.stat_result, bytes] | None:
    """The status and bytes of the file at ``path`` through one descriptor; None when it
    cannot be read so (the caller then reads it the usual way, for the usual error)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        want = st.st_size + 1                    # one more: a file that grew is read on
        parts = [os.read(fd, want)]
        while len(parts[-1]) == want:
            parts.append(os.read(fd, 1 << 16))
            want = 1 << 16
        return st, b"".join(parts)
    except OSError:
        return None
    finally:
        os.close(fd)


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
        cached = self._cache.get(path)
        # A file not read before is opened once, then stat-ed and read through that one
        # descriptor; one already read is only stat-ed, to see whether it changed.
        first = _read_with_stat(path) if cached is None else None
        raw: bytes | None = None
        if first is not None:
            st, raw = first
        else:
            try:
                st = path.stat()
            except OSError as exc:
                return RequestEntry(path, path.stem, error=f"{path}: {exc.strerror or exc}")
        stamp = (st.st_mtime_ns, st.st_size)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            data = self._fields(path, raw)
            request = RequestEntry(path, str(data.get("name") or path.stem),
                                   str(data.get("method") or "GET"),
                                   str(data.get("mode") or "http"), str(data.get("url") or ""))
        except WorkspaceError as exc:
            request = RequestEntry(path, path.stem, error=str(exc))
        self._cache[path] = (stamp, request)
        return request

    @staticmethod
    def _fields(path: Path, raw: bytes | None) -> dict[str, Any]:
        try:
            raw = path.read_bytes() if raw is None else raw
            quick = quick_fields(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            quick = None
            raw = None
        if quick is not None:
            return dict(quick)
        return _mapping(path, _parse(path, raw))
