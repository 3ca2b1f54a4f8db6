"""The sidebar's collection tree: folders and requests of the workspace.

New, rename, duplicate, delete (after asking) from the context menu or the keyboard, and
moves by drag and drop: a request onto a folder (or between requests, to reorder), a folder
onto another folder or the empty space (the top). Every change goes through the
:class:`~ui.workspace_controller.WorkspaceController`, off the UI thread; the tree is then
rebuilt from the files, keeping what was expanded and selected."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QStandardItem
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QStyle,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.model.request import RequestModel, method_label
from app.storage.index import FolderEntry, RequestEntry
from app.storage.workspace import Moved, WorkspaceError, check_name
from ui.sidebar.collection_delegate import CollectionDelegate
from ui.sidebar.collection_model import ERROR_ROLE, KIND, METHOD, PATH, CollectionModel
from ui.workspace_controller import WorkspaceController

__all__ = ["ERROR_ROLE", "KIND", "METHOD", "PATH", "CollectionTree"]

# Computed once: or-ing Qt's flag enums costs microseconds, 10,000 times in a big workspace.
_REQUEST_FLAGS = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                  | Qt.ItemFlag.ItemIsDragEnabled)
_FOLDER_FLAGS = _REQUEST_FLAGS | Qt.ItemFlag.ItemIsDropEnabled


class CollectionTree(QWidget):
    """The workspace's collections as a tree, with the actions a user expects."""

    #: (path, in a new tab) a request was chosen.
    open_request = Signal(Path, bool)
    #: The path of a request that was renamed, moved or deleted: (old, new or None).
    request_moved = Signal(Path, object)
    #: A folder was renamed, moved or deleted: (old collection, new collection or None).
    folder_moved = Signal(str, object)
    #: A run of a folder was asked for (its collection, "" for the whole workspace).
    run_requested = Signal(str)
    #: Import was asked for (the window shows the file dialog).
    import_requested = Signal()

    def __init__(self, controller: WorkspaceController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = CollectionModel(self)
        self.model.move_requested.connect(self._on_drop)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterRole(Qt.ItemDataRole.ToolTipRole)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter requests")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter)
        new = QToolButton()
        new.setText("+")
        new.setToolTip("New collection")
        new.clicked.connect(lambda: self.new_folder(None))
        imp = QToolButton()
        imp.setText("Import…")
        imp.setToolTip("Import curl, Postman v2.1, OpenAPI 3 or HAR")
        imp.clicked.connect(self.import_requested)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter, 1)
        top.addWidget(new)
        top.addWidget(imp)

        self.view = QTreeView()
        self.view.setObjectName("collectionTree")
        self.view.setModel(self.proxy)
        self.view.setHeaderHidden(True)
        self.view.setItemDelegate(CollectionDelegate(self.view))
        self.view.setUniformRowHeights(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(self._on_activated)
        self.view.setExpandsOnDoubleClick(True)

        self.empty = QLabel("No collections yet.<br>Press <b>+</b> to create one, "
                            "<b>Import…</b> to bring in Postman, OpenAPI, HAR or curl, or "
                            "save a request with <b>Ctrl+S</b>.")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setContentsMargins(4, 8, 4, 8)
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)
        layout.addStretch(0)

        for text, keys, slot in (("Rename", "F2", self.rename_selected),
                                 ("Delete", QKeySequence.StandardKey.Delete,
                                  self.delete_selected),
                                 ("Duplicate", "Ctrl+D", self.duplicate_selected)):
            action = QAction(text, self.view)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)

        self._folder_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._warn_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self._expanded: set[str] = set()
        #: The tree's items by their path (a folder's collection path, a request's file),
        #: as set_tree built them (nothing else adds or removes items).
        self._folder_items: dict[str, QStandardItem] = {}
        self._request_items: dict[str, QStandardItem] = {}
        self._select_after: str | None = None
        controller.tree_changed.connect(self.set_tree)

    # -- the tree ---------------------------------------------------------------------------

    def set_tree(self, tree: list[FolderEntry]) -> None:
        """Show ``tree``, keeping expanded folders and the selection."""
        if self.model.rowCount():
            self._expanded = self._expanded_paths()
        selected = self._select_after or self._current_path()
        self._select_after = None
        self.view.setUpdatesEnabled(False)
        try:
            self.model.clear()
            self._folder_items, self._request_items = {}, {}
            root = self.model.invisibleRootItem()
            for folder in tree:
                root.appendRow(self._folder_item(folder))
            self._restore(selected)
        finally:
            self.view.setUpdatesEnabled(True)
        self.empty.setVisible(not tree)

    def _folder_item(self, folder: FolderEntry) -> QStandardItem:
        item = QStandardItem(folder.name)
        item.setData("folder", KIND)
        item.setData(folder.collection, PATH)
        item.setIcon(self._warn_icon if folder.error else self._folder_icon)
        item.setToolTip(folder.error or folder.name)
        item.setData(folder.error, ERROR_ROLE)
        item.setFlags(_FOLDER_FLAGS)
        self._folder_items[folder.collection] = item
        item.appendRows([self._folder_item(child) for child in folder.folders]
                        + [self._request_item(request) for request in folder.requests])
        return item

    def _request_item(self, request: RequestEntry) -> QStandardItem:
        item = QStandardItem(request.name)
        item.setData("request", KIND)
        item.setData(str(request.path), PATH)
        item.setData(method_label(request.method, request.mode), METHOD)
        if request.error:
            item.setData(request.error, ERROR_ROLE)
            item.setToolTip(f"{request.name}\n{request.error}")
            item.setIcon(self._warn_icon)
        else:
            item.setToolTip(f"{request.name}\n{request.method} {request.url}")
        item.setFlags(_REQUEST_FLAGS)
        self._request_items[str(request.path)] = item
        return item

    def _iter(self, parent: QStandardItem | None = None) -> list[QStandardItem]:
        parent = parent or self.model.invisibleRootItem()
        out = []
        for row in range(parent.rowCount()):
            child = parent.child(row)
            out.append(child)
            if child.hasChildren():
                out += self._iter(child)
        return out

    def _expanded_paths(self) -> set[str]:
        out = set()
        for path, item in self._folder_items.items():
            proxy = self.proxy.mapFromSource(item.index())
            if proxy.isValid() and self.view.isExpanded(proxy):
                out.add(path)
        return out

    def _restore(self, selected: str | None) -> None:
        # By the paths the tree was built with: only the items to expand or select are
        # looked at (a walk of 10,000 requests' items took some 25 ms of the window's loop).
        for path in self._expanded:
            folder = self._folder_items.get(path)
            if folder is not None:
                self.view.setExpanded(self.proxy.mapFromSource(folder.index()), True)
        if selected is None:
            return
        item = self._request_items.get(selected)
        if item is None:
            item = self._folder_items.get(selected)
        if item is not None:
            parent = item.parent()
            while parent is not None:
                self.view.setExpanded(self.proxy.mapFromSource(parent.index()), True)
                parent = parent.parent()
            self.view.setCurrentIndex(self.proxy.mapFromSource(item.index()))

    def _current_path(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(PATH) if index.isValid() else None

    def select_path(self, path: str | Path) -> None:
        """Select (and reveal) the item of ``path`` now, or after the next rebuild."""
        self._select_after = str(path)
        self._restore(str(path))

    def request_count(self) -> int:
        return sum(1 for item in self._iter() if item.data(KIND) == "request")

    def _on_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.view.expandAll()

    # -- actions ----------------------------------------------------------------------------

    def _on_activated(self, index: QModelIndex) -> None:
        if index.data(KIND) == "request":
            self._open(index, new_tab=False)

    def _open(self, index: QModelIndex | QPersistentModelIndex, new_tab: bool) -> None:
        if index.data(ERROR_ROLE):
            QMessageBox.warning(self, "Cannot open request",
                                f"{index.data(ERROR_ROLE)}\n\nThe file was left as it is; "
                                "fix it in an editor and it will show again.")
            return
        self.open_request.emit(Path(index.data(PATH)), new_tab)

    def _selected(self) -> list[tuple[str, str]]:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex()]
        return [(i.data(KIND), i.data(PATH)) for i in rows]

    def _context_menu(self, pos: object) -> None:
        index = self.view.indexAt(pos)  # type: ignore[arg-type]
        menu = QMenu(self)
        if not index.isValid():
            menu.addAction("New collection…", lambda: self.new_folder(None))
            menu.addAction("Import…", self.import_requested.emit)
            menu.addAction("Run workspace…", lambda: self.run_requested.emit(""))
        elif index.data(KIND) == "folder":
            folder = index.data(PATH)
            menu.addAction("New request", lambda: self.new_request(folder))
            menu.addAction("New folder…", lambda: self.new_folder(folder))
            menu.addAction("Variables…", lambda: self.edit_variables(folder))
            menu.addAction("Run folder…", lambda: self.run_requested.emit(folder))
            menu.addSeparator()
            menu.addAction("Rename…", self.rename_selected)
            menu.addAction("Delete…", self.delete_selected)
        else:
            persistent = QPersistentModelIndex(index)
            menu.addAction("Open", lambda: self._open(persistent, False))
            menu.addAction("Open in new tab", lambda: self._open(persistent, True))
            menu.addSeparator()
            menu.addAction("Rename…", self.rename_selected)
            menu.addAction("Duplicate", self.duplicate_selected)
            menu.addAction("Delete…", self.delete_selected)
        menu.exec(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]
        menu.deleteLater()

    def _ask_name(self, title: str, label: str, text: str = "") -> str | None:
        while True:
            name, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
            if not ok:
                return None
            name = name.strip()
            try:
                check_name(name, "folder")
                return name
            except WorkspaceError:
                label = ("A name cannot be empty, start with a dot or hold / \\ : * ? \" < > |."
                         "\nName:")
                text = name

    def new_folder(self, parent: str | None) -> None:
        name = self._ask_name("New folder" if parent else "New collection", "Name:")
        if name is None:
            return
        collection = f"{parent}/{name}" if parent else name
        self._select_after = collection
        if parent:
            self._expanded.add(parent)
        self.controller.change(f"Create {name}", self.controller.workspace.create_collection,
                               collection)

    def new_request(self, collection: str) -> None:
        model = RequestModel(name="New request")
        self._expanded.add(collection)

        def opened(path: Path) -> None:
            self.select_path(path)
            self.open_request.emit(path, True)

        self.controller.change("New request", self.controller.workspace.new_request,
                               collection, model, then=opened)

    def edit_variables(self, collection: str) -> None:
        from ui.dialogs.collection_variables import CollectionVariablesDialog

        CollectionVariablesDialog(self.controller, collection, self).open()

    def rename_selected(self) -> None:
        selected = self._selected()
        if len(selected) != 1:
            return
        kind, path = selected[0]
        ws = self.controller.workspace
        if kind == "folder":
            name = self._ask_name("Rename folder", "Name:", path.rpartition("/")[2])
            if name is None:
                return
            def renamed_folder(new: str) -> None:
                self.select_path(new)
                self.folder_moved.emit(path, new)

            self.controller.change("Rename", ws.rename_collection, path, name,
                                   then=renamed_folder)
            return
        index = self.view.currentIndex()
        old_name = index.data(Qt.ItemDataRole.DisplayRole) or Path(path).stem
        name, ok = QInputDialog.getText(self, "Rename request", "Name:",
                                        QLineEdit.EchoMode.Normal, old_name)
        if not ok or not name.strip() or name.strip() == old_name:
            return

        def renamed(new: Path) -> None:
            self.select_path(new)
            self.request_moved.emit(Path(path), new)

        self.controller.change("Rename", ws.rename, Path(path), name.strip(), then=renamed)

    def duplicate_selected(self) -> None:
        for kind, path in self._selected():
            if kind == "request":
                self.controller.change("Duplicate", self.controller.workspace.duplicate,
                                       Path(path), then=lambda new: self.select_path(new))

    def delete_selected(self) -> None:
        selected = self._selected()
        if not selected:
            return
        folders = [p for k, p in selected if k == "folder"]
        requests = [p for k, p in selected if k == "request"]
        if len(selected) == 1:
            what = (f"the folder “{folders[0]}” and everything in it" if folders else
                    f"the request “{self.view.currentIndex().data()}”")
        else:
            what = f"{len(selected)} items"
        answer = QMessageBox.question(
            self, "Delete", f"Delete {what}?\n\nIts secrets are removed from the keyring too.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        def deleted(_: object) -> None:
            for path in requests:
                self.request_moved.emit(Path(path), None)
            for folder in folders:
                self.folder_moved.emit(folder, None)

        self.controller.change("Delete", self.controller.workspace.delete_items, requests,
                               folders, then=deleted)

    def _on_drop(self, items: list[tuple[str, str]], target: str, row: int) -> None:
        def moved(result: Moved) -> None:
            if target:
                self._expanded.add(target)
            for old, new in result.requests:
                if old != new:
                    self.request_moved.emit(old, new)
            for old_folder, new_folder in result.collections:
                if old_folder != new_folder:
                    self.folder_moved.emit(old_folder, new_folder)
            if result.requests:
                self.select_path(result.requests[0][1])

        self.controller.change("Move", self.controller.workspace.move_items, items, target,
                               row, then=moved)
