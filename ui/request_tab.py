"""One request tab: the editor above, the response below, and the exchange between them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QSplitter, QVBoxLayout, QWidget

from app.models import RequestModel
from ui.request.request_editor import RequestEditor
from ui.response.response_pane import ResponsePane
from ui.send_controller import SendController, VariablesSource
from ui.upload_progress import UploadProgress

__all__ = ["RequestTab"]

class RequestTab(QWidget):
    """Composes, sends and shows one request; owns the tab's task key."""

    title_changed = Signal(str)

    def __init__(self, controller: SendController, variables: VariablesSource,
                 model: RequestModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        controller.setParent(self)
        self._variables = variables
        self.editor = RequestEditor()
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send (Ctrl+Enter) · Cancel (Esc)")
        self.send_button.setMinimumWidth(90)
        self.send_button.clicked.connect(self._send_or_cancel)
        self.editor.add_to_url_row(self.send_button)
        # Enter in the URL sends, as in a browser's address bar.
        self.editor.url_bar.returnPressed.connect(self._send_or_cancel)
        self.upload = UploadProgress()
        self.response = ResponsePane()
        self.response.retry_requested.connect(self.send)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.editor, 1)
        top_layout.addWidget(self.upload)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.response)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        c = controller
        c.started.connect(self._on_started)
        c.upload_progress.connect(self.upload.update_progress)
        c.response_head.connect(self._on_head)
        c.body_chunk.connect(self.response.append_body)
        c.download_progress.connect(self.response.show_download)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.cancelled.connect(self._on_cancelled)
        self.editor.changed.connect(self._emit_title)
        if model is not None:
            self.editor.load_model(model)
            if model.body.kind != "none":  # a request opened with a body shows it first
                self.editor.show_page(self.editor.body)
        self._emit_title()

    # -- model ----------------------------------------------------------------------------

    def to_model(self) -> RequestModel:
        return self.editor.to_model()

    def load_model(self, model: RequestModel) -> None:
        self.editor.load_model(model)
        self._emit_title()

    def title(self) -> str:
        model = self.editor.to_model()
        if model.name and model.name != "New request":
            return model.name
        url = model.url.split("://", 1)[-1]
        return f"{model.method} {url}" if url else "New request"

    def _emit_title(self) -> None:
        self.title_changed.emit(self.title())

    # -- sending --------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def send(self) -> None:
        model = self.editor.to_model()
        self.controller.send(model, self._variables)

    def cancel(self) -> bool:
        return self.controller.cancel()

    def _send_or_cancel(self) -> None:
        if self.busy:
            self.cancel()
        else:
            self.send()

    def _set_busy(self, busy: bool) -> None:
        self.send_button.setText("Cancel" if busy else "Send")
        self.send_button.setProperty("busy", busy)

    def _on_started(self) -> None:
        self._set_busy(True)
        self.upload.begin()
        self.upload.hide()
        self.response.show_sending()

    def _on_head(self, head: object) -> None:
        self.upload.hide()
        self.response.show_head(head)  # type: ignore[arg-type]

    def _on_finished(self, summary: object) -> None:
        self._set_busy(False)
        self.response.show_finished(summary)  # type: ignore[arg-type]

    def _on_failed(self, text: object, had_response: bool) -> None:
        self._set_busy(False)
        self.upload.hide()
        self.response.show_error(text, had_response)  # type: ignore[arg-type]

    def _on_cancelled(self) -> None:
        self._set_busy(False)
        self.upload.hide()
        self.response.show_cancelled()

    def dispose(self) -> None:
        """The tab is closing: stop its work and drop its temporary files."""
        self.controller.dispose()
        self.response.body.clear()
