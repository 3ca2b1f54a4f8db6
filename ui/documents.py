"""The documents view-model: the window's request tabs as documents of the workspace.

:class:`DocumentsController` owns the workflows a tab goes through: open (from the workspace,
from history), save and save as, getting the secrets of a tab restored from the last session
back from the keyring, following a request or folder that moved, the variables a tab sends
with, recording what was sent in the history, import, export, and switching to another
workspace folder. Every file and keyring call goes through :class:`WorkspaceController`'s
serialized calls (``call``, ``start``, ``change``), off the UI thread.

It builds no widget and opens no dialog. The tabs are reached through a :class:`DocumentHost`
(the window); a question for the user is a callable given to it (``ask_where_to_save``,
``ask_changed_on_disk``) or is asked by the window before it calls in (the workspace switch,
export); what the user should read comes out as signals.

Concurrent edits: each document keeps the :class:`~app.storage.fingerprint.Fingerprint` of
what its file held when it was read or saved (``Document.disk``). A save passes it along, and
a file changed or deleted since is not overwritten: the user is asked (from the event loop,
never inside the save's task) to Overwrite, Reload or Save as. When the workspace watcher
sees a change outside (:attr:`WorkspaceController.changed_outside`), a document without
unsaved edits whose file changed reloads quietly; one with edits shows a banner (Reload /
Keep mine).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from app.model.checks import checks_problem
from app.model.limit_settings import LimitSettings
from app.model.request import AuthModel, RequestModel
from app.model.variables import Resolution, Variable
from app.storage.fingerprint import ABSENT, Fingerprint
from app.storage.workspace import ChangedOnDisk
from ui.runtime_variables import RuntimeVariables
from ui.tasks import show_later
from ui.workspace_controller import WorkspaceController, user_message

if TYPE_CHECKING:
    from app.storage.history import History, HistoryEntry

__all__ = ["AskChangedOnDisk", "AskWhereToSave", "DiskAnswer", "Document", "DocumentHost",
           "DocumentsController", "Playground"]

#: ``(name, collections, default collection)`` -> ``(name, collection)``, or None: cancelled.
AskWhereToSave = Callable[[str, list[str], str], "tuple[str, str] | None"]


class DiskAnswer(StrEnum):
    """What to do with a save whose file changed (or went) on disk since it was read."""

    OVERWRITE = "overwrite"  #: write anyway (a deleted file is created again)
    RELOAD = "reload"  #: drop the tab's edits, show what the file holds now
    SAVE_AS = "save as"  #: keep both: the tab's request goes to a new file


#: ``(document title, deleted)`` -> the user's answer, or None: cancelled (nothing saved).
AskChangedOnDisk = Callable[[str, bool], "DiskAnswer | None"]

#: The words for the auth fields whose secret may be missing from the keyring.
_SECRET_FIELD_WORDS = {"password": "password", "token": "token", "key_value": "API key",
                       "secret_key": "secret key", "client_secret": "client secret",
                       "session_token": "session token"}


class _NameEditor(Protocol):
    def set_name(self, name: str) -> None: ...


class _Editor(_NameEditor, Protocol):
    def load_auth(self, auth: AuthModel) -> None: ...


class Document(Protocol):
    """What the controller needs of a request tab."""

    origin: Path | None
    collection: str | None
    modified: bool
    #: The secrets of a tab restored from the last session are not read back yet.
    secrets_pending: bool
    #: What its file held when it was last read or saved (None: not known, not checked).
    disk: Fingerprint | None

    @property
    def editor(self) -> _Editor: ...
    def to_model(self) -> RequestModel: ...
    def title(self) -> str: ...
    def is_blank(self) -> bool: ...
    def set_origin(self, origin: Path | None, collection: str | None) -> None: ...
    def mark_saved(self, model: RequestModel) -> None: ...
    def load_model(self, model: RequestModel) -> None: ...
    def show_disk_change(self, deleted: bool) -> None:
        """Say that the file changed (or was deleted) outside: offer Reload / Keep mine."""
    def hide_disk_change(self) -> None: ...


class DocumentHost(Protocol):
    """Where the documents are shown: the window's tabs."""

    def all_documents(self) -> list[Document]: ...
    def current_document(self) -> Document | None: ...
    def open_document(self, model: RequestModel | None, origin: Path | None) -> Document: ...
    def show_document(self, document: Document) -> None: ...
    def close_document(self, document: Document) -> None: ...


