"""The request side of the gRPC pane: the method picker (filled by reflection or from .proto
files), the method's kind, the .proto files and import paths, the deadline, and the message
editor with its check. It shows and edits; describing and checking are ``GrpcServices``'.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.model.request import GrpcModel
from ui.banner import banner
from ui.modes.grpc.grpc_controller import method_kind
from ui.request.body.code_editor import CodeEditor

if TYPE_CHECKING:  # grpcio is loaded by the first describe or call, not by the pane
    from app.grpc import Method, Service

__all__ = ["GrpcRequestPanel", "MethodBox", "PathList"]


class PathList(QWidget):
    """A short list of paths (editable in place: a path may use ``{{variables}}``) with Add
    and Remove."""

    changed = Signal()

    def __init__(self, title: str, add_text: str, folders: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._folders = folders
        self._title = title
        #: The other list of the panel, whose paths say where to look when this has none.
        self.neighbour: PathList | None = None
        self.list = QListWidget()
        self.list.setMaximumHeight(64)
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton("Remove")
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.addWidget(QLabel(title))
        column.addWidget(self.list)
        layout.addLayout(column, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._choose)
        self.remove_button.clicked.connect(self._remove)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())

    def paths(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [item.text().strip() for item in items if item.text().strip()]

    def set_paths(self, paths: list[str]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for path in paths:
            self._append(path)
        self.list.blockSignals(False)

    def add_paths(self, paths: list[str]) -> None:
        """Add ``paths`` not there yet."""
        known = set(self.paths())
        fresh = [path for path in paths if path and path not in known]
        if not fresh:
            return
        self.list.blockSignals(True)
        for path in fresh:
            self._append(path)
        self.list.blockSignals(False)
        self.changed.emit()

    def _append(self, path: str) -> None:
        item = QListWidgetItem(path)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)

    def start_folder(self) -> str:
        """Where the chooser opens: by the last path here (or in ``neighbour``, the other
        list) that exists, since imports sit near the .proto files; else Qt's default."""
        for paths in (self.paths(), self.neighbour.paths() if self.neighbour else []):
            for path in reversed(paths):
                found = Path(path).expanduser()
                if found.is_dir():
                    return str(found)
                if found.is_file():
                    return str(found.parent)
        return ""

    def _choose(self) -> None:
        start = self.start_folder()
        if self._folders:
            folder = QFileDialog.getExistingDirectory(self, self._title, start)
            self.add_paths([folder] if folder else [])
        else:
            files, _ = QFileDialog.getOpenFileNames(self, self._title, start,
                                                    "Protocol buffers (*.proto);;All files (*)")
            self.add_paths(files)

    def _remove(self) -> None:
        rows = sorted({index.row() for index in self.list.selectedIndexes()}, reverse=True)
        if not rows and self.list.currentRow() >= 0:
            rows = [self.list.currentRow()]
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self.changed.emit()


class MethodBox(QComboBox):
    """The method picker: opening its list with nothing described yet asks for the services
    (``wanted``) first."""

    wanted = Signal()

    def showPopup(self) -> None:
        if not self.count():
            self.wanted.emit()
        super().showPopup()


