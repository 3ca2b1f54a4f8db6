"""The workspace on disk: collections are folders, each request is one human-readable YAML file.

Layout::

    <root>/
      <collection>/
        collection.yaml        # order: [a.yaml, b.yaml]  (stable order of the requests)
        <slug>.yaml            # one request; only the fields that differ from the defaults
      environments/
        <name>.yaml            # variables: {NAME: {value: ..., secret: true}}

Every write is atomic (``app.storage.atomic``) and saving an unchanged request rewrites nothing.
Secrets (auth passwords, tokens, API key values, secret keys, secret variables) are never
written: the file holds ``{secret: <ref>}`` and the value goes to a ``Secrets`` store.
A file that cannot be parsed raises ``WorkspaceError`` with its path and line, untouched.
A save given the :class:`~app.storage.fingerprint.Fingerprint` of what was read refuses, with
:class:`ChangedOnDisk`, to overwrite a file someone else changed (or deleted) since.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.model.request import RequestModel
from app.model.variables import Variable
from app.storage.atomic import write_atomic, write_if_changed
from app.storage.fingerprint import ABSENT, Fingerprint
from app.storage.names import windows_safe
from app.storage.request_file import (
    ChangedOnDisk,
    Secrets,
    WorkspaceError,
    _dump,
    _mapping,
    _parse,
    _random_hex,
    _request_data,
    _request_from,
    _secret_ref,
    _secret_refs,
    _stale_refs,
    dump_request,
)
from app.storage.secrets import MemorySecrets

__all__ = [
    "BAD_NAME_CHARS",
    "COLLECTION_FILE",
    "ENVIRONMENTS_DIR",
    "REQUEST_SUFFIX",
    "ChangedOnDisk",
    "MemorySecrets",
    "Moved",
    "Secrets",
    "StoredRequest",
    "Workspace",
    "WorkspaceError",
    "check_name",
    "dump_request",
    "environment_name_problem",
    "name_problem",
    "slugify",
]

COLLECTION_FILE = "collection.yaml"
ENVIRONMENTS_DIR = "environments"
REQUEST_SUFFIX = ".yaml"
# --- names -----------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """A file-name-safe stem: ``"Get user #1"`` -> ``"get-user-1"`` (never empty)."""
    slug = re.sub(r"[^\w]+", "-", name.strip().lower(), flags=re.ASCII).strip("-_")
    return windows_safe(slug[:80] or "request")  # "con" -> "con_": a device on Windows


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


#: Characters no collection, request or environment name may hold: each names a file or a
#: folder, on every platform.
BAD_NAME_CHARS = '/\\:*?"<>|\0'


def name_problem(name: str) -> str:
    """Why ``name`` cannot name a collection, folder, request or environment ("" when it
    can), in words for the user."""
    if not name.strip():
        return "Enter a name."
    if name != name.strip():
        return "A name cannot start or end with a space."
    if name.startswith("."):
        return "A name cannot start with a dot."
    bad = sorted({c for c in name if c in BAD_NAME_CHARS}, key=BAD_NAME_CHARS.index)
    if bad:
        shown = " ".join("NUL" if c == "\0" else c for c in bad)
        return f"A name cannot contain {shown}"
    if _CONTROL.search(name):
        return "A name cannot contain control characters (a line break, a tab...)."
    return ""


def environment_name_problem(name: str, existing: Iterable[str], *,
                             allowed: str | None = None) -> str:
    """Why ``name`` cannot name a new environment ("" when it can): :func:`name_problem`, or
    a name in ``existing`` already (compared ignoring case, as some file systems do);
    ``allowed`` is one of them that may be reused (the one being renamed)."""
    problem = name_problem(name)
    if problem:
        return problem
    folded = name.casefold()
    for other in existing:
        if other.casefold() == folded and other != allowed:
            return f"“{other}” already exists."
    return ""


def check_name(name: str, what: str) -> str:
    """``name`` itself when it can name a ``what`` ("collection", "environment"...);
    otherwise :class:`WorkspaceError` saying why."""
    problem = name_problem(name)
    if problem:
        raise WorkspaceError(f"not a valid {what} name: {name!r}: {problem}")
    return name


# --- the workspace ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRequest:
    """Where :meth:`Workspace.store_request` saved a request, and what the file holds now."""

    path: Path
    fingerprint: Fingerprint


@dataclass
class Moved:
    """What :meth:`Workspace.move_items` moved: (old, new) request files and collections."""

    requests: list[tuple[Path, Path]] = field(default_factory=list)
    collections: list[tuple[str, str]] = field(default_factory=list)


#: Variables to save: :class:`Variable` objects, or the mapping form files are read into.
VariablesIn = Iterable[Variable] | Mapping[str, str | Mapping[str, Any]]


def _as_variables(specs: Mapping[str, Mapping[str, Any]], source: str) -> list[Variable]:
    return [Variable(name, str(spec["value"]), bool(spec["secret"]), source)
            for name, spec in specs.items()]



class Workspace:
    """Requests, collections and environments stored under ``root``."""

    def __init__(self, root: str | Path, secrets: Secrets | None = None) -> None:
        self.root = Path(root)
        self.secrets: Secrets = secrets if secrets is not None else MemorySecrets()

    # collections

    def _collection_dir(self, collection: str) -> Path:
        """The folder of ``collection``: a name, or a path of names for a folder inside a
        collection (``"Shop/Orders"``)."""
        parts = collection.split("/")
        for part in parts:
            check_name(part, "collection")
        if parts[0] == ENVIRONMENTS_DIR:
            raise WorkspaceError(f"{ENVIRONMENTS_DIR!r} is reserved for environments")
        return self.root.joinpath(*parts)

    def collection_of(self, path: str | Path) -> str:
        """The collection (``"Shop/Orders"``) a request file or collection folder is in."""
        path = Path(path)
        folder = path if path.is_dir() else path.parent
        return folder.relative_to(self.root).as_posix()

    def list_collections(self, parent: str | None = None) -> list[str]:
        """The collections at the top (or the folders inside ``parent``), by name, as
        collection paths (``"Shop"``, ``"Shop/Orders"``)."""
        folder = self.root if parent is None else self._collection_dir(parent)
        if not folder.is_dir():
            return []
        prefix = "" if parent is None else f"{parent}/"
        return sorted((f"{prefix}{p.name}" for p in folder.iterdir()
                       if p.is_dir() and not p.name.startswith(".")
                       and not (parent is None and p.name == ENVIRONMENTS_DIR)),
                      key=str.casefold)

    def walk(self) -> list[tuple[str, list[Path]]]:
        """Every collection and folder, parents first, each with its requests in order."""
        out: list[tuple[str, list[Path]]] = []

        def visit(collection: str) -> None:
            out.append((collection, self.list_requests(collection)))
            for child in self.list_collections(collection):
                visit(child)

        for top in self.list_collections():
            visit(top)
        return out

    def create_collection(self, name: str) -> Path:
        folder = self._collection_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / COLLECTION_FILE).exists():
            self._write_order(folder, [])
        return folder

    def rename_collection(self, collection: str, new_name: str) -> str:
        """Rename the last part of ``collection``; returns the new collection path."""
        check_name(new_name, "collection")
        folder = self._collection_dir(collection)
        parent = collection.rpartition("/")[0]
        target = f"{parent}/{new_name}" if parent else new_name
        dest = self._collection_dir(target)
        if dest.exists() and dest.resolve() != folder.resolve():
            raise WorkspaceError(f"a collection named {new_name!r} already exists")
        folder.rename(dest)
        return target

    def move_collection(self, collection: str, parent: str | None) -> str:
        """Move a collection (with everything in it) into ``parent`` (``None``: the top)."""
        folder = self._collection_dir(collection)
        name = collection.rpartition("/")[2]
        target = f"{parent}/{name}" if parent else name
        if parent is not None and (parent == collection or parent.startswith(collection + "/")):
            raise WorkspaceError("a collection cannot be moved into itself")
        dest = self._collection_dir(target)
        if dest.exists():
            if dest.resolve() == folder.resolve():
                return collection
            raise WorkspaceError(f"{target!r} already exists")
        dest.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(dest)
        return target

    def delete_collection(self, collection: str) -> None:
        """Delete a collection, its folders and requests (and their secrets)."""
        import shutil

        folder = self._collection_dir(collection)
        for path in sorted(folder.rglob(f"*{REQUEST_SUFFIX}")):
            self._forget_secrets(path)
        shutil.rmtree(folder)

    def _forget_secrets(self, path: Path) -> None:
        try:
            data = _mapping(path, _parse(path))
        except WorkspaceError:
            return
        refs = list(_secret_refs(data).values())
        variables = data.get("variables")
        if isinstance(variables, dict):
            refs += [r for spec in variables.values() if isinstance(spec, dict)
                     and (r := _secret_ref(spec.get("value"))) is not None]
        for ref in refs:
            self.secrets.delete(ref)

    def duplicate(self, path: str | Path) -> Path:
        """A copy of the request in ``path`` just after it, named "<name> copy", with its
        own secrets."""
        path = Path(path)
        model = self.load_request(path)
        model.name = f"{model.name} copy"
        folder = path.parent
        order = self._read_order(folder)  # first: a broken collection.yaml writes nothing
        target = self._free_name(folder, slugify(model.name))
        write_atomic(target, dump_request(model, self.secrets, root=self.root))
        if path.name in order:
            order.insert(order.index(path.name) + 1, target.name)
        else:
            order.append(target.name)
        self._write_order(folder, order)
        return target

    def move_items(self, items: Iterable[tuple[str, str]], target: str, at: int = -1
                   ) -> Moved:
        """Move ``items`` (``("request", file path)`` or ``("folder", collection)``, as the
        tree drags them) into the collection ``target`` ("": the top, for collections only);
        the requests go to place ``at`` among its requests (-1: the end)."""
        moved = Moved()
        for kind, path in items:
            if kind == "folder":
                if path == target or (target + "/").startswith(path + "/"):
                    raise WorkspaceError("A folder cannot be moved into itself")
                moved.collections.append((path, self.move_collection(path, target or None)))
            elif not target:
                raise WorkspaceError("Requests live in a collection: drop them on a folder")
            else:
                moved.requests.append((Path(path), self.move(Path(path), target)))
        if at >= 0 and target and moved.requests:
            order = [p.name for p in self.list_requests(target)]
            names = [new.name for _, new in moved.requests]
            rest = [n for n in order if n not in names]
            at = min(at, len(rest))
            self.reorder(target, rest[:at] + names + rest[at:])
        return moved

    def delete_items(self, requests: Iterable[str | Path], collections: Iterable[str]) -> None:
        """Delete requests and collections (with their secrets); a request inside a
        collection deleted too, or a collection inside another, is deleted once."""
        collections = sorted(collections, key=len)
        for path in requests:
            if not any(str(path).startswith(str(self.root / c) + "/") for c in collections):
                self.delete(Path(path))
        for collection in collections:
            if (self.root / collection).exists():
                self.delete_collection(collection)

    def reorder(self, collection: str, names: list[str]) -> None:
        """Store the order of the request files (by file name) in ``collection``."""
        self._write_order(self._collection_dir(collection), names)

    # collection variables (in collection.yaml, beside the order)

    def load_collection_variables(self, collection: str) -> dict[str, dict[str, Any]]:
        """``{NAME: {"value": str, "secret": bool}}`` of ``collection`` alone."""
        path = self._collection_dir(collection) / COLLECTION_FILE
        if not path.exists():
            return {}
        return self._variables_in(path)

    def read_collection_variables(self, collection: str) -> list[Variable]:
        """The variables of ``collection`` alone, in file order, secrets resolved."""
        return _as_variables(self.load_collection_variables(collection),
                             f"collection {collection.replace('/', ' / ')}")

    def collection_variables(self, collection: str) -> dict[str, str]:
        """The variables in scope in ``collection``: its outer collections', then its own
        (an inner folder's value wins)."""
        out: dict[str, str] = {}
        parts = collection.split("/")
        for i in range(1, len(parts) + 1):
            scope = "/".join(parts[:i])
            out.update({k: v["value"]
                        for k, v in self.load_collection_variables(scope).items()})
        return out

    def save_collection_variables(self, collection: str, variables: VariablesIn) -> Path:
        """Save the variables of ``collection`` (as :meth:`save_environment` takes them)
        into its collection.yaml, beside the order."""
        folder = self.create_collection(collection)
        path = folder / COLLECTION_FILE
        data = _mapping(path, _parse(path))
        data["variables"], stale = self._variables_out(path, variables)
        if not data["variables"]:
            del data["variables"]
        write_if_changed(path, _dump(data))
        self._delete_secrets(stale)
        return path

    def _read_order(self, folder: Path) -> list[str]:
        path = folder / COLLECTION_FILE
        if not path.exists():
            return []
        data = _mapping(path, _parse(path))
        order = data.get("order") or []
        if not isinstance(order, list):
            raise WorkspaceError(f"{path}: 'order' must be a list")
        return [str(n) for n in order]

    def _write_order(self, folder: Path, names: list[str]) -> None:
        path = folder / COLLECTION_FILE
        data: dict[str, Any] = {}
        if path.exists():
            data = _mapping(path, _parse(path))  # keeps any other keys a user added
        data["order"] = list(dict.fromkeys(names))
        write_if_changed(path, _dump(data))

    def list_requests(self, collection: str) -> list[Path]:
        """The request files of ``collection``: in the stored order, then any others by name."""
        folder = self._collection_dir(collection)
        if not folder.is_dir():
            return []
        # scandir: the entry's type comes with the listing, without a stat per file.
        with os.scandir(folder) as entries:
            present = {e.name for e in entries
                       if e.name.endswith(REQUEST_SUFFIX) and e.name != COLLECTION_FILE
                       and not e.name.startswith(".") and e.is_file()}
        ordered = [n for n in dict.fromkeys(self._read_order(folder)) if n in present]
        rest = sorted(present.difference(ordered))
        return [folder / n for n in ordered + rest]

    # requests

    def load_request(self, path: str | Path) -> RequestModel:
        path = Path(path)
        return _request_from(path, _mapping(path, _parse(path)), self.secrets, self.root)

    def fingerprint(self, path: str | Path) -> Fingerprint | None:
        """What the file ``path`` holds now (None: it is gone), to compare with what a tab
        read from it."""
        return Fingerprint.of_file(path)

    def read_request(self, path: str | Path) -> tuple[RequestModel, Fingerprint | None]:
        """The request in ``path`` and the fingerprint to save it back with
        (``store_request(expected=...)``).

        The fingerprint is taken first: a change between the two reads then shows as a
        change at the next save (asked about once too often), never as no change."""
        fingerprint = self.fingerprint(path)
        return self.load_request(path), fingerprint

    def _check_unchanged(self, path: Path, expected: Fingerprint) -> None:
        now = Fingerprint.of_file(path) or ABSENT
        if now != expected:
            raise ChangedOnDisk(path, deleted=now == ABSENT)

    def missing_secrets(self, path: str | Path) -> list[str]:
        """The auth fields of the request in ``path`` whose secret is not in the store (a
        workspace cloned from git on another machine, a cleared keyring): they read as ""."""
        path = Path(path)
        refs = _secret_refs(_mapping(path, _parse(path)))
        return [field for field, ref in refs.items() if self.secrets.get(ref) is None]

    def _free_name(self, folder: Path, stem: str, keep: Path | None = None) -> Path:
        candidate = folder / f"{stem}{REQUEST_SUFFIX}"
        n = 2
        while candidate.exists() and candidate != keep and candidate.name != COLLECTION_FILE:
            candidate = folder / f"{stem}-{n}{REQUEST_SUFFIX}"
            n += 1
        if candidate.name == COLLECTION_FILE:
            return self._free_name(folder, f"{stem}-request", keep)
        return candidate

    def save_request(self, collection: str, model: RequestModel, name: str | None = None, *,
                     expected: Fingerprint | None = None) -> Path:
        """Save ``model`` as ``<collection>/<name>.yaml`` (``name`` defaults to the slug of the
        request's name) and return the path. An existing file of that name is replaced; an
        identical one is not touched. Use ``new_request`` for a fresh, non-clashing name.

        With ``expected`` (what the file held when it was read), a file that no longer
        holds it, or is gone, raises :class:`ChangedOnDisk` and nothing is written
        (``expected=ABSENT``: there must be no file yet)."""
        return self.store_request(collection, model, name, expected=expected).path

    def store_request(self, collection: str, model: RequestModel, name: str | None = None, *,
                      expected: Fingerprint | None = None) -> StoredRequest:
        """:meth:`save_request`, also returning the fingerprint of what the file holds now
        (for the next save's ``expected``)."""
        folder = self._collection_dir(collection)
        stem = name.removesuffix(REQUEST_SUFFIX) if name else slugify(model.name)
        check_name(stem, "request")
        path = folder / f"{stem}{REQUEST_SUFFIX}"
        if path.name == COLLECTION_FILE:
            raise WorkspaceError(f"{COLLECTION_FILE!r} is reserved")
        if expected is not None:
            self._check_unchanged(path, expected)
        old_refs: dict[str, str] = {}
        existed = path.exists()
        if existed:
            old_refs = _secret_refs(_mapping(path, _parse(path)))
        elif folder.is_dir():
            self._read_order(folder)  # a broken collection.yaml stops the save before a write
        # The secrets first: without a keyring nothing at all is written, not even a folder.
        data = _request_data(model, self.secrets, old_refs, self.root)
        self.create_collection(collection)
        raw = _dump(data)
        # Again once the new bytes are on disk, right before the rename: the keyring calls
        # above may have waited long (an unlock prompt), and so may the fsync. What is left
        # is the instant between this read and the rename, which no portable file API closes.
        check = None if expected is None else functools.partial(self._check_unchanged, path,
                                                                 expected)
        write_if_changed(path, raw, before_replace=check)
        if not existed:
            self._write_order(folder, [*self._read_order(folder), path.name])
        # Last, once the file no longer points at them: a cleared secret leaves the keyring.
        self._delete_secrets(_stale_refs(old_refs, data))
        return StoredRequest(path, Fingerprint.of(raw))

    def _delete_secrets(self, refs: Iterable[str]) -> None:
        for ref in sorted(refs):
            self.secrets.delete(ref)

    def new_request(self, collection: str, model: RequestModel) -> Path:
        """Save ``model`` under a file name no other request in ``collection`` uses."""
        return self.store_new_request(collection, model).path

    def store_new_request(self, collection: str, model: RequestModel) -> StoredRequest:
        """:meth:`new_request`, also returning the fingerprint of what the file holds."""
        folder = self._collection_dir(collection)
        path = self._free_name(folder, slugify(model.name))
        return self.store_request(collection, model, path.stem)

    def rename(self, path: str | Path, new_name: str) -> Path:
        """Give the request in ``path`` the name ``new_name`` (in the file and in its file
        name); its place in the collection's order is kept. Returns the new path."""
        path = Path(path)
        folder = path.parent
        model = self.load_request(path)
        refs = _secret_refs(_mapping(path, _parse(path)))
        model.name = new_name
        target = self._free_name(folder, slugify(new_name), keep=path)
        data = _request_data(model, self.secrets, refs, self.root)
        write_if_changed(target, _dump(data))
        self._delete_secrets(_stale_refs(refs, data))
        if target != path:
            path.unlink()
            order = self._read_order(folder)
            order = [target.name if n == path.name else n for n in order]
            if target.name not in order:
                order.append(target.name)
            self._write_order(folder, order)
        return target

    def delete(self, path: str | Path) -> None:
        path = Path(path)
        self._forget_secrets(path)
        path.unlink()
        folder = path.parent
        order = self._read_order(folder)
        if path.name in order:
            self._write_order(folder, [n for n in order if n != path.name])

    def move(self, path: str | Path, collection: str) -> Path:
        """Move the request file ``path`` to the end of ``collection``; returns the new path."""
        path = Path(path)
        self._parse_request_file(path)
        dest = self.create_collection(collection)
        if dest.resolve() == path.parent.resolve():
            return path
        target = self._free_name(dest, path.stem)
        dest_order = self._read_order(dest)
        src_order = self._read_order(path.parent)
        write_atomic(target, path.read_bytes())
        path.unlink()
        self._write_order(dest, [*dest_order, target.name])
        if path.name in src_order:
            self._write_order(path.parent, [n for n in src_order if n != path.name])
        return target

    def _parse_request_file(self, path: Path) -> None:
        _mapping(path, _parse(path))

    # environments

    def _environment_path(self, name: str) -> Path:
        check_name(name, "environment")
        return self.root / ENVIRONMENTS_DIR / f"{name}{REQUEST_SUFFIX}"

    def list_environments(self) -> list[str]:
        folder = self.root / ENVIRONMENTS_DIR
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob(f"*{REQUEST_SUFFIX}")
                      if not p.name.startswith("."))

    def load_environment_variables(self, name: str) -> dict[str, dict[str, Any]]:
        """``{NAME: {"value": str, "secret": bool}}`` in file order, secrets resolved."""
        return self._variables_in(self._environment_path(name))

    def _variables_in(self, path: Path) -> dict[str, dict[str, Any]]:
        data = _mapping(path, _parse(path))
        variables = data.get("variables") or {}
        if not isinstance(variables, dict):
            raise WorkspaceError(f"{path}: 'variables' must be a mapping")
        out: dict[str, dict[str, Any]] = {}
        for var, spec in variables.items():
            if not isinstance(spec, dict):
                spec = {"value": spec}
            value = spec.get("value", "")
            ref = _secret_ref(value)
            missing = False
            if ref is not None:
                value = self.secrets.get(ref)
                missing = value is None
            out[str(var)] = {"value": "" if value is None else str(value),
                             "secret": bool(spec.get("secret", False)) or ref is not None}
            if missing:  # not in this computer's keyring (e.g. cloned from elsewhere)
                out[str(var)]["missing"] = True
        return out

    def read_environment(self, name: str) -> list[Variable]:
        """The variables of environment ``name`` in file order, secrets resolved (a secret
        missing from the store reads as "")."""
        return _as_variables(self.load_environment_variables(name), f"environment {name}")

    def load_environment(self, name: str) -> dict[str, str]:
        return {k: v["value"] for k, v in self.load_environment_variables(name).items()}

    def save_environment(self, name: str, variables: VariablesIn) -> Path:
        """Save an environment: :class:`Variable` objects, or a mapping of names to a plain
        string or ``{"value": str, "secret": bool}``; secret values go to the secrets store.
        Returns the path."""
        path = self._environment_path(name)
        out, stale = self._variables_out(path, variables)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(path, _dump({"variables": out}))
        self._delete_secrets(stale)
        return path

    def _variables_out(self, path: Path, variables: VariablesIn
                       ) -> tuple[dict[str, Any], set[str]]:
        """The file form of ``variables``, secret values stored under the references
        ``path`` already uses; and the references it no longer uses (a secret cleared,
        removed or made plain), for the caller to delete once the file is written."""
        if not isinstance(variables, Mapping):
            variables = {v.name: {"value": v.value, "secret": v.secret} for v in variables}
        old_refs: dict[str, str] = {}
        if path.exists():
            old = _mapping(path, _parse(path)).get("variables")
            if isinstance(old, dict):
                for var, spec in old.items():
                    ref = _secret_ref(spec.get("value")) if isinstance(spec, dict) else None
                    if ref is not None:
                        old_refs[str(var)] = ref
        out: dict[str, Any] = {}
        for var, spec in variables.items():
            if isinstance(spec, Mapping):
                value, secret = str(spec.get("value", "")), bool(spec.get("secret", False))
            else:
                value, secret = str(spec), False
            if secret and not value:
                out[var] = {"value": "", "secret": True}  # no value yet: nothing to keep
            elif secret:
                ref = old_refs.get(var) or _random_hex()
                if self.secrets.get(ref) != value:
                    self.secrets.set(ref, value)
                out[var] = {"value": {"secret": ref}, "secret": True}
            else:
                out[var] = {"value": value}
        stale = {ref for var, ref in old_refs.items()
                 if var not in variables or _secret_ref(out[var].get("value")) != ref}
        return out, stale

    def _free_environment(self, name: str, *, allowed: str | None = None) -> Path:
        """The file ``name`` would have, when no other environment uses that name
        (:func:`environment_name_problem`); ``allowed`` may be reused (a rename)."""
        path = self._environment_path(name)
        problem = environment_name_problem(name, self.list_environments(), allowed=allowed)
        if problem:
            raise WorkspaceError(f"Cannot use the name “{name}”: {problem}")
        return path

    def _existing_environment(self, name: str) -> Path:
        path = self._environment_path(name)
        if not path.is_file():
            raise WorkspaceError(f"{path}: the environment {name!r} does not exist")
        return path

    def create_environment(self, name: str) -> Path:
        """A new environment without variables; an existing name is refused."""
        self._free_environment(name)
        return self.save_environment(name, {})

    def rename_environment(self, old: str, new: str) -> Path:
        """Rename the environment ``old`` to ``new`` (its file); returns the new path.

        The secrets stay where they are: they are keyed by reference, not by name, so no
        keyring call is needed. A rename is one atomic move; a change of case alone goes
        through a hidden temporary name, for file systems that ignore case."""
        source = self._existing_environment(old)
        target = self._free_environment(new, allowed=old)
        if old == new:
            return source
        if old.casefold() == new.casefold():
            middle = source.with_name(f".rename-{_random_hex()}{source.suffix}")
            source.rename(middle)
            middle.rename(target)
        else:
            source.rename(target)
        return target

    def duplicate_environment(self, name: str, new: str) -> Path:
        """A copy of the environment ``name`` called ``new``, with its own copies of the
        secret values (a keyring that cannot store them leaves no file); returns its path."""
        self._existing_environment(name)
        self._free_environment(new)
        return self.save_environment(new, self.load_environment_variables(name))

    def delete_environment(self, name: str) -> None:
        path = self._environment_path(name)
        self._forget_secrets(path)
        path.unlink()
