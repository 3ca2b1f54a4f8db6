"""The window's view-models without a widget: WorkspaceController and DocumentsController,
driven on the Qt loop against a real workspace in a temporary folder and an in-memory
keyring. The documents are plain objects with the few methods a request tab offers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, RequestModel
from app.model.variables import Resolution, Variable
from app.storage.fingerprint import Fingerprint
from app.storage.history import REDACTED, History, HistoryEntry, Outcome, entry_for
from app.storage.secrets import UNAVAILABLE_MESSAGE, MemorySecrets, SecretsUnavailable
from app.storage.workspace import Workspace, WorkspaceError
from ui.documents import DiskAnswer, DocumentsController
from ui.tasks import TaskRunner
from ui.workspace_controller import WorkspaceController

TOKEN = "tok-Secret-4711"
ENV_SECRET = "env-Secret-0815"


class FakeDocument:
    """A request tab as the documents controller sees it."""

    def __init__(self, model: RequestModel | None = None) -> None:
        self.model = model or RequestModel()
        self.origin: Path | None = None
        self.collection: str | None = None
        self.modified = False
        self.secrets_pending = False
        self.disk: Fingerprint | None = None
        #: The "changed on disk" banner: None hidden, else whether it says "deleted".
        self.banner: bool | None = None
        self.sent_secrets: list[str] = []
        self._saved: dict[str, Any] | None = None
        self.editor = SimpleNamespace(set_name=self._set_name,
                                      load_auth=self._load_auth)

    def _set_name(self, name: str) -> None:
        self.model.name = name

    def _load_auth(self, auth: AuthModel) -> None:
        self.model.auth = auth

    def edit(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self.model, key, value)
        if self._saved is not None:
            self.modified = self.model.to_dict() != self._saved

    def to_model(self) -> RequestModel:
        return RequestModel.from_dict(self.model.to_dict())

    def title(self) -> str:
        return self.model.name

    def is_blank(self) -> bool:
        return self.origin is None and self.model.to_dict() == RequestModel().to_dict()

    def set_origin(self, origin: Path | None, collection: str | None) -> None:
        self.origin, self.collection = origin, collection
        if origin is None:
            self._saved, self.modified = None, False

    def mark_saved(self, model: RequestModel) -> None:
        self._saved = model.to_dict()
        self.modified = self.model.to_dict() != self._saved

    def load_model(self, model: RequestModel) -> None:
        self.model = RequestModel.from_dict(model.to_dict())

    def show_disk_change(self, deleted: bool) -> None:
        self.banner = deleted

    def hide_disk_change(self) -> None:
        self.banner = None


class FakeHost:
    """The window's tabs, as a list; a new one is attached to the controller as the window
    does."""

    def __init__(self) -> None:
        self.documents: list[FakeDocument] = []
        self.current: FakeDocument | None = None
        self.controller: DocumentsController | None = None

    def all_documents(self) -> list[FakeDocument]:
        return list(self.documents)

    def current_document(self) -> FakeDocument | None:
        return self.current

    def open_document(self, model: RequestModel | None, origin: Path | None) -> FakeDocument:
        document = FakeDocument(model)
        if self.controller is not None:
            self.controller.attach(document, origin)
        self.documents.append(document)
        self.current = document
        return document

    def show_document(self, document: FakeDocument) -> None:
        self.current = document

    def close_document(self, document: FakeDocument) -> None:
        self.documents.remove(document)
        if self.current is document:
            self.current = self.documents[-1] if self.documents else None


class FakePlayground:
    url: str | None = None
    token: str | None = None
    mtls_url: str | None = None

    async def variables_for(self, model: RequestModel) -> Mapping[str, str]:
        return {}

    def reach_values(self) -> dict[str, str]:
        return {}


class NoKeyring(MemorySecrets):
    def set(self, ref: str, value: str) -> None:
        raise SecretsUnavailable(UNAVAILABLE_MESSAGE)


class Recorder:
    """Every emission of the signals given, as (name, args)."""

    def __init__(self, source: Any, *names: str) -> None:
        self.seen: list[tuple[str, tuple[Any, ...]]] = []
        for name in names:
            getattr(source, name).connect(lambda *args, n=name: self.seen.append((n, args)))

    def of(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.seen if n == name]


@pytest.fixture
def runner(qt_loop: Any) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.cancel_all()


@pytest.fixture
def secrets() -> MemorySecrets:
    return MemorySecrets()


@pytest.fixture
def controller(runner: TaskRunner, tmp_path: Path, secrets: MemorySecrets
               ) -> WorkspaceController:
    return WorkspaceController(runner, Workspace(tmp_path / "ws", secrets))


@pytest.fixture
def host() -> FakeHost:
    return FakeHost()


class Answers:
    """Stands in for the save dialog: answers from a queue and records the questions."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, str] | None] = []
        self.asked: list[tuple[str, list[str], str]] = []

    def __call__(self, name: str, collections: list[str], default: str
                 ) -> tuple[str, str] | None:
        self.asked.append((name, collections, default))
        assert self.queue, f"unexpected question for {name}"
        return self.queue.pop(0)


