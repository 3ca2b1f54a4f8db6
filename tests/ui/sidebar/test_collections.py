"""The sidebar's collection tree against a real workspace folder: shown from the files,
changed through the workspace, moves by drag and drop, broken files reported and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.model.request import AuthKind, AuthModel, RequestModel
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from ui.sidebar.collections import ERROR_ROLE, KIND, METHOD, PATH, CollectionTree
from ui.tasks import TaskRunner
from ui.workspace_controller import WorkspaceController


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws", MemorySecrets())
    ws.new_request("Shop", RequestModel(name="List products", url="http://x/products"))
    ws.new_request("Shop", RequestModel(name="Create product", method="POST",
                                        auth=AuthModel(kind=AuthKind.BEARER, token="t-1")))
    ws.new_request("Shop/Orders", RequestModel(name="List orders", method="GET"))
    ws.new_request("Users", RequestModel(name="Delete user", method="DELETE"))
    return ws


@pytest.fixture
def tree(qtbot: QtBot, qt_loop: Any, workspace: Workspace) -> CollectionTree:
    runner = TaskRunner()
    controller = WorkspaceController(runner, workspace)
    widget = CollectionTree(controller)
    widget._runner = runner  # type: ignore[attr-defined]  # kept alive with the widget
    qtbot.addWidget(widget)
    widget.resize(320, 500)
    widget.show()
    controller.open()
    qtbot.waitUntil(lambda: widget.request_count() == 4)
    return widget


def _find(tree: CollectionTree, path: str) -> QModelIndex:
    for item in tree._iter():
        if str(item.data(PATH)).endswith(path):
            return tree.proxy.mapFromSource(item.index())
    raise AssertionError(f"{path} not in the tree")


def _select(tree: CollectionTree, path: str) -> None:
    """Make ``path`` the one selected item (whatever modifier keys Qt believes are held)."""
    flags = QItemSelectionModel.SelectionFlag
    tree.view.selectionModel().setCurrentIndex(
        _find(tree, path), flags.ClearAndSelect | flags.Rows)


def _names(tree: CollectionTree) -> list[str]:
    return [f"{'  ' * _depth(i)}{i.text()}" for i in tree._iter()]


def _depth(item: Any) -> int:
    depth, parent = 0, item.parent()
    while parent is not None:
        depth, parent = depth + 1, parent.parent()
    return depth


def test_the_tree_shows_folders_then_requests_in_order(tree: CollectionTree) -> None:
    assert _names(tree) == ["Shop", "  Orders", "    List orders", "  List products",
                            "  Create product", "Users", "  Delete user"]
    index = _find(tree, "create-product.yaml")
    assert index.data(KIND) == "request"
    assert index.data(METHOD) == "POST"


def test_new_rename_duplicate_delete(qtbot: QtBot, tree: CollectionTree,
                                     workspace: Workspace,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Admin", True))
    tree.new_folder(None)
    qtbot.waitUntil(lambda: (workspace.root / "Admin").is_dir())
    qtbot.waitUntil(lambda: "Admin" in _names(tree))

    _select(tree, "list-products.yaml")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("All products", True))
    moved: list[tuple[Path, object]] = []
    tree.request_moved.connect(lambda old, new: moved.append((old, new)))
    tree.rename_selected()
    qtbot.waitUntil(lambda: "  All products" in _names(tree))
    assert (workspace.root / "Shop" / "all-products.yaml").exists()
    assert moved and moved[0][1] == workspace.root / "Shop" / "all-products.yaml"

    _select(tree, "create-product.yaml")
    tree.duplicate_selected()
    qtbot.waitUntil(lambda: "  Create product copy" in _names(tree))
    copy = workspace.load_request(workspace.root / "Shop" / "create-product-copy.yaml")
    assert copy.auth.token == "t-1"

    asked: list[str] = []

    def cancel(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", cancel)
    _select(tree, "Users")
    tree.delete_selected()
    assert asked and "Users" in asked[0]
    assert (workspace.root / "Users").exists()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    tree.delete_selected()
    qtbot.waitUntil(lambda: not (workspace.root / "Users").exists())
    qtbot.waitUntil(lambda: "Users" not in _names(tree))


def test_drag_and_drop_moves_and_reorders(qtbot: QtBot, tree: CollectionTree,
                                          workspace: Workspace) -> None:
    model = tree.model
    source = tree.proxy.mapToSource(_find(tree, "delete-user.yaml"))
    shop = tree.proxy.mapToSource(_find(tree, "Shop"))
    mime = model.mimeData([source])
    # Dropped between "List products" and "Create product": row 2 counts the folder first.
    assert model.dropMimeData(mime, model.supportedDropActions(), 2, 0, shop) is False
    qtbot.waitUntil(lambda: (workspace.root / "Shop" / "delete-user.yaml").exists())
    # The file is there before its place in the order is written (one worker call does
    # both), and "  Delete user" was in the tree already (under Users): wait for the order.
    qtbot.waitUntil(lambda: [p.name for p in workspace.list_requests("Shop")] == [
        "list-products.yaml", "delete-user.yaml", "create-product.yaml"])
    qtbot.waitUntil(lambda: not (workspace.root / "Users" / "delete-user.yaml").exists())
    qtbot.waitUntil(lambda: "  Delete user" in _names(tree))

    # A folder onto another folder, then back to the top.
    orders = tree.proxy.mapToSource(_find(tree, "Orders"))
    users = tree.proxy.mapToSource(_find(tree, "Users"))
    model.dropMimeData(model.mimeData([orders]), model.supportedDropActions(), -1, 0, users)
    qtbot.waitUntil(lambda: (workspace.root / "Users" / "Orders").is_dir())
    qtbot.waitUntil(lambda: workspace.list_collections("Users") == ["Users/Orders"]
                    and any(i.data(PATH) == "Users/Orders" for i in tree._iter()))
    orders = tree.proxy.mapToSource(_find(tree, "Users/Orders"))
    model.dropMimeData(model.mimeData([orders]), model.supportedDropActions(), -1, 0,
                       QModelIndex())
    qtbot.waitUntil(lambda: (workspace.root / "Orders").is_dir())

    # A request cannot live at the top: the drop is refused with a message.
    errors: list[str] = []
    tree.controller.failed.connect(errors.append)
    request = tree.proxy.mapToSource(_find(tree, "create-product.yaml"))
    model.dropMimeData(model.mimeData([request]), model.supportedDropActions(), -1, 0,
                       QModelIndex())
    qtbot.waitUntil(lambda: bool(errors))
    assert "drop them on a folder" in errors[0]
    assert (workspace.root / "Shop" / "create-product.yaml").exists()


def test_a_broken_file_is_shown_with_its_line_and_left_alone(
        qtbot: QtBot, tree: CollectionTree, workspace: Workspace,
        monkeypatch: pytest.MonkeyPatch) -> None:
    broken = workspace.root / "Shop" / "broken.yaml"
    text = b"name: Broken\nmethod: [GET\n"
    broken.write_bytes(text)
    tree.controller.start("Rescan", tree.controller.rescan())
    qtbot.waitUntil(lambda: any(str(i.data(PATH)).endswith("broken.yaml") for i in tree._iter()))
    index = _find(tree, "broken.yaml")
    error = index.data(ERROR_ROLE)
    assert f"{broken}:3" in error or f"{broken}:2" in error
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    opened: list[Path] = []
    tree.open_request.connect(lambda p, new: opened.append(p))
    tree._on_activated(index)
    assert shown and str(broken) in shown[0] and not opened
    assert broken.read_bytes() == text


def test_filter_finds_requests_by_name_and_url(qtbot: QtBot, tree: CollectionTree) -> None:
    qtbot.keyClicks(tree.filter, "orders")
    visible = []

    def walk(parent: QModelIndex) -> None:
        for row in range(tree.proxy.rowCount(parent)):
            index = tree.proxy.index(row, 0, parent)
            visible.append(index.data())
            walk(index)

    walk(QModelIndex())
    assert visible == ["Shop", "Orders", "List orders"]


def test_activating_a_request_asks_to_open_it(qtbot: QtBot, tree: CollectionTree,
                                              workspace: Workspace) -> None:
    opened: list[tuple[Path, bool]] = []
    tree.open_request.connect(lambda p, new: opened.append((p, new)))
    tree._on_activated(_find(tree, "list-products.yaml"))
    assert opened == [(workspace.root / "Shop" / "list-products.yaml", False)]




def test_collection_variables_are_edited_with_secrets_kept_out_of_the_file(
        qtbot: QtBot, tree: CollectionTree, workspace: Workspace) -> None:
    from ui.dialogs.collection_variables import CollectionVariablesDialog

    workspace.save_collection_variables("Shop", {"base": "http://shop"})
    dialog = CollectionVariablesDialog(tree.controller, "Shop", tree)
    qtbot.waitUntil(lambda: dialog.view.isEnabled())
    assert [r.name for r in dialog.model.rows()] == ["base"]
    dialog.model.append("token", "shop-Secret-1", True)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    assert workspace.collection_variables("Shop") == {"base": "http://shop",
                                                      "token": "shop-Secret-1"}
    assert "shop-Secret-1" not in (workspace.root / "Shop" / "collection.yaml").read_text()
    tree.controller.watch_collection("Shop/Orders")
    qtbot.waitUntil(lambda: "token" in tree.controller.lookup("Shop/Orders"))
    resolved = tree.controller.lookup("Shop/Orders")["token"]
    assert resolved.secret and resolved.source == "collection Shop / Orders"


def test_a_rebuild_keeps_what_was_expanded_and_selected(tree: CollectionTree,
                                                        qtbot: QtBot) -> None:
    # The tree is rebuilt from the files after every change: the folders open before stay
    # open, the selected request stays selected, and nothing else opens.
    tree.view.collapseAll()
    tree.view.setExpanded(_find(tree, "Shop"), True)
    _select(tree, "list-products.yaml")
    tree.set_tree(tree.controller.tree)
    assert tree.view.isExpanded(_find(tree, "Shop"))
    assert not tree.view.isExpanded(_find(tree, "Shop/Orders"))
    assert not tree.view.isExpanded(_find(tree, "Users"))
    assert str(tree.view.currentIndex().data(PATH)).endswith("list-products.yaml")
    # A request to select in a closed folder opens the folders above it.
    tree.select_path(str(_find(tree, "list-orders.yaml").data(PATH)))
    assert tree.view.isExpanded(_find(tree, "Shop/Orders"))
    assert str(tree.view.currentIndex().data(PATH)).endswith("list-orders.yaml")
