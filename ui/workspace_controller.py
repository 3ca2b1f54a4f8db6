"""The window's view-model of the workspace: runs every file and keyring call off the UI thread
(the keyring may block on D-Bus or an unlock prompt), one at a time, and reports by signal.

It also keeps the values of the variables in scope (the chosen environment, and the variables
of each collection a tab came from), so that editors can show a variable's value on hover and
flag names nothing defines, without waiting.

Once :meth:`WorkspaceController.follow_outside_changes` is called (the window does), a
:class:`~ui.workspace_watcher.WorkspaceWatcher` tells it of changes made outside Spyglass: the
tree, the environments and the variables are read again, and :attr:`changed_outside` lets the
documents check their files."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.model.request import RequestModel
from app.model.variables import Resolution, Variable
from app.storage.fingerprint import Fingerprint
from app.storage.index import FolderEntry, WorkspaceIndex
from app.storage.secrets import SecretStore, SecretsUnavailable
from app.storage.workspace import (
    COLLECTION_FILE,
    ENVIRONMENTS_DIR,
    StoredRequest,
    Workspace,
    WorkspaceError,
)
from ui.tasks import TaskRunner
from ui.workspace_watcher import WorkspaceWatcher

__all__ = ["WorkspaceController", "user_message"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def user_message(exc: BaseException) -> str:
    """What to tell the user about a failed workspace operation (never a traceback)."""
    if isinstance(exc, WorkspaceError | SecretsUnavailable):
        return str(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return f"Unexpected error ({type(exc).__name__}): {exc}"


class WorkspaceController(QObject):
    """Owns the open workspace for the window."""

    #: The tree to show (list[FolderEntry]), after every change.
    tree_changed = Signal(object)
    #: A message for the user: an operation failed (nothing was lost or overwritten), or
    #: something read needs their attention (a secret missing from the keyring).
    failed = Signal(str)
    #: The keyring cannot be used: the message says so plainly. "" once it can.
    keyring_status = Signal(str)
    #: The environments (list[str]) and the chosen one (str or None).
    environments_changed = Signal(object, object)
    #: Variable values changed (environment switched or edited, collection variables read).
    variables_changed = Signal()
    #: (old name, new name): the chosen environment was renamed, and stays chosen.
    environment_renamed = Signal(str, str)
    #: Files changed outside Spyglass, and the tree was read again: check open documents.
    changed_outside = Signal()

    def __init__(self, runner: TaskRunner, workspace: Workspace,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workspace = workspace
        self.index = WorkspaceIndex(workspace)
        self.tree: list[FolderEntry] = []
        self.environments: list[str] = []
        self.environment: str | None = None
        #: The environment to choose when it is there and none is chosen (the one chosen
        #: last time, kept by the window; the last one picked since).
        self.preferred_environment: str | None = None
        self._env_values: dict[str, Variable] = {}
        self._collection_values: dict[str, dict[str, Variable]] = {}
        self._lock: asyncio.Lock | None = None
        self.keyring_message = ""
        #: Set by :meth:`follow_outside_changes`.
        self.watcher: WorkspaceWatcher | None = None
        self._variable_files: dict[Path, Fingerprint | None] = {}

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def secrets(self) -> SecretStore:
        return self.workspace.secrets

    # -- running work off the UI thread ---------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread, after any workspace call still running."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    def start(self, what: str, coro: Any,
              on_error: Callable[[str], None] | None = None) -> None:
        """Run ``coro``; a failure is reported with :attr:`failed`, as ``what: message``, and
        given to ``on_error`` (to show it where the user looks)."""
        async def guarded() -> None:
            try:
                await coro
            except Exception as exc:  # every failure is the user's to read
                if not isinstance(exc, WorkspaceError | SecretsUnavailable | OSError):
                    log.error("workspace operation failed: %s", what, exc_info=exc)
                if isinstance(exc, SecretsUnavailable):
                    self._set_keyring(str(exc))
                self.failed.emit(f"{what}: {user_message(exc)}")
                if on_error is not None:
                    on_error(user_message(exc))

        task = self.runner.start(f"workspace / {what} / {id(coro)}", guarded())
        # Cancelled before it began (the window closed): close the coroutine never started.
        task.add_done_callback(lambda t: coro.close() if t.cancelled() else None)

    def open(self) -> None:
        """Read the tree, the environments and whether the keyring works."""
        self.start("Open workspace", self._open())

    def switch_to(self, workspace: Workspace) -> None:
        """Show another workspace folder (File ▸ Open workspace folder)."""
        self.workspace = workspace
        self.index = WorkspaceIndex(workspace)
        self.environment = self.preferred_environment = None
        self._env_values = {}
        self._collection_values.clear()
        self.variables_changed.emit()
        self.open()

    async def _open(self) -> None:
        await self.call(self.workspace.root.mkdir, 0o777, True, True)
        await self.rescan()
        if self.watcher is not None:
            self._variable_files = await self.call(self._variable_fingerprints)
        await self.reload_environments()
        # probe, not available: the keyring's backend (over 20 MiB) loads only when a
        # secret is read or written, and an idle window may never do either (bench/idle.py).
        available = await asyncio.to_thread(self.secrets.probe)
        from app.storage.secrets import UNAVAILABLE_MESSAGE

        self._set_keyring("" if available else UNAVAILABLE_MESSAGE)

    def _set_keyring(self, message: str) -> None:
        self.keyring_message = message
        self.keyring_status.emit(message)

    async def rescan(self) -> list[FolderEntry]:
        self.tree = await self.call(self.index.scan)
        self._watch_tree()
        self.tree_changed.emit(self.tree)
        return self.tree

    # -- changes made outside Spyglass ----------------------------------------------------

    def follow_outside_changes(self) -> WorkspaceWatcher:
        """Watch the workspace's folders from now on; a change made outside reads the tree,
        the environments and the variables again, then emits :attr:`changed_outside`."""
        if self.watcher is None:
            self.watcher = WorkspaceWatcher(self)
            self.watcher.changed.connect(self.refresh_from_disk)
            self._watch_tree()
        return self.watcher

    def refresh_from_disk(self) -> None:
        """Read again what may have changed outside: the tree, environments, variables."""
        self.start("Refresh", self._refresh())

    async def _refresh(self) -> None:
        tree = await self.call(self.index.scan)
        if tree != self.tree:  # our own saves come back here too: no second rebuild for them
            self.tree = tree
            self.tree_changed.emit(tree)
        self._watch_tree()
        # Most changes are request files (our own saves among them): variables are read
        # again only when a file holding some changed, so that a missing secret is not
        # reported again after every save.
        files = await self.call(self._variable_fingerprints)
        if files != self._variable_files:
            self._variable_files = files
            await self.reload_environments()
            self.collection_variables_saved()
        self.changed_outside.emit()

    def _variable_fingerprints(self) -> dict[Path, Fingerprint | None]:
        """What the environment files and every folder's collection.yaml hold now."""
        root = self.workspace.root
        environments = root / ENVIRONMENTS_DIR
        paths = sorted(environments.glob("*.yaml")) if environments.is_dir() else []
        paths += [root.joinpath(*f.collection.split("/"), COLLECTION_FILE)
                  for top in self.tree for f in top.walk()]
        return {path: Fingerprint.of_file(path) for path in paths}

    def _watch_tree(self) -> None:
        if self.watcher is None:
            return
        root = self.workspace.root
        folders = [root, root / ENVIRONMENTS_DIR]
        folders += [root.joinpath(*f.collection.split("/"))
                    for top in self.tree for f in top.walk()]
        self.watcher.watch_folders(folders)

    def change(self, what: str, fn: Callable[..., Any], *args: Any,
               then: Callable[[Any], None] | None = None) -> None:
        """Run a change to the files (``fn(*args)``), then show the new tree."""
        async def run() -> None:
            try:
                result = await self.call(fn, *args)
            finally:
                await self.rescan()
            self.collection_variables_saved()  # folders may have moved: read them again
            if then is not None:
                then(result)

        self.start(what, run())

    # -- requests -------------------------------------------------------------------------

    async def load_request(self, path: Path) -> RequestModel:
        return await self.call(self.workspace.load_request, path)

    async def read_request(self, path: Path) -> tuple[RequestModel, Fingerprint | None]:
        """The request in ``path`` and the fingerprint to save it back with."""
        return await self.call(self.workspace.read_request, path)

    async def fingerprint(self, path: Path) -> Fingerprint | None:
        """What ``path`` holds now (None: gone)."""
        return await self.call(self.workspace.fingerprint, path)

    async def save_request(self, model: RequestModel, path: Path | None,
                           collection: str | None = None) -> Path:
        """Save ``model`` over ``path``, or as a new request in ``collection``, and show the
        new tree."""
        stored = await self.store_request(model, path, collection)
        await self.rescan()
        return stored.path

    async def store_request(self, model: RequestModel, path: Path | None,
                            collection: str | None = None,
                            expected: Fingerprint | None = None) -> StoredRequest:
        """Save ``model`` over ``path`` (refused with ``ChangedOnDisk`` when ``expected`` is
        given and the file no longer holds it), or as a new request in ``collection``.

        The tree is not read again: the caller does so, once it has taken the fingerprint."""
        ws = self.workspace
        if path is not None:
            coll = ws.collection_of(path)
            stored = await self.call(functools.partial(
                ws.store_request, coll, model, path.stem, expected=expected))
        else:
            assert collection is not None
            stored = await self.call(ws.store_new_request, collection, model)
        return stored

    # -- environments and variables -------------------------------------------------------

    async def reload_environments(self) -> None:
        names = await self.call(self.workspace.list_environments)
        self.environments = names
        if self.environment not in names:
            self.environment = None
            self._env_values = {}
        if self.environment is None and self.preferred_environment in names:
            self.environment = self.preferred_environment
        self.environments_changed.emit(names, self.environment)
        if self.environment is not None:
            await self._load_environment(self.environment)

    def set_environment(self, name: str | None) -> None:
        """Send with the environment ``name`` (None: none), and prefer it from now on."""
        self.preferred_environment = name
        if name == self.environment and (name is None or self._env_values):
            return
        self.environment = name
        if name is None:
            self._env_values = {}
            self.variables_changed.emit()
            return
        self.start(f"Environment {name}", self._load_environment(name))

    async def _load_environment(self, name: str) -> None:
        try:
            values = await self.call(self.workspace.load_environment_variables, name)
        except Exception:
            if self.environment == name:
                self._env_values = {}
                self.variables_changed.emit()
            raise
        if self.environment == name:
            self._env_values = _variables(values, f"environment {name}")
            self.variables_changed.emit()
            self._tell_missing(values, f"environment {name}")

    def environment_edited(self) -> None:
        """The environment editor saved: read the names and values again."""
        self.start("Environments", self.reload_environments())

    def watch_collection(self, collection: str | None) -> None:
        """Read the variables of ``collection`` (and its outer collections) for lookups."""
        if collection is None or collection in self._collection_values:
            return
        self._collection_values[collection] = {}
        self.start(f"Variables of {collection}", self._load_collection(collection))

    async def _load_collection(self, collection: str) -> dict[str, Variable]:
        parts = collection.split("/")
        merged: dict[str, Variable] = {}
        for i in range(1, len(parts) + 1):
            scope = "/".join(parts[:i])
            try:
                values = await self.call(self.workspace.load_collection_variables, scope)
            except FileNotFoundError:
                continue
            where = f"collection {scope.replace('/', ' / ')}"
            merged.update(_variables(values, f"collection {collection.replace('/', ' / ')}"))
            self._tell_missing(values, where)
        self._collection_values[collection] = merged
        self.variables_changed.emit()
        return merged

    def _tell_missing(self, values: Mapping[str, Mapping[str, Any]], where: str) -> None:
        missing = [name for name, spec in values.items() if spec.get("missing")]
        if missing:
            names = ", ".join(missing)
            self.failed.emit(f"The secret value of {names} ({where}) is not in this "
                             "computer's keyring: it reads as empty until set again.")

    def collection_variables_saved(self) -> None:
        """Collection variables were edited (or folders changed): read them again where they
        are used; the values known so far stay until then."""
        for collection in list(self._collection_values):
            self.start(f"Variables of {collection}", self._load_collection(collection))

    def lookup(self, collection: str | None, extra: Mapping[str, str] | None = None
               ) -> dict[str, Variable]:
        """Every variable in scope for a request of ``collection``: collection values, then
        the environment's (an environment value wins, as in Postman), then ``extra``."""
        from dataclasses import replace

        out: dict[str, Variable] = {}
        if collection is not None:
            out.update(self._collection_values.get(collection, {}))
        out.update(self._env_values)
        for name, value in (extra or {}).items():
            out[name] = Variable(name, value, source="Spyglass")
        if any("{{" in v.value for v in out.values()):
            from app.model.templating import resolve_nested

            values = resolve_nested({k: v.value for k, v in out.items()})
            out = {k: replace(v, value=values[k]) for k, v in out.items()}
        return out

    async def resolution(self, collection: str | None) -> Resolution:
        """The values to send a request of ``collection`` with, read fresh (the keyring
        off-thread), and the secret values in scope (for redacting what the send leaves)."""
        if collection is not None and collection not in self._collection_values:
            self._collection_values[collection] = {}
            await self._load_collection(collection)
        values = {k: v.value for k, v in self.lookup(collection).items()}
        return Resolution(values, tuple(self.secret_values()))

    def secret_values(self) -> list[str]:
        """The secret values known now (for redacting history): the environment's, and those
        of every collection read so far."""
        values = [v.value for v in self._env_values.values() if v.secret]
        for scope in self._collection_values.values():
            values += [v.value for v in scope.values() if v.secret]
        return values

    # -- environment operations (the environment editor's) ---------------------------------

    async def list_environments(self) -> list[str]:
        return await self.call(self.workspace.list_environments)

    async def read_environment(self, name: str) -> list[Variable]:
        return await self.call(self.workspace.read_environment, name)

    async def save_environment(self, name: str, variables: list[Variable]) -> None:
        """Save the variables of ``name``; its values are read again where they are used."""
        await self.call(self.workspace.save_environment, name, variables)
        self.environment_edited()

    async def create_environment(self, name: str) -> None:
        await self.call(self.workspace.create_environment, name)
        self.environment_edited()

    async def duplicate_environment(self, name: str, new: str) -> None:
        await self.call(self.workspace.duplicate_environment, name, new)
        self.environment_edited()

    async def delete_environment(self, name: str) -> None:
        await self.call(self.workspace.delete_environment, name)
        self.environment_edited()

    async def rename_environment(self, old: str, new: str) -> None:
        """Rename ``old``; the chosen environment stays chosen under its new name."""
        await self.call(self.workspace.rename_environment, old, new)
        if self.preferred_environment == old:
            self.preferred_environment = new
        if self.environment == old:
            self.environment = new
            self.environment_renamed.emit(old, new)
        self.environment_edited()


def _variables(specs: Mapping[str, Mapping[str, Any]], source: str) -> dict[str, Variable]:
    return {name: Variable(name, spec["value"], bool(spec["secret"]), source)
            for name, spec in specs.items()}