@pytest.fixture
def answers() -> Answers:
    return Answers()


class DiskAnswers:
    """Stands in for the "changed on disk" question: answers from a queue, records the
    questions as (title, deleted)."""

    def __init__(self) -> None:
        self.queue: list[DiskAnswer | None] = []
        self.asked: list[tuple[str, bool]] = []

    def __call__(self, title: str, deleted: bool) -> DiskAnswer | None:
        self.asked.append((title, deleted))
        assert self.queue, f"unexpected question for {title}"
        return self.queue.pop(0)


@pytest.fixture
def disk_answers() -> DiskAnswers:
    return DiskAnswers()


@pytest.fixture
def documents(controller: WorkspaceController, host: FakeHost, answers: Answers,
              disk_answers: DiskAnswers, tmp_path: Path) -> Iterator[DocumentsController]:
    history = History(tmp_path / "history.sqlite3")
    host.controller = DocumentsController(controller, host, FakePlayground(), answers, history,
                                          ask_changed_on_disk=disk_answers)
    yield host.controller
    history.close()


def idle(qtbot: QtBot, runner: TaskRunner) -> None:
    qtbot.waitUntil(lambda: not runner._tasks, timeout=5000)


# --- WorkspaceController ---------------------------------------------------------------------


def test_environment_operations_are_serialized_calls(
        qtbot: QtBot, controller: WorkspaceController, runner: TaskRunner,
        run_async: Callable[..., Any]) -> None:
    ws = controller.workspace
    ws.save_environment("Dev", {"base": "http://dev", "key": {"value": ENV_SECRET,
                                                                "secret": True}})
    controller.open()
    qtbot.waitUntil(lambda: controller.environments == ["Dev"])
    controller.set_environment("Dev")
    qtbot.waitUntil(lambda: "base" in controller.lookup(None))
    assert controller.lookup(None)["key"] == Variable("key", ENV_SECRET, True, "environment Dev")

    seen = Recorder(controller, "environment_renamed", "environments_changed")
    run_async(controller.rename_environment("Dev", "Development"))
    assert seen.of("environment_renamed") == [("Dev", "Development")]
    assert controller.environment == "Development"
    qtbot.waitUntil(lambda: controller.environments == ["Development"])
    assert ("environments_changed", (["Development"], "Development")) in seen.seen
    qtbot.waitUntil(lambda: controller.lookup(None).get("base", Variable("")).source
                    == "environment Development")

    run_async(controller.duplicate_environment("Development", "Copy"))
    qtbot.waitUntil(lambda: controller.environments == ["Copy", "Development"])
    assert run_async(controller.read_environment("Copy"))[1].value == ENV_SECRET
    with pytest.raises(WorkspaceError, match="already exists"):
        run_async(controller.rename_environment("Copy", "development"))
    with pytest.raises(WorkspaceError, match="already exists"):
        run_async(controller.create_environment("COPY"))
    assert ws.list_environments() == ["Copy", "Development"]
    run_async(controller.delete_environment("Copy"))
    qtbot.waitUntil(lambda: controller.environments == ["Development"])
    idle(qtbot, runner)


