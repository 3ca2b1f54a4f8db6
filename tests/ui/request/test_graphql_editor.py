"""The GraphQL body in a request tab, against the playground's /graphql (graphql-core's
executor): completion as you type, problems underlined with their message on hover, the schema
explorer inserting fields, the operation picker, Prettify, the variables checked, and a server
refusing introspection (an SDL file standing in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from app.model.compose import SessionPool
from app.model.request import BodyKind, BodyModel, RequestModel
from app.playground.graphql_schema import SDL
from ui.request.graphql.graphql_page import GraphQLBodyPage, prettified
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner


@pytest.fixture
def pool(run_async: Callable[..., Any]) -> Iterator[SessionPool]:
    sessions = SessionPool()
    yield sessions
    run_async(sessions.close())


def make_tab(qtbot: QtBot, pool: SessionPool, url: str, query: str = "",
             variables: str = "") -> RequestTab:
    model = RequestModel(method="POST", url=url, body=BodyModel(
        kind=BodyKind.GRAPHQL, text=query, graphql_variables=variables))
    tab = RequestTab(TaskRunner(), lambda: pool, 1, None, model)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def page_with_schema(qtbot: QtBot, tab: RequestTab) -> GraphQLBodyPage:
    page = tab.editor.body.graphql
    qtbot.waitUntil(lambda: page.schema() is not None, timeout=15000)
    return page


def analysed(qtbot: QtBot, page: GraphQLBodyPage) -> None:
    page.analyse()
    qtbot.waitUntil(lambda: not page.pending(), timeout=10000)


def type_at_end(qtbot: QtBot, page: GraphQLBodyPage, text: str, before: str = "") -> None:
    editor = page.editor
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    if before:
        cursor.setPosition(editor.toPlainText().rindex(before))
    editor.setTextCursor(cursor)
    editor.setFocus()
    for i, part in enumerate(text.split("\n")):
        if i:
            editor.close_suggestions()
            qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.keyClicks(editor, part)


def test_typing_gives_suggestions_and_enter_inserts_one(qtbot: QtBot, pool: SessionPool,
                                                        playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", "{\n  \n}")
    page = page_with_schema(qtbot, tab)
    assert "Introspected" in page.explorer.status.text()
    editor = page.editor
    cursor = editor.textCursor()
    cursor.setPosition(4)  # on the blank line inside the braces
    editor.setTextCursor(cursor)
    editor.setFocus()
    qtbot.keyClicks(editor, "us")
    labels = [s.label for s in editor.suggestions()]
    assert "user" in labels and "users" in labels
    user = next(s for s in editor.suggestions() if s.label == "user")
    assert user.kind == "field" and user.detail == "User"
    popup = editor.completion_popup()
    assert popup.isVisible()
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert not editor.suggestions_open()
    assert editor.toPlainText() == "{\n  user\n}"
    # Ctrl+Space opens it where nothing was typed; Esc closes it.
    qtbot.keyClicks(editor, "(")
    qtbot.keyClick(editor, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert [s.label for s in editor.suggestions()] == ["id"]  # user(id: ID!)
    qtbot.keyClick(popup, Qt.Key.Key_Escape)
    assert not editor.suggestions_open()


def test_deprecated_fields_are_marked_in_the_popup(qtbot: QtBot, pool: SessionPool,
                                                   playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", '{ user(id: "1") {  } }')
    page = page_with_schema(qtbot, tab)
    editor = page.editor
    cursor = editor.textCursor()
    cursor.setPosition(len('{ user(id: "1") { '))
    editor.setTextCursor(cursor)
    editor.setFocus()
    qtbot.keyClicks(editor, "u")
    [username] = [s for s in editor.suggestions() if s.label == "username"]
    assert username.deprecated
    model = editor.completion_popup().model()  # type: ignore[attr-defined]
    shown = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert any("username" in text and "(deprecated)" in text for text in shown)


def test_an_error_is_underlined_with_its_message_on_hover(qtbot: QtBot, pool: SessionPool,
                                                          playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", '{ user(id: "1") { nme } }')
    page = page_with_schema(qtbot, tab)
    analysed(qtbot, page)
    [(start, end, message)] = page.editor.problem_spans()
    assert page.editor.toPlainText()[start:end] == "nme"
    assert "Cannot query field 'nme' on type 'User'" in message
    assert page.problems_list.count() == 1 and page.status.text() == "1 problem"
    # Hovering over it shows the message.
    cursor = page.editor.textCursor()
    cursor.setPosition(start + 1)
    at = page.editor.cursorRect(cursor).center()
    viewport = page.editor.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, at,
                                                viewport.mapToGlobal(at)))
    assert "Cannot query field" in QToolTip.text()
    # Fixed: the underline goes.
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText("name")
    analysed(qtbot, page)
    assert page.editor.problem_spans() == [] and page.status.text().startswith("✓")


def test_a_syntax_error_is_reported_and_variables_are_not_errors(
        qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", "{ user(id: {{id}}) { name }")
    page = page_with_schema(qtbot, tab)
    analysed(qtbot, page)
    [(_start, _end, message)] = page.editor.problem_spans()
    assert message.startswith("Syntax Error")  # the missing brace, not the {{id}}
    type_at_end(qtbot, page, " }")
    analysed(qtbot, page)
    assert page.editor.problem_spans() == []


def test_the_explorer_lists_types_and_a_double_click_inserts_a_field(
        qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", "{\n  \n}")
    page = page_with_schema(qtbot, tab)
    explorer = page.explorer
    names = [item.data(0, Qt.ItemDataRole.UserRole + 1).name for item in explorer.type_items()]
    assert names[0] == "Query" and {"User", "Post", "Role", "SearchResult"} <= set(names)
    explorer.search.setText("rol")
    assert [i.data(0, Qt.ItemDataRole.UserRole + 1).name for i in explorer.type_items()] == [
        "Role"]
    explorer.search.setText("")
    item = explorer.item_for("User", "username")
    assert item is not None and item.font(0).strikeOut()  # deprecated
    explorer.tree.setCurrentItem(item)
    assert "Deprecated" in explorer.docs.toPlainText()
    cursor = page.editor.textCursor()
    cursor.setPosition(4)
    page.editor.setTextCursor(cursor)
    users = explorer.item_for("Query", "users")
    assert users is not None
    explorer.tree.scrollToItem(users)
    rect = explorer.tree.visualItemRect(users)
    qtbot.mouseClick(explorer.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.editor.toPlainText() == "{\n  \n}"  # a click shows its docs
    assert "users" in explorer.docs.toPlainText()
    qtbot.mouseDClick(explorer.tree.viewport(), Qt.MouseButton.LeftButton,
                      pos=rect.center())
    assert page.editor.toPlainText() == "{\n  users {\n    \n  }\n}"
    assert page.editor.textCursor().position() == len("{\n  users {\n    ")


def test_the_operation_picker_appears_for_several_operations(
        qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", "query A { users { id } }")
    page = page_with_schema(qtbot, tab)
    analysed(qtbot, page)
    assert not page.operation_box.isVisible()
    type_at_end(qtbot, page, "\nmutation B { setRole(userId: \"1\", role: ADMIN) { id } }")
    analysed(qtbot, page)
    assert page.operation_box.isVisible()
    assert [page.operation_box.itemData(i) for i in range(page.operation_box.count())] == [
        "A", "B"]
    with qtbot.waitSignal(tab.editor.body.changed):
        page.set_operation("B")
    assert tab.to_model().body.graphql_operation == "B"


def test_prettify_and_its_failure(qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", "query Q{user(id:{{id}}){name}}")
    page = tab.editor.body.graphql
    page.prettify()
    assert page.text() == "query Q {\n  user(id: {{id}}) {\n    name\n  }\n}\n"
    assert prettified("{a}") == "{\n  a\n}\n"
    page.editor.setPlainText("{ user( }")
    page.prettify()
    assert page.text() == "{ user( }"  # left as typed
    assert page.status.text().startswith("Cannot prettify: Syntax Error")


def test_variables_are_checked_against_the_operation(qtbot: QtBot, pool: SessionPool,
                                                     playground: str) -> None:
    query = "query Q($id: ID!, $n: Int) { user(id: $id) { name } }"
    tab = make_tab(qtbot, pool, f"{playground}/graphql", query, '{"n": "x", "extra": 1}')
    page = page_with_schema(qtbot, tab)
    analysed(qtbot, page)
    shown = page.variables_status.text()
    assert 'Variable "$extra" is not defined by operation "Q".' in shown
    assert "Variable '$id' has invalid value: Expected a value of non-null type 'ID!'" in shown
    assert "Int cannot represent non-integer value: 'x'" in shown
    page.variables.setPlainText('{"id": 1,')
    analysed(qtbot, page)
    assert page.variables_status.text().startswith("Variables are not JSON")
    page.variables.setPlainText('{"id": "{{user_id}}"}')
    analysed(qtbot, page)
    assert page.variables_status.isHidden()
    assert tab.to_model().body.graphql_variables == '{"id": "{{user_id}}"}'


async def _refusing(request: web.Request) -> web.Response:
    body = await request.json()
    if "__schema" in body.get("query", ""):
        return web.json_response({"errors": [{"message": "introspection is disabled"}]})
    return web.json_response({"data": {"users": []}})


@pytest.fixture
def refusing_server(run_async: Callable[..., Any]) -> Iterator[str]:
    app = web.Application()
    app.router.add_post("/graphql", _refusing)
    runner = web.AppRunner(app)
    run_async(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    run_async(site.start())
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/graphql"
    run_async(runner.cleanup())


def test_a_server_refusing_introspection_shows_why_and_an_sdl_file_works(
        qtbot: QtBot, pool: SessionPool, refusing_server: str, tmp_path: Path) -> None:
    tab = make_tab(qtbot, pool, refusing_server, "{ users { nme } }")
    page = tab.editor.body.graphql
    explorer = page.explorer
    qtbot.waitUntil(lambda: "refused introspection" in explorer.status.text(), timeout=10000)
    assert "introspection is disabled" in explorer.status.text()
    assert "Load an SDL file" in explorer.status.text()
    assert page.schema() is None
    bad = tmp_path / "bad.graphql"
    bad.write_text("type {", encoding="utf-8")
    explorer.sdl_file_chosen.emit(str(bad))
    qtbot.waitUntil(lambda: "Not a usable GraphQL schema" in explorer.status.text(),
                    timeout=10000)
    sdl = tmp_path / "schema.graphql"
    sdl.write_text(SDL, encoding="utf-8")
    explorer.sdl_file_chosen.emit(str(sdl))
    qtbot.waitUntil(lambda: page.schema() is not None, timeout=10000)
    assert "schema.graphql" in explorer.status.text()
    analysed(qtbot, page)
    assert "Cannot query field 'nme'" in page.editor.problem_spans()[0][2]
    assert tab.graphql.service is not None
    assert tab.graphql.service.cache.get(refusing_server) is not None


def test_a_document_over_the_analysed_size_says_so_and_shows_no_stale_problems(
        qtbot: QtBot, pool: SessionPool, playground: str) -> None:
    tab = make_tab(qtbot, pool, f"{playground}/graphql", '{ user(id: "1") { nme } }')
    page = page_with_schema(qtbot, tab)
    analysed(qtbot, page)
    assert page.problems_list.count() == 1
    worker = GraphQLBodyPage.worker()
    limit = worker.max_document_chars
    worker.max_document_chars = 30
    try:
        type_at_end(qtbot, page, "\n# a comment that makes it long")
        analysed(qtbot, page)
    finally:
        worker.max_document_chars = limit
    assert page.status.text() == (f"Not checked: the document is {len(page.text())} "
                                  "characters; at most 30 are analysed")
    assert page.editor.problem_spans() == [] and page.problems_list.isHidden()
    type_at_end(qtbot, page, " ")  # within the limit again
    analysed(qtbot, page)
    assert page.problems_list.count() == 1 and page.status.text() == "1 problem"