class Playground(Protocol):
    """The local playground server, whose URL is the ``{{playground}}`` variable."""

    @property
    def url(self) -> str | None: ...
    @property
    def token(self) -> str | None:
        """The token its terminals want (``{{playground_token}}``), while it runs."""
    def variables_for(self, model: RequestModel) -> Awaitable[Mapping[str, str]]: ...


class DocumentsController(QObject):
    """Opens, saves and records the window's documents (see the module's docstring)."""

    #: (text, milliseconds) for the status bar.
    message = Signal(str, int)
    #: (title, text): something went wrong that the user must read (a message box).
    warning = Signal(str, str)
    #: (title, text): something worth a message box that is not a failure.
    information = Signal(str, str)
    #: A document was saved into this request file (Path): show it in the tree.
    saved = Signal(object)
    #: An entry was added to the history (the stored, redacted HistoryEntry).
    history_added = Signal(object)
    #: The history was pruned (its limits changed): read it again.
    history_changed = Signal()
    #: An import went through: its ImportReport (whose collections to show).
    imported = Signal(object)
    #: Another workspace folder is shown (its Path).
    workspace_switched = Signal(object)
    #: (text, message): put ``text`` on the clipboard, and say ``message``.
    clipboard = Signal(str, str)

    def __init__(self, workspace: WorkspaceController, host: DocumentHost,
                 playground: Playground, ask_where_to_save: AskWhereToSave,
                 history: History | None = None, parent: QObject | None = None, *,
                 ask_changed_on_disk: AskChangedOnDisk | None = None,
                 open_history: Callable[[], History | None] | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.host = host
        self.playground = playground
        self._history = history
        self._open_history = open_history
        self._ask_where_to_save = ask_where_to_save
        self._ask_changed_on_disk = ask_changed_on_disk
        #: The limits in force (Tools ▸ Limits…): imports read at most ``import_bytes``.
        self.limits = LimitSettings()
        #: id(document) -> the file's fingerprint its banner was shown for (ABSENT: deleted).
        self._noticed: dict[int, Fingerprint] = {}
        #: id() of the documents being saved now.
        self._saving: set[int] = set()
        #: Values captured from responses: above every other scope, never saved.
        self.runtime = RuntimeVariables(self)
        workspace.changed_outside.connect(self.check_documents)

    # -- tabs and their variables ---------------------------------------------------------

    def collection_of(self, origin: Path | None) -> str | None:
        """The collection a request file is in (None for no file, or one outside)."""
        if origin is None:
            return None
        try:
            return self.workspace.workspace.collection_of(origin)
        except ValueError:
            return None

    def attach(self, document: Document, origin: Path | None, *, watch: bool = True) -> None:
        """Tie a new document to its request file (if any), and read its collection's
        variables for lookups (unless ``watch`` is off: the start-up path reads them later)."""
        document.set_origin(origin, self.collection_of(origin))
        if origin is not None and watch:
            self.workspace.watch_collection(document.collection)
        self._watch_documents()

    async def resolution(self, document: Document, model: RequestModel) -> Resolution:
        """The values ``model`` is sent with from ``document``: its collection's and the
        environment's, then the playground's, then the runtime values captured from
        responses; and the secret values in scope now (kept
        with the send: the scope may change before the answer comes)."""
        from app.model.getting_started import PLAYGROUND_TOKEN_VARIABLE

        resolved = await self.workspace.resolution(document.collection)
        values = dict(resolved.values)
        playground = await self.playground.variables_for(model)
        values.update(playground)
        values.update(self.runtime.values())
        secrets = (*resolved.secrets, *self.runtime.secret_values())
        # The terminals' token opens a shell: redacted from history like any secret.
        if token := playground.get(PLAYGROUND_TOKEN_VARIABLE):
            secrets = (*secrets, token)
        return Resolution(values, secrets)

    def lookup_for(self, document: Document) -> Callable[[], dict[str, Variable]]:
        """The variables in scope for ``document`` now (the hover preview), without waiting."""
        from app.model.getting_started import (
            PLAYGROUND_CLIENT_CERT_VARIABLE,
            PLAYGROUND_CLIENT_KEY_VARIABLE,
            PLAYGROUND_GRPC_VARIABLE,
            PLAYGROUND_MTLS_VARIABLE,
            PLAYGROUND_PROXY_VARIABLE,
            PLAYGROUND_TOKEN_VARIABLE,
            PLAYGROUND_VARIABLE,
        )

        def lookup() -> dict[str, Variable]:
            playground = self.playground.url or "the playground (started on send)"
            mtls = self.playground.mtls_url or "the playground's mTLS port (started on send)"
            known = self.workspace.lookup(document.collection, {
                PLAYGROUND_VARIABLE: playground, PLAYGROUND_MTLS_VARIABLE: mtls})
            # Shown masked: whoever holds it can open a shell.
            token = self.playground.token or "(made when the playground starts)"
            known[PLAYGROUND_TOKEN_VARIABLE] = Variable(
                PLAYGROUND_TOKEN_VARIABLE, token, secret=True, source="Spyglass")
            reach = self.playground.reach_values()
            for name in (PLAYGROUND_PROXY_VARIABLE, PLAYGROUND_CLIENT_CERT_VARIABLE,
                         PLAYGROUND_CLIENT_KEY_VARIABLE, PLAYGROUND_GRPC_VARIABLE):
                known[name] = Variable(name, reach.get(name, "(set when the playground starts)"),
                                       secret=name == PLAYGROUND_PROXY_VARIABLE,
                                       source="Spyglass")
            known.update(self.runtime.variables())
            return known

        return lookup

    def document_of(self, origin: Path) -> Document | None:
        return next((d for d in self.host.all_documents() if d.origin == origin), None)

    def unsaved_titles(self) -> list[str]:
        """The titles of the documents with changes that are not saved."""
        return [d.title() for d in self.host.all_documents() if d.modified]

    # -- open -----------------------------------------------------------------------------

    def open(self, path: Path, in_new_tab: bool = False) -> None:
        """Show the request in ``path``: its document when open, else a new one (which takes
        the place of a blank current tab, unless ``in_new_tab``)."""
        if (document := self.document_of(path)) is not None:
            self.host.show_document(document)
            return
        self.workspace.start(f"Open {path.name}", self._open(path, in_new_tab))

    async def _open(self, path: Path, in_new_tab: bool) -> None:
        model, disk = await self.workspace.read_request(path)
        missing = await self.workspace.call(self.workspace.workspace.missing_secrets, path)
        if missing:
            what = " and ".join(_SECRET_FIELD_WORDS.get(m, m) for m in missing)
            self.message.emit(f"The {what} of “{model.name}” is not in this computer's keyring: "
                              "enter it in the Auth tab and save (Ctrl+S).", 20000)
        if (existing := self.document_of(path)) is not None:
            self.host.show_document(existing)
            return
        current = self.host.current_document()
        document = self.host.open_document(model, path)
        document.disk = disk
        document.mark_saved(model)
        self._watch_documents()
        if not in_new_tab and current is not None and current.is_blank():
            self.host.close_document(current)  # the new document takes its place

    def open_history_entry(self, entry: object) -> None:
        """Open what a history entry sent in a new document (its secrets stay redacted)."""
        from app.storage.history_entry import HistoryEntry

        if not isinstance(entry, HistoryEntry):
            return
        try:
            model = entry.request_model()
        except ValueError as exc:
            self.message.emit(f"Cannot open this history entry: {exc}", 8000)
            return
        self.host.open_document(model, None)

    def restore(self, document: Document) -> None:
        """A document restored from the last session gets its secrets back from the keyring
        (the window state file does not hold them); until then it refuses a plain save."""
        if document.origin is None:
            return
        document.secrets_pending = document.to_model().auth.kind != "none"
        self.workspace.watch_collection(document.collection)
        self.workspace.start(f"Open {document.origin.name}", self._restore_secrets(document))

    async def _restore_secrets(self, document: Document) -> None:
        from app.model.request import SECRET_AUTH_FIELDS

        if document.origin is None or not document.origin.exists():
            document.set_origin(None, None)
            return
        saved, disk = await self.workspace.read_request(document.origin)
        document.disk = disk
        model = document.to_model()
        if model.auth.kind == saved.auth.kind:
            for key in SECRET_AUTH_FIELDS:
                if not getattr(model.auth, key):
                    setattr(model.auth, key, getattr(saved.auth, key))
            document.editor.load_auth(model.auth)
        document.secrets_pending = False
        document.mark_saved(saved)

    # -- files that moved -------------------------------------------------------------------

    def request_moved(self, old: Path, new: Path | None) -> None:
        """The document of a request renamed or moved follows it; deleted, it keeps the
        request, unsaved."""
        document = self.document_of(old)
        if document is None:
            return
        if new is None:
            document.set_origin(None, None)
            self._settled(document)
            return
        document.set_origin(new, self.collection_of(new))
        if document.modified is False:
            self.workspace.start("Rename", self._reload_name(document, new))
        else:  # the rename wrote the new name into the file: that is no outside change
            self.workspace.start("Rename", self._take_fingerprint(document, new))

    async def _take_fingerprint(self, document: Document, path: Path) -> None:
        document.disk = await self.workspace.fingerprint(path)
        self._watch_documents()

    def folder_moved(self, old: str, new: str | None) -> None:
        """Documents of requests in a folder that moved follow it (or, deleted, keep their
        request, no longer saved)."""
        root = self.workspace.root
        for document in self.host.all_documents():
            if document.origin is None:
                continue
            try:
                inside = document.origin.relative_to(root / old)
            except ValueError:
                continue
            if new is None:
                document.set_origin(None, None)
                self._settled(document)
            else:
                origin = root / new / inside
                document.set_origin(origin, self.collection_of(origin))
                self.workspace.watch_collection(document.collection)

    async def _reload_name(self, document: Document, path: Path) -> None:
        model, document.disk = await self.workspace.read_request(path)
        document.editor.set_name(model.name)
        document.mark_saved(model)
        self._watch_documents()

    # -- save -----------------------------------------------------------------------------

    def save(self, document: Document, ask: bool = False,
             then: Callable[[], None] | None = None, *, overwrite: bool = False) -> None:
        """Save the document's request to its file (Ctrl+S), or, with ``ask`` or no file
        yet, where the user says (a new file); ``then`` runs once it is saved.

        A file changed or deleted since the document read it is not overwritten: the user
        is asked what to do (see :meth:`_changed_on_disk`), unless ``overwrite``."""
        if document.secrets_pending and not ask:
            self.warning.emit(
                "Save request",
                f"The secrets of “{document.title()}” have not been read back from the keyring "
                "yet (is it locked?). Saving now would drop them, so nothing was saved; "
                "unlock the keyring and reopen the request, or use Save as.")
            return
        model = document.to_model()
        if (problem := checks_problem(model.asserts, model.captures)) is not None:
            self.warning.emit("Save request", f"“{model.name}” was not saved: {problem}. "
                              "Correct or remove the row marked ⚠ in the Tests tab; the "
                              "request is still in its tab.")
            return
        origin = None if ask else document.origin
        collection: str | None = None
        if origin is None:
            collections = [f.collection for top in self.workspace.tree for f in top.walk()]
            default = document.collection or (collections[0] if collections
                                              else "My collection")
            answer = self._ask_where_to_save(model.name, collections, default)
            if answer is None:
                return
            model.name, collection = answer

        def failed(message: str) -> None:
            self.warning.emit("Save request", f"“{model.name}” was not saved: {message}\n\n"
                              "It is still in its tab.")

        expected = None if overwrite or origin is None else document.disk
        self.workspace.start(f"Save {model.name}",
                             self._save(document, model, origin, collection, then, expected),
                             failed)

    async def _save(self, document: Document, model: RequestModel, origin: Path | None,
                    collection: str | None, then: Callable[[], None] | None,
                    expected: Fingerprint | None) -> None:
        # Until it is tied to what it wrote, a check of the documents (after the watcher saw
        # this very write) leaves this one alone.
        self._saving.add(id(document))
        try:
            stored = await self.workspace.store_request(model, origin, collection, expected)
            await self.workspace.rescan()
        except ChangedOnDisk as exc:
            # The question is a modal dialog: asked from the event loop, not inside this task.
            show_later(self._changed_on_disk, document, exc.deleted, then)
            return
        finally:
            self._saving.discard(id(document))
        path = stored.path
        document.disk = stored.fingerprint
        document.set_origin(path, self.collection_of(path))
        if origin is None:
            document.editor.set_name(model.name)
        document.mark_saved(model)
        document.secrets_pending = False
        self._settled(document)
        self.workspace.watch_collection(document.collection)
        self._watch_documents()
        self.saved.emit(path)
        self.message.emit(f"Saved {path.relative_to(self.workspace.root)}", 5000)
        if then is not None:
            then()

    # -- files changed on disk --------------------------------------------------------------

    def _changed_on_disk(self, document: Document, deleted: bool,
                         then: Callable[[], None] | None) -> None:
        """A save found its file changed (or deleted) since it was read: ask what to do."""
        if document not in self.host.all_documents():
            return  # closed meanwhile
        ask = self._ask_changed_on_disk
        name = document.to_model().name or document.title()
        answer = ask(name, deleted) if ask is not None else None
        if answer is DiskAnswer.OVERWRITE:
            self.save(document, then=then, overwrite=True)
        elif answer is DiskAnswer.SAVE_AS:
            self.save(document, ask=True, then=then)
        elif answer is DiskAnswer.RELOAD and not deleted:
            self.reload(document)
        else:
            what = "was deleted" if deleted else "changed on disk"
            self.message.emit(f"Not saved: the file of “{name}” {what}. "
                              "Your changes are still in the tab.", 10000)

    def reload(self, document: Document) -> None:
        """Show what the document's file holds now, dropping the document's edits."""
        if document.origin is not None:
            self.workspace.start(f"Reload {document.origin.name}",
                                 self._reload(document, document.origin))

    async def _reload(self, document: Document, origin: Path) -> None:
        model, disk = await self.workspace.read_request(origin)
        document.load_model(model)
        document.disk = disk
        document.mark_saved(model)
        self._settled(document)
        self.message.emit(f"Reloaded “{model.name}” from {origin.name}", 5000)

    def keep_mine(self, document: Document) -> None:
        """Keep the document's edits over the file's change shown in its banner: the next
        save writes them over it (or creates the deleted file again) without asking; a
        further change still asks."""
        if id(document) in self._noticed:
            document.disk = self._noticed[id(document)]
        self._settled(document)

    def _settled(self, document: Document) -> None:
        self._noticed.pop(id(document), None)
        document.hide_disk_change()

    def check_documents(self) -> None:
        """Files may have changed outside: a document whose file changed reloads quietly when
        it has no unsaved edits; otherwise (or when the file is gone) it shows a banner."""
        self._watch_documents()
        self.workspace.start("Check open requests", self._check_documents())

    async def _check_documents(self) -> None:
        for document in self.host.all_documents():
            origin = document.origin
            if origin is None or document.disk is None or id(document) in self._saving:
                continue  # never saved, what was read is not known yet, or being saved
            now = await self.workspace.fingerprint(origin) or ABSENT
            if not self._still_at(document, origin):
                continue  # moved, being saved or closed meanwhile: checked next time
            if now == document.disk:
                if id(document) in self._noticed:
                    self._settled(document)  # changed back (a checkout of another branch)
                continue
            if id(document) in self._noticed and self._noticed[id(document)] == now:
                continue  # its banner says so already
            if now != ABSENT and not document.modified:
                model, disk = await self.workspace.read_request(origin)
                if not self._still_at(document, origin):
                    continue
                if not document.modified:
                    document.load_model(model)
                    document.disk = disk
                    document.mark_saved(model)
                    self._settled(document)
                    self.message.emit(f"“{model.name}” changed on disk: reloaded", 5000)
                    continue
            self._noticed[id(document)] = now
            document.show_disk_change(now == ABSENT)

    def _still_at(self, document: Document, origin: Path) -> bool:
        return (document.origin == origin and id(document) not in self._saving
                and document in self.host.all_documents())

    def _watch_documents(self) -> None:
        if (watcher := self.workspace.watcher) is not None:
            watcher.watch_files(d.origin for d in self.host.all_documents()
                                if d.origin is not None)

    # -- history ----------------------------------------------------------------------------

    @property
    def history(self) -> History | None:
        """The history database: the one given, or the one ``open_history`` opens at the
        first use (None: there is none)."""
        if self._history is None and self._open_history is not None:
            self._history = self._open_history()
        return self._history

    def record_history(self, entry: HistoryEntry) -> None:
        """A request was sent: keep its entry (built and redacted in app/ by ``entry_for``)
        in the history, off the UI thread."""
        history = self.history
        if history is None:
            return

        async def add() -> None:
            entry_id = await asyncio.to_thread(history.add, entry)
            stored = await asyncio.to_thread(history.get, entry_id)
            if stored is not None:
                self.history_added.emit(stored)

        self.workspace.start("History", add())

    def set_history_limits(self, entries: int, mib: int) -> None:
        """Keep at most ``entries`` entries and ``mib`` MiB of history, pruned at once."""
        history = self.history
        if history is None:
            return

        async def apply() -> None:
            await asyncio.to_thread(history.set_limits, entries, mib * 1024 * 1024)
            self.history_changed.emit()

        self.workspace.start("History limits", apply())

    # -- the workspace ------------------------------------------------------------------------

    def switch_workspace(self, folder: str | Path) -> None:
        """Show the workspace in ``folder``. Open documents stay, no longer tied to their
        files (the window asks about unsaved ones first)."""
        from app.storage.workspace import Workspace

        self.workspace.switch_to(Workspace(folder, self.workspace.secrets))
        for document in self.host.all_documents():
            document.set_origin(None, None)
            self._settled(document)
        self._watch_documents()
        self.workspace_switched.emit(self.workspace.root)

    def import_file(self, path: str) -> None:
        """Import the file ``path`` (curl, Postman v2.1, OpenAPI 3, HAR)."""
        self.import_text(None, source=path)

    def import_text(self, text: str | None, *, source: str = "") -> None:
        """Import ``text`` (or the file ``source``) into the workspace."""
        self.workspace.start("Import", self._import(text, source))

    async def _import(self, text: str | None, source: str) -> None:
        from app.interchange import InterchangeError, import_into
        from app.interchange import import_text as parse
        from app.storage.secrets import SecretsUnavailable
        from app.storage.workspace import WorkspaceError

        controller = self.workspace
        limit = self.limits.import_bytes
        try:
            content = (text if text is not None
                       else await asyncio.to_thread(_read, source, limit))
            result = await asyncio.to_thread(functools.partial(parse, content, limit=limit))
            report = await controller.call(import_into, controller.workspace, result)
        except (InterchangeError, ValueError, OSError, WorkspaceError,
                SecretsUnavailable) as exc:
            message = (f"Cannot read {source}: {exc.strerror}" if isinstance(exc, OSError)
                       and exc.strerror else str(exc))
            self.warning.emit("Import", message)
            return
        finally:
            await controller.rescan()
        summary = report.summary(str(controller.root))
        self.message.emit(summary, 10000)
        self.imported.emit(report)
        if report.warnings:
            shown = "\n".join(f"• {w}" for w in report.warnings[:12])
            more = (f"\n… and {len(report.warnings) - 12} more"
                    if len(report.warnings) > 12 else "")
            self.information.emit("Import", f"{summary}\n\n{shown}{more}")

    def export(self, fmt: str, path: str | Path, include_secrets: bool) -> None:
        """Export the whole workspace as ``fmt`` into the file ``path`` (atomically)."""
        self.workspace.start("Export", self._export(fmt, Path(path), include_secrets))

    async def _export(self, fmt: str, path: Path, include_secrets: bool) -> None:
        from app.interchange import export
        from app.storage.atomic import write_atomic

        controller = self.workspace
        try:
            text = await controller.call(
                functools.partial(export, include_secrets=include_secrets),
                controller.workspace, fmt)
            await asyncio.to_thread(functools.partial(
                write_atomic, path, text.encode("utf-8"), private=include_secrets))
        except Exception as exc:
            self.warning.emit("Export", f"Nothing was exported: {user_message(exc)}")
            return
        self.message.emit(f"Exported the workspace to {path}", 8000)

    def copy_as_curl(self, document: Document) -> None:
        """The document's request as a curl command line, for the clipboard."""
        from app.interchange.curl import to_curl

        self.clipboard.emit(to_curl(self._exported(document)),
                            "Copied the request as a curl command")

    def _exported(self, document: Document) -> RequestModel:
        """The document's request for a command or script run from any folder: its relative
        CA and certificate paths made absolute under the workspace, as the request finds
        them when sent."""
        from dataclasses import replace

        from app.storage.file_paths import options_from_file

        model = document.to_model()
        return replace(model, options=options_from_file(model.options, self.workspace.root))

    def copy_as_python(self, document: Document, flavour: str) -> None:
        """A runnable Python script for the document's request (``flavour`` "client",
        "aiohttp" or "grpc"; a gRPC request's script uses app.grpc whichever), with the
        variables in scope filled in, for the clipboard."""
        from app.model.request import RequestMode

        model = self._exported(document)

        async def run() -> None:
            from app.interchange import to_python_aiohttp, to_python_client

            values = (await self.resolution(document, model)).values
            if model.mode == RequestMode.GRPC:
                from app.interchange.python_grpc import to_python_grpc

                self.clipboard.emit(to_python_grpc(model, dict(values),
                                                   workspace_root=self.workspace.root),
                                    "Copied the gRPC call as a Python script "
                                    "(app.grpc)")
                return
            make = to_python_client if flavour == "client" else to_python_aiohttp
            what = "app.client" if flavour == "client" else "aiohttp"
            self.clipboard.emit(make(model, dict(values)),
                                f"Copied the request as a Python script ({what})")

        self.workspace.start("Copy as Python", run())

    def copy_as_grpcurl(self, document: Document) -> None:
        """The document's gRPC request as a grpcurl command, the variables in scope filled
        in, for the clipboard (nothing for another kind of request)."""
        from app.model.request import RequestMode

        model = document.to_model()
        if model.mode != RequestMode.GRPC:
            return  # the menu offers it for gRPC requests only

        async def run() -> None:
            from app.interchange.grpcurl import to_grpcurl

            values = (await self.resolution(document, model)).values
            self.clipboard.emit(to_grpcurl(model, dict(values),
                                           workspace_root=self.workspace.root),
                                "Copied the gRPC call as a grpcurl command")

        self.workspace.start("Copy as grpcurl", run())


def _read(path: str, limit: int) -> str:
    from app.interchange import read_import

    return read_import(path, limit)  # bounded: /dev/zero or a huge file ends with a clear error