class GrpcRequestPanel(QWidget):
    """What a gRPC request sends besides its target, metadata and TLS options (the tab's URL,
    Headers and Options pages)."""

    #: Something here changed (the tab's request is edited).
    changed = Signal()
    #: Describe the services again (Refresh, or the .proto files changed).
    refresh_requested = Signal()
    #: The chosen method changed: its full name.
    method_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.method_box = MethodBox()
        self.method_box.setEditable(True)
        self.method_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.method_box.setMinimumContentsLength(28)
        self.method_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        line = self.method_box.lineEdit()
        assert line is not None
        line.setPlaceholderText("package.Service/Method")
        self.method_box.setToolTip("The method to call: pick one the server or the .proto "
                                   "files describe (Refresh), or type it")
        self.kind_label = QLabel()
        self.kind_label.setObjectName("grpcMethodKind")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Describe the services again: by server reflection, or "
                                       "from the .proto files when there are some")
        self.deadline = QDoubleSpinBox()
        self.deadline.setRange(0, MAX_DEADLINE)
        self.deadline.setDecimals(3)
        #: The deadline the request was loaded with, kept exact while the box shows it (the
        #: box rounds to milliseconds: 0.0004 s read "none").
        self._loaded_deadline: float | None = None
        self.deadline.setSuffix(" s")
        self.deadline.setSpecialValueText("none")
        self.deadline.setToolTip("Seconds the call may take (none: no deadline)")
        self.protos = PathList(".proto files (empty: server reflection)", "Add .proto…", False)
        self.import_paths = PathList("Import paths", "Add folder…", True)
        self.protos.neighbour, self.import_paths.neighbour = self.import_paths, self.protos
        self.status = QLabel()
        self.status.setObjectName("grpcDescribeStatus")
        self.status.setWordWrap(True)
        self.describe_error = banner("error")
        self.describe_error.setObjectName("grpcDescribeError")
        self.describe_error.setTextFormat(Qt.TextFormat.RichText)
        self.editor = CodeEditor("json")
        self.editor.setPlaceholderText("The message, as JSON (an array of objects sends several "
                                       "to a client or bidi stream)")
        self.check_label = banner("error")
        self.check_label.setObjectName("grpcMessageProblem")
        self.check_label.setTextFormat(Qt.TextFormat.PlainText)
        hint = QLabel("Metadata: the Headers tab · TLS: grpcs:// and the Options tab")
        hint.setEnabled(False)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Method"))
        top.addWidget(self.method_box, 1)
        top.addWidget(self.kind_label)
        top.addWidget(self.refresh_button)
        top.addSpacing(8)
        top.addWidget(QLabel("Deadline"))
        top.addWidget(self.deadline)
        paths = QGridLayout()
        paths.setContentsMargins(0, 0, 0, 0)
        paths.addWidget(self.protos, 0, 0)
        paths.addWidget(self.import_paths, 0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.describe_error)
        layout.addWidget(self.status)
        layout.addLayout(paths)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.check_label)

        self.method_box.currentTextChanged.connect(self._on_method_text)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.method_box.wanted.connect(self.refresh_requested)
        self.deadline.valueChanged.connect(lambda _v: self.changed.emit())
        self.editor.textChanged.connect(self.changed)
        for paths_list in (self.protos, self.import_paths):
            paths_list.changed.connect(self.changed)
            paths_list.changed.connect(self.refresh_requested)

    # -- the model -------------------------------------------------------------------------------

    def method_name(self) -> str:
        return self.method_box.currentText().strip()

    def to_grpc(self) -> GrpcModel:
        deadline: float | None = self.deadline.value()
        loaded = self._loaded_deadline
        if loaded is not None and abs(self.deadline.value() - self._shown(loaded)) < 5e-4:
            deadline = loaded  # as the file has it, while the box shows it
        return GrpcModel(self.method_name(), self.editor.toPlainText(), self.protos.paths(),
                         self.import_paths.paths(), deadline if deadline else None)

    def _shown(self, deadline: float) -> float:
        """What the box shows of a deadline above 0: milliseconds, 1 at least (0 is
        "none"), at most its maximum."""
        return max(round(min(deadline, self.deadline.maximum()), 3), 0.001)

    def load_grpc(self, grpc: GrpcModel) -> None:
        for widget in (self.method_box, self.deadline, self.protos, self.import_paths):
            widget.blockSignals(True)
        try:
            self.method_box.setEditText(grpc.method)
            self._loaded_deadline = grpc.deadline
            self.deadline.setValue(self._shown(grpc.deadline) if grpc.deadline else 0)
            self.protos.set_paths(grpc.protos)
            self.import_paths.set_paths(grpc.import_paths)
        finally:
            for widget in (self.method_box, self.deadline, self.protos, self.import_paths):
                widget.blockSignals(False)
        if self.editor.toPlainText() != grpc.message:
            self.editor.setPlainText(grpc.message)
        self.method_changed.emit(self.method_name())

    # -- what the services say -------------------------------------------------------------------

    def set_services(self, services: list[Service]) -> None:
        """Fill the picker; the typed method stays."""
        current = self._refill(services)
        count = sum(len(service.methods) for service in services)
        self.status.setText(f"{len(services)} service{'s' if len(services) != 1 else ''}, "
                            f"{count} method{'s' if count != 1 else ''}")
        self._on_method_text(current)

    def clear_services(self) -> None:
        """No services known (the target changed): the picker empties, the typed method
        stays, and no kind is shown for it."""
        current = self._refill([])
        self.status.setText("")
        self.method_changed.emit(current)

    def _refill(self, services: list[Service]) -> str:
        """The picker holds the methods of ``services`` (no signals meanwhile), the typed
        method kept (the first one's when none was typed); that method's name."""
        current = self.method_name()
        self.method_box.blockSignals(True)
        self.method_box.clear()
        for service in services:
            for method in service.methods:
                kind = method_kind(method.client_streaming, method.server_streaming)
                self.method_box.addItem(method.full_name, method.full_name)
                index = self.method_box.count() - 1
                self.method_box.setItemData(index, f"{kind}: {method.input_type} → "
                                                   f"{method.output_type}",
                                            Qt.ItemDataRole.ToolTipRole)
        if not current and self.method_box.count():
            current = str(self.method_box.itemData(0))
        self.method_box.setEditText(current)
        self.method_box.blockSignals(False)
        self.describe_error.hide()
        return current

    def show_describe_error(self, title: str, detail: str) -> None:
        """Why the services could not be described: a detail of several lines (protoc's
        errors, one a line) keeps them."""
        self.status.setText("")
        lines = _escape(detail).splitlines()
        text = lines[0] if len(lines) == 1 else "<br>" + "<br>".join(lines)
        self.describe_error.setText(f"<b>{title}</b>: {text}")
        self.describe_error.show()

    def show_method(self, method: Method | None, *, missing: bool = False) -> None:
        """The kind of the chosen method; when it is not among the described ones, blank,
        or (``missing``: a method was typed, and there are described ones) says so."""
        if method is None:
            self.kind_label.setText("not among the described methods" if missing else "")
            self.kind_label.setToolTip("")
            return
        self.kind_label.setText(method_kind(method.client_streaming, method.server_streaming))
        self.kind_label.setToolTip(f"{method.input_type} → {method.output_type}")

    def show_problem(self, problem: str | None) -> None:
        """What is wrong with the message (None: it fits its type)."""
        if problem is None:
            self.check_label.hide()
            self.check_label.setText("")
        else:
            self.check_label.setText(problem)
            self.check_label.show()

    def _on_method_text(self, text: str) -> None:
        self.changed.emit()
        self.method_changed.emit(text.strip())


#: The longest deadline the box takes, the library's (``app.grpc.client.MAX_DEADLINE``, some
#: 30 years): written here, as importing the library loads grpcio, which the window's
#: thread does not wait for while a tab is built (a test keeps the two equal).
MAX_DEADLINE = 1e9


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