def test_a_resolution_carries_the_secret_values_in_scope(
        qtbot: QtBot, controller: WorkspaceController, run_async: Callable[..., Any]) -> None:
    ws = controller.workspace
    ws.save_collection_variables("Shop", [Variable("region", "eu"),
                                          Variable("shop_key", "shop-Secret", True)])
    ws.save_environment("Dev", [Variable("base", "http://dev/{{region}}"),
                                Variable("key", ENV_SECRET, True)])
    controller.open()
    qtbot.waitUntil(lambda: controller.environments == ["Dev"])
    controller.set_environment("Dev")
    qtbot.waitUntil(lambda: "key" in controller.lookup(None))
    resolution = run_async(controller.resolution("Shop"))
    assert isinstance(resolution, Resolution)
    assert dict(resolution.values) == {"region": "eu", "shop_key": "shop-Secret",
                                       "base": "http://dev/eu", "key": ENV_SECRET}
    assert sorted(resolution.secrets) == sorted([ENV_SECRET, "shop-Secret"])
    assert controller.lookup("Shop")["region"].source == "collection Shop"


def test_the_preferred_environment_is_chosen_when_it_is_there(
        qtbot: QtBot, controller: WorkspaceController, tmp_path: Path,
        secrets: MemorySecrets, runner: TaskRunner) -> None:
    controller.workspace.save_environment("Dev", [Variable("base", "http://dev")])
    controller.preferred_environment = "Prod"  # chosen last time, not (yet) there
    seen = Recorder(controller, "environments_changed")
    controller.open()
    qtbot.waitUntil(lambda: bool(seen.of("environments_changed")))
    assert seen.of("environments_changed")[-1] == (["Dev"], None)
    controller.workspace.save_environment("Prod", [Variable("base", "http://prod")])
    controller.environment_edited()
    qtbot.waitUntil(lambda: controller.environment == "Prod")
    assert seen.of("environments_changed")[-1] == (["Dev", "Prod"], "Prod")
    qtbot.waitUntil(lambda: controller.lookup(None).get("base") is not None)
    assert controller.lookup(None)["base"].value == "http://prod"

    controller.set_environment(None)  # picked "No environment": preferred from now on
    controller.environment_edited()
    qtbot.waitUntil(lambda: seen.of("environments_changed")[-1] == (["Dev", "Prod"], None))
    controller.set_environment("Dev")
    controller.switch_to(Workspace(tmp_path / "other", secrets))  # another folder: none
    assert controller.preferred_environment is None and controller.environment is None
    idle(qtbot, runner)


# --- DocumentsController: save ---------------------------------------------------------------


def test_save_asks_where_then_saves_in_place(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost, answers: Answers,
        runner: TaskRunner) -> None:
    controller = documents.workspace
    document = host.open_document(RequestModel(
        url="http://x/", auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)), None)
    seen = Recorder(documents, "saved", "message", "warning")
    answers.queue.append(("List users", "Team"))
    documents.save(document)
    qtbot.waitUntil(lambda: document.origin is not None)
    path = controller.root / "Team" / "list-users.yaml"
    assert document.origin == path and document.collection == "Team"
    assert answers.asked == [("New request", [], "My collection")]
    assert document.title() == "List users" and not document.modified
    assert seen.of("saved") == [(path,)]
    assert TOKEN not in path.read_text()

    document.edit(url="http://x/?page=2")
    assert document.modified
    documents.save(document)  # in place: no question
    qtbot.waitUntil(lambda: not document.modified)
    assert "page=2" in path.read_text()

    answers.queue.append(("Other", "Team"))
    documents.save(document, ask=True)  # save as: a new file, the document follows it
    qtbot.waitUntil(lambda: document.origin == controller.root / "Team" / "other.yaml")
    assert answers.asked[-1][1:] == (["Team"], "Team")
    assert path.exists() and controller.workspace.load_request(
        document.origin).auth.token == TOKEN
    idle(qtbot, runner)
    assert seen.of("warning") == []


