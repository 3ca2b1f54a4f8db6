"""The pages a tab builds on first show (ui.lazy_page): a model loaded into pages never built
comes back unchanged, the tab titles read it, a page built later shows the last model loaded,
and a new tab stays small (bench/idle.py)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.model.checks import AssertModel, AssertOp, CaptureModel
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
)
from ui.lazy_page import LazyPage, build_on_show
from ui.request.request_editor import AUTH, BODY, HEADERS, OPTIONS, TESTS, RequestEditor
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner

PAGES = ("headers", "body", "auth", "options", "tests")


def _full_model() -> RequestModel:
    """A request that sets something on every page, one assert a file cannot hold included."""
    return RequestModel(
        name="Everything", method="POST", url="https://api.example.com/items?page=2",
        params=[KeyValue("page", "2")],
        headers=[KeyValue("X-Trace", "{{trace}}"), KeyValue("X-Off", "1", enabled=False)],
        body=BodyModel(kind=BodyKind.MULTIPART, text='{"kept": true}',
                       form=[KeyValue("a", "1")],
                       multipart=[MultipartField("file", "/tmp/x.bin", is_file=True,
                                                 content_type="application/octet-stream")],
                       file_path="/tmp/body.bin"),
        auth=AuthModel(kind=AuthKind.OAUTH2, grant="password", token_url="https://id/token",
                       client_id="spyglass", username="alice", password="{{password}}",
                       scope="read write"),
        options=RequestOptions(timeout=12, follow_redirects=False, verify_tls=False,
                               proxy_mode="url", proxy_url="http://proxy:3128"),
        asserts=[AssertModel("status", AssertOp.EQ, 200),
                 AssertModel("no such target", AssertOp.EQ, 1)],
        captures=[CaptureModel("token", "body.$.token", secret=True)],
    )


@pytest.fixture
def editor(qtbot: QtBot) -> RequestEditor:
    widget = RequestEditor()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_model_round_trips_through_pages_never_built(editor: RequestEditor) -> None:
    model = _full_model()
    editor.load_model(model)
    assert not any(editor.is_built(name) for name in PAGES)
    assert editor.to_model().to_dict() == model.to_dict()
    assert not any(editor.is_built(name) for name in PAGES)  # asking for the model built none
    titles = [editor.tabs.tabText(i) for i in range(editor.tabs.count())]
    assert titles == ["Params (1)", "Headers (1)", "Body ●", "Auth ●", "Options ●",
                      "Tests (3) ⚠"]


def test_each_page_built_later_shows_the_last_model_loaded(qtbot: QtBot,
                                                           editor: RequestEditor) -> None:
    editor.load_model(RequestModel(headers=[KeyValue("Old", "1")]))
    model = _full_model()
    editor.load_model(model)
    for index, name in ((HEADERS, "headers"), (BODY, "body"), (AUTH, "auth"),
                        (OPTIONS, "options"), (TESTS, "tests")):
        editor.tabs.setCurrentIndex(index)
        assert editor.is_built(name)
        page = getattr(editor, name)
        assert page.isVisible()  # shown at once, not an event later
        assert editor.to_model().to_dict() == model.to_dict(), name
    assert editor.headers.rows() == model.headers
    assert editor.body.kind() is BodyKind.MULTIPART
    assert editor.auth.kind() is AuthKind.OAUTH2
    assert editor.options.to_model() == model.options
    assert editor.tests.asserts.rows() == model.asserts


def test_an_edit_on_a_page_built_late_is_an_edit(qtbot: QtBot, editor: RequestEditor) -> None:
    editor.load_model(_full_model())
    editor.tabs.setCurrentIndex(OPTIONS)
    with qtbot.waitSignal(editor.changed):
        editor.options.follow_redirects.click()
    assert editor.to_model().options.follow_redirects is True
    # A page built by asking (not shown) gives back what it holds from then on.
    editor.auth.kind_box.setCurrentIndex(editor.auth.kind_box.findData(AuthKind.BEARER))
    assert editor.to_model().auth.kind is AuthKind.BEARER
    assert editor.tabs.tabText(AUTH) == "Auth ●"


def test_secrets_read_back_reach_a_page_built_or_not(editor: RequestEditor) -> None:
    editor.load_model(RequestModel(auth=AuthModel(kind=AuthKind.BEARER)))
    editor.load_auth(AuthModel(kind=AuthKind.BEARER, token="s3cret"))
    assert not editor.is_built("auth")
    assert editor.to_model().auth.token == "s3cret"
    editor.tabs.setCurrentIndex(AUTH)
    assert editor.auth.token.text() == "s3cret"
    editor.load_auth(AuthModel(kind=AuthKind.BEARER, token="other"))
    assert editor.auth.token.text() == "other"


def test_a_paste_shows_the_body_page_and_builds_it(qtbot: QtBot, editor: RequestEditor) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(
        "curl -X POST https://api.example.com/items -H 'Content-Type: application/json' "
        "-d '{\"a\": 1}'")
    editor.url_bar.setFocus()
    with qtbot.waitSignal(editor.changed):
        qtbot.keyClick(editor.url_bar, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.tabs.currentIndex() == BODY and editor.is_built("body")
    assert editor.body.raw.text() == '{"a": 1}'
    assert not editor.is_built("auth")


def test_a_tab_builds_its_pages_when_shown_and_connects_them(qtbot: QtBot) -> None:
    runner = TaskRunner()
    model = _full_model()
    model.body = BodyModel()  # a request with a body shows it first: this one shows Params
    tab = RequestTab(runner, lambda: None, 1, None, model)  # type: ignore[arg-type,return-value]
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    qtbot.waitExposed(tab)
    tab.set_variables(None, lambda: {"trace": "abc"})  # type: ignore[arg-type]
    assert not any(tab.editor.is_built(name) for name in PAGES)
    assert tab.to_model().to_dict() == model.to_dict()
    tab.editor.tabs.setCurrentIndex(BODY)
    # The variables' hover reaches a page built after they were set.
    assert tab.editor.body.form.model.variable_lookup is tab._lookup
    tab.editor.tabs.setCurrentIndex(HEADERS)
    assert tab.editor.headers.model.variable_lookup is tab._lookup
    # The OAuth 2.0 page, built late, hears what the token work says.
    tab.editor.tabs.setCurrentIndex(AUTH)
    tab.tokens.failed.emit("The token endpoint said no")
    status = tab.editor.auth.oauth2.findChild(QLabel, "tokenStatus")
    assert status is not None and status.text() == "The token endpoint said no"
    tab.dispose()


def test_a_new_tab_builds_only_what_it_shows(qtbot: QtBot) -> None:
    tab = RequestTab(TaskRunner(), lambda: None, 1, None)  # type: ignore[arg-type,return-value]
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    qtbot.waitExposed(tab)
    # 471 widgets when every page was built at once; what is left is the URL row, the Params
    # table and the response pane's empty state.
    assert len(tab.findChildren(QWidget)) < 130
    pane = tab.response
    assert pane.body_store is None and not pane._body.is_built
    tab.dispose()


def test_lazy_page_builds_once_on_show_or_on_asking(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QTabWidget

    built: list[str] = []

    def make(name: str) -> QLabel:
        built.append(name)
        return QLabel(name)

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    first, second, third = (LazyPage(lambda n=n: make(n)) for n in ("a", "b", "c"))
    for page, title in ((first, "A"), (second, "B"), (third, "C")):
        tabs.addTab(page, title)
    build_on_show(tabs, now=False)
    tabs.show()
    assert built == [] and first.built_page() is None
    tabs.setCurrentIndex(1)
    assert built == ["b"] and second.is_built
    assert third.page().text() == "c" and built == ["b", "c"]
    tabs.setCurrentIndex(2)
    tabs.setCurrentIndex(1)
    assert built == ["b", "c"]  # each built once
    assert tabs.tabText(0) == "A" and not first.is_built
    tabs.setCurrentIndex(0)
    assert built == ["b", "c", "a"]
    assert first.focusProxy() is first.page()