def test_a_cancelled_or_failed_save_writes_nothing(
        qtbot: QtBot, runner: TaskRunner, tmp_path: Path, host: FakeHost,
        answers: Answers) -> None:
    controller = WorkspaceController(runner, Workspace(tmp_path / "ws", NoKeyring()))
    documents = DocumentsController(controller, host, FakePlayground(), answers)
    host.controller = documents
    document = host.open_document(RequestModel(
        name="Secret one", auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)), None)
    seen = Recorder(documents, "warning", "saved")
    answers.queue.append(None)
    documents.save(document)  # cancelled: nothing at all
    assert document.origin is None and not (tmp_path / "ws").exists()

    answers.queue.append(("Secret one", "Vault"))
    then: list[bool] = []
    documents.save(document, then=lambda: then.append(True))
    qtbot.waitUntil(lambda: bool(seen.of("warning")))
    title, text = seen.of("warning")[0]
    assert title == "Save request" and "not saved" in text and "keyring" in text
    assert document.origin is None and document.to_model().auth.token == TOKEN
    assert not list(tmp_path.rglob("*.yaml")) and then == [] and seen.of("saved") == []
    idle(qtbot, runner)


def test_a_restored_document_gets_its_secrets_back_before_it_saves(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost,
        runner: TaskRunner) -> None:
    ws = documents.workspace.workspace
    path = ws.new_request("Shop", RequestModel(
        name="Orders", auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    # As the window state file keeps it: no secret.
    document = host.open_document(RequestModel(
        name="Orders", auth=AuthModel(kind=AuthKind.BEARER)), path)
    seen = Recorder(documents, "warning")
    document.secrets_pending = True
    documents.save(document)  # refused: it would drop the token
    assert seen.of("warning") and "have not been read back" in seen.of("warning")[0][1]
    documents.restore(document)
    qtbot.waitUntil(lambda: not document.secrets_pending)
    assert document.to_model().auth.token == TOKEN and not document.modified
    idle(qtbot, runner)


# --- DocumentsController: open -----------------------------------------------------------


def test_open_from_the_workspace_takes_the_place_of_a_blank_document(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost,
        runner: TaskRunner) -> None:
    ws = documents.workspace.workspace
    elsewhere = Workspace(ws.root, MemorySecrets())  # saved with another machine's keyring
    path = elsewhere.new_request("Shared", RequestModel(
        name="Deploy", auth=AuthModel(kind=AuthKind.BEARER, token=TOKEN)))
    blank = host.open_document(None, None)
    seen = Recorder(documents, "message")
    documents.open(path)
    qtbot.waitUntil(lambda: documents.document_of(path) is not None)
    opened = documents.document_of(path)
    assert opened is not None and host.documents == [opened] and blank not in host.documents
    assert opened.collection == "Shared" and opened.title() == "Deploy"
    assert any("token" in text and "keyring" in text for text, _ in seen.of("message"))

    other = host.open_document(None, None)
    documents.open(path)  # already open: shown, not opened twice
    assert host.current is opened and len(host.documents) == 2 and other in host.documents
    idle(qtbot, runner)


def test_open_a_history_entry(documents: DocumentsController, host: FakeHost) -> None:
    sent = RequestModel(name="Login", method="POST", url="http://x/login")
    documents.open_history_entry(HistoryEntry("POST", sent.url,
                                              request={"model": sent.to_dict()}))
    assert host.current is not None and host.current.to_model() == sent
    seen = Recorder(documents, "message")
    documents.open_history_entry(HistoryEntry("GET", "http://x/",
                                              request={"model": {"body": "x"}}))
    assert len(host.documents) == 1
    assert seen.of("message")[0][0].startswith("Cannot open this history entry")


def test_documents_follow_a_request_and_a_folder_that_moved(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost,
        runner: TaskRunner) -> None:
    ws = documents.workspace.workspace
    path = ws.new_request("Shop/Orders", RequestModel(name="List"))
    documents.open(path)
    qtbot.waitUntil(lambda: documents.document_of(path) is not None)
    document = documents.document_of(path)
    assert document is not None
    ws.rename_collection("Shop", "Store")
    documents.folder_moved("Shop", "Store")
    moved = ws.root / "Store" / "Orders" / path.name
    assert document.origin == moved and document.collection == "Store/Orders"
    renamed = ws.rename(moved, "All orders")
    documents.request_moved(moved, renamed)
    qtbot.waitUntil(lambda: document.title() == "All orders")
    assert document.origin == renamed and not document.modified
    documents.request_moved(renamed, None)
    assert document.origin is None
    idle(qtbot, runner)


# --- DocumentsController: variables, history, the workspace switch ---------------------------


def test_variables_for_a_send_and_its_history_entry(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost,
        run_async: Callable[..., Any], runner: TaskRunner) -> None:
    controller = documents.workspace
    controller.workspace.save_environment("Dev", [Variable("key", ENV_SECRET, True)])
    controller.open()
    qtbot.waitUntil(lambda: controller.environments == ["Dev"])
    controller.set_environment("Dev")
    qtbot.waitUntil(lambda: "key" in controller.lookup(None))
    document = host.open_document(RequestModel(url="http://x/?k={{key}}"), None)
    resolution = run_async(documents.resolution(document, document.to_model()))
    assert resolution.values["key"] == ENV_SECRET and ENV_SECRET in resolution.secrets
    assert documents.lookup_for(document)()["playground"].source == "Spyglass"

    # The tab's controller builds the entry from the send's resolution; the controller keeps it.
    seen = Recorder(documents, "history_added")
    model = document.to_model()
    sent = RequestModel(url=f"http://x/?k={ENV_SECRET}")
    entry = entry_for(sent, Outcome(time.time(), 0.1, 200, url=sent.url), resolution.secrets)
    documents.record_history(entry)
    qtbot.waitUntil(lambda: bool(seen.of("history_added")))
    stored = seen.of("history_added")[0][0]
    assert stored.url == f"http://x/?k={REDACTED}" and ENV_SECRET not in str(stored.request)
    assert model.url == "http://x/?k={{key}}"  # the tab's own request keeps its variable
    idle(qtbot, runner)


def test_switching_workspace_with_and_without_unsaved_documents(
        qtbot: QtBot, documents: DocumentsController, host: FakeHost, tmp_path: Path,
        secrets: MemorySecrets, runner: TaskRunner) -> None:
    ws = documents.workspace.workspace
    path = ws.new_request("Shop", RequestModel(name="List"))
    documents.open(path)
    qtbot.waitUntil(lambda: documents.document_of(path) is not None)
    document = documents.document_of(path)
    assert document is not None
    assert documents.unsaved_titles() == []
    document.edit(url="http://x/changed")
    assert documents.unsaved_titles() == ["List"]  # what the window asks about first

    other = Workspace(tmp_path / "repo", secrets)
    other.new_request("Billing", RequestModel(name="Invoices"))
    seen = Recorder(documents, "workspace_switched")
    documents.switch_workspace(tmp_path / "repo")
    assert seen.of("workspace_switched") == [(tmp_path / "repo",)]
    assert documents.workspace.root == tmp_path / "repo"
    assert document.origin is None and document.to_model().url == "http://x/changed"
    qtbot.waitUntil(lambda: [f.collection for f in documents.workspace.tree] == ["Billing"])
    assert documents.unsaved_titles() == []  # no longer tied to a file
    idle(qtbot, runner)


# --- concurrent edits: a file changed on disk ------------------------------------------------


def _opened(qtbot: QtBot, documents: DocumentsController, path: Path) -> FakeDocument:
    documents.open(path)
    qtbot.waitUntil(lambda: documents.document_of(path) is not None)
    document = documents.document_of(path)
    assert isinstance(document, FakeDocument) and document.disk is not None
    return document


def _outside(path: Path, url: str) -> bytes:
    """Another window's save: the same request with another URL (atomic, as Spyglass and
    git write)."""
    from app.storage.atomic import write_atomic

    text = path.read_text().replace("http://a", url)
    write_atomic(path, text.encode())
    return path.read_bytes()


@pytest.mark.parametrize("answer", [DiskAnswer.OVERWRITE, DiskAnswer.RELOAD,
                                    DiskAnswer.SAVE_AS, None])
def test_a_save_over_a_file_changed_outside_asks_first(
        qtbot: QtBot, documents: DocumentsController, disk_answers: DiskAnswers,
        answers: Answers, runner: TaskRunner, answer: DiskAnswer | None) -> None:
    """Fault case: two windows edit the same request; the other saved first. Ctrl+S here
    does not write: the user is asked Overwrite / Reload / Save as.

    - Overwrite: the tab's request is written over the other one (on purpose);
    - Reload: the tab shows the file's request; the file is untouched;
    - Save as: the tab's request goes to a new file; the other one's file is untouched;
    - Cancel: nothing is written; the status bar says so; the edits stay in the tab.
    Nothing is lost without the user's say-so."""
    ws = documents.workspace.workspace
    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    document = _opened(qtbot, documents, path)
    document.edit(url="http://mine")
    theirs = _outside(path, "http://theirs")
    seen = Recorder(documents, "message", "saved")
    then: list[str] = []
    disk_answers.queue.append(answer)
    if answer is DiskAnswer.SAVE_AS:
        answers.queue.append(("List (mine)", "Shop"))
    documents.save(document, then=lambda: then.append("then"))
    qtbot.waitUntil(lambda: bool(disk_answers.asked))
    assert disk_answers.asked == [("List", False)]
    if answer is DiskAnswer.OVERWRITE:
        qtbot.waitUntil(lambda: bool(then))
        assert ws.load_request(path).url == "http://mine" and not document.modified
    elif answer is DiskAnswer.RELOAD:
        qtbot.waitUntil(lambda: document.model.url == "http://theirs")
        assert not document.modified and path.read_bytes() == theirs and then == []
    elif answer is DiskAnswer.SAVE_AS:
        qtbot.waitUntil(lambda: bool(then))
        assert document.origin != path and document.origin is not None
        assert ws.load_request(document.origin).url == "http://mine"
        assert path.read_bytes() == theirs
    else:
        qtbot.waitUntil(lambda: bool(seen.of("message")))
        assert "Not saved" in seen.of("message")[-1][0]
        assert path.read_bytes() == theirs and document.modified and then == []
        idle(qtbot, runner)
        disk_answers.queue.append(None)  # cancelled: the next save asks again
        documents.save(document)
        qtbot.waitUntil(lambda: len(disk_answers.asked) == 2)
        idle(qtbot, runner)
        return
    idle(qtbot, runner)
    # Once settled, the next save goes through without a question.
    document.edit(method="PUT")
    documents.save(document)
    qtbot.waitUntil(lambda: not document.modified)
    assert document.origin is not None and ws.load_request(document.origin).method == "PUT"
    assert len(disk_answers.asked) == 1
    idle(qtbot, runner)


def test_a_save_over_a_deleted_file_offers_to_create_it_again(
        qtbot: QtBot, documents: DocumentsController, disk_answers: DiskAnswers,
        runner: TaskRunner) -> None:
    """Fault case: a ``git pull`` deleted the request's file while its tab was open. Ctrl+S
    asks (Overwrite creates it again, Save as; no Reload); nothing is lost: Overwrite writes
    the tab's request back."""
    ws = documents.workspace.workspace
    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    document = _opened(qtbot, documents, path)
    document.edit(url="http://mine")
    path.unlink()
    disk_answers.queue.append(DiskAnswer.OVERWRITE)
    documents.save(document)
    qtbot.waitUntil(lambda: path.exists())
    assert disk_answers.asked == [("List", True)]
    assert ws.load_request(path).url == "http://mine"
    qtbot.waitUntil(lambda: not document.modified)
    idle(qtbot, runner)


def test_own_saves_and_renames_never_ask(
        qtbot: QtBot, documents: DocumentsController, disk_answers: DiskAnswers,
        runner: TaskRunner) -> None:
    """No false alarm: saving twice in a row, or after renaming the request in the tree
    while the tab has edits, asks nothing (the question would train users to click
    Overwrite)."""
    ws = documents.workspace.workspace
    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    document = _opened(qtbot, documents, path)
    for url in ("http://1", "http://2"):
        document.edit(url=url)
        documents.save(document)
        qtbot.waitUntil(lambda: not document.modified)
    document.edit(url="http://3")
    renamed = ws.rename(path, "All")
    documents.request_moved(path, renamed)
    idle(qtbot, runner)
    documents.save(document)
    qtbot.waitUntil(lambda: not document.modified)
    assert ws.load_request(renamed).url == "http://3" and disk_answers.asked == []
    idle(qtbot, runner)


def test_open_documents_follow_changes_made_outside(
        qtbot: QtBot, documents: DocumentsController, disk_answers: DiskAnswers,
        runner: TaskRunner) -> None:
    """Fault case: another editor changes the files of open tabs. A tab without edits
    reloads quietly (the status bar says so); a tab with edits keeps them and shows a banner
    (Reload / Keep mine); a deleted file's tab keeps its request and shows a banner. After
    Keep mine, a save writes the tab's request without asking; nothing is lost."""
    controller = documents.workspace
    ws = controller.workspace
    clean_path = ws.save_request("Shop", RequestModel(name="Clean", url="http://a"))
    edited_path = ws.save_request("Shop", RequestModel(name="Edited", url="http://a"))
    gone_path = ws.save_request("Shop", RequestModel(name="Gone", url="http://a"))
    controller.follow_outside_changes()
    controller.open()
    clean = _opened(qtbot, documents, clean_path)
    edited = _opened(qtbot, documents, edited_path)
    gone = _opened(qtbot, documents, gone_path)
    edited.edit(url="http://mine")
    idle(qtbot, runner)
    seen = Recorder(documents, "message")

    _outside(clean_path, "http://theirs")
    theirs = _outside(edited_path, "http://theirs")
    gone_bytes = gone_path.read_bytes()
    gone_path.unlink()
    qtbot.waitUntil(lambda: clean.model.url == "http://theirs", timeout=5000)
    assert not clean.modified and clean.banner is None
    assert any("changed on disk" in m[0] for m in seen.of("message"))
    qtbot.waitUntil(lambda: edited.banner is False and gone.banner is True)
    assert edited.model.url == "http://mine" and edited.modified
    assert edited_path.read_bytes() == theirs

    documents.keep_mine(edited)
    assert edited.banner is None
    documents.save(edited)
    qtbot.waitUntil(lambda: not edited.modified)
    assert ws.load_request(edited_path).url == "http://mine" and disk_answers.asked == []

    # The deleted file comes back as it was (a checkout of the other branch): no banner.
    gone_path.write_bytes(gone_bytes)
    qtbot.waitUntil(lambda: gone.banner is None, timeout=5000)
    idle(qtbot, runner)

    # Deleted again; Keep mine: a save creates it again without asking...
    gone_path.unlink()
    qtbot.waitUntil(lambda: gone.banner is True, timeout=5000)
    documents.keep_mine(gone)
    gone.edit(url="http://kept")
    documents.save(gone)
    qtbot.waitUntil(lambda: gone_path.exists() and not gone.modified)
    assert ws.load_request(gone_path).url == "http://kept" and disk_answers.asked == []
    idle(qtbot, runner)
    # ...but after Keep mine on a deletion, a file pulled back meanwhile is asked about.
    gone_path.unlink()
    qtbot.waitUntil(lambda: gone.banner is True, timeout=5000)
    documents.keep_mine(gone)
    pulled = ws.save_request("Shop", RequestModel(name="Gone", url="http://pulled"),
                             gone_path.stem)
    gone.edit(url="http://kept-2")
    disk_answers.queue.append(None)
    documents.save(gone)
    qtbot.waitUntil(lambda: len(disk_answers.asked) == 1)
    assert disk_answers.asked == [("Gone", False)]
    assert ws.load_request(pulled).url == "http://pulled"
    idle(qtbot, runner)


def test_the_watcher_reports_a_burst_once_and_the_tree_follows(
        qtbot: QtBot, controller: WorkspaceController, runner: TaskRunner) -> None:
    """Fault case: a ``git pull`` adds, edits and removes many files at once. The watcher
    gives one refresh for the burst (read off the UI thread), and the tree shows what is on
    disk without a restart: the new folder and request appear, the deleted one goes."""
    ws = controller.workspace
    old = ws.save_request("Shop", RequestModel(name="Old"))
    watcher = controller.follow_outside_changes()
    controller.open()
    qtbot.waitUntil(lambda: bool(controller.tree))
    idle(qtbot, runner)
    assert str(ws.root / "Shop") in watcher.watched()
    bursts = Recorder(watcher, "changed")
    refreshed = Recorder(controller, "changed_outside")

    for i in range(30):
        (ws.root / "Shop" / f"pulled-{i}.yaml").write_text(f"name: Pulled {i}\n")
    old.unlink()
    qtbot.waitUntil(lambda: bool(refreshed.of("changed_outside")), timeout=5000)
    assert len(bursts.of("changed")) == 1
    names = {r.name for r in controller.tree[0].requests}
    assert "Old" not in names and len(names) == 30

    (ws.root / "Shop" / "Orders").mkdir()
    qtbot.waitUntil(lambda: str(ws.root / "Shop" / "Orders") in watcher.watched(),
                    timeout=5000)
    (ws.root / "Shop" / "Orders" / "new.yaml").write_text("name: New\n")
    qtbot.waitUntil(lambda: [r.name for f in controller.tree[0].folders for r in f.requests]
                    == ["New"], timeout=5000)
    idle(qtbot, runner)
    watcher.stop()


def test_variables_follow_outside_changes_and_request_saves_do_not_reread_them(
        qtbot: QtBot, controller: WorkspaceController, runner: TaskRunner) -> None:
    """Fault case: a pull changes an environment file. The values in scope follow without a
    restart. A change to request files only (our own saves among them) does not read the
    variables again, so a secret missing from the keyring is not reported after every save."""
    ws = controller.workspace
    ws.save_environment("Dev", [Variable("base", "http://old")])
    ws.save_collection_variables("Shop", [Variable("gone", "", True)])
    (ws.root / "Shop" / "collection.yaml").write_text(
        "order: []\nvariables:\n  gone:\n    value: {secret: not-in-this-keyring}\n"
        "    secret: true\n")
    saved = ws.save_request("Shop", RequestModel(name="Saved"))
    controller.follow_outside_changes()
    controller.open()
    qtbot.waitUntil(lambda: controller.environments == ["Dev"])
    controller.set_environment("Dev")
    controller.watch_collection("Shop")
    qtbot.waitUntil(lambda: controller.lookup("Shop").get("base", Variable("")).value
                    == "http://old")
    idle(qtbot, runner)
    seen = Recorder(controller, "failed", "changed_outside")

    ws.save_request("Shop", RequestModel(name="Saved", url="http://edited"), saved.stem)
    qtbot.waitUntil(lambda: len(seen.of("changed_outside")) == 1, timeout=5000)
    idle(qtbot, runner)
    assert seen.of("failed") == []

    ws.save_environment("Dev", [Variable("base", "http://new")])
    qtbot.waitUntil(lambda: controller.lookup("Shop")["base"].value == "http://new",
                    timeout=5000)
    idle(qtbot, runner)


def test_an_own_save_rebuilds_the_tree_once(
        qtbot: QtBot, documents: DocumentsController, runner: TaskRunner) -> None:
    """The watcher also sees the window's own saves: the refresh after one finds the tree as
    the save left it and does not rebuild it again (a 10,000-request tree costs a frame)."""
    controller = documents.workspace
    ws = controller.workspace
    path = ws.save_request("Shop", RequestModel(name="List", url="http://a"))
    controller.follow_outside_changes()
    controller.open()
    document = _opened(qtbot, documents, path)
    idle(qtbot, runner)
    seen = Recorder(controller, "tree_changed", "changed_outside")
    document.edit(url="http://b")
    documents.save(document)
    qtbot.waitUntil(lambda: bool(seen.of("changed_outside")), timeout=5000)
    idle(qtbot, runner)
    assert len(seen.of("tree_changed")) == 1
    assert controller.tree[0].requests[0].url == "http://b"
