"""A GraphQL answer's ``errors`` and ``extensions``, shown above the response body rather
than left for the reader to find in the JSON: a strip with the error count, each error's
message and path, and the extensions as JSON. The body is read back from the response pane's
store off the UI thread, under a key of the tab's task runner, when the request was a GraphQL
one."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ui.request.tones import ERROR, OK, banner_css

if TYPE_CHECKING:
    from app.body.store import BodyStore
    from ui.modes.http.controller import ResponseSummary, SendController
    from ui.response.response_pane import ResponsePane
    from ui.tasks import TaskRunner

__all__ = ["DEFAULT_MAX_ANSWER_BYTES", "AnswerSummary", "GraphQLAnswer", "GraphQLAnswerStrip",
           "summarize"]

#: A larger answer is not read back for its summary (a setting: ``GraphQLAnswer.max_bytes``).
DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class AnswerSummary:
    """What a GraphQL answer says besides its data: whether ``data`` is there (not null),
    each error as ``message (at path)``, and the extensions as indented JSON (empty: none)."""

    has_data: bool
    errors: tuple[str, ...]
    extensions: str


def _error_line(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)
    line = str(error.get("message", error))
    path = error.get("path")
    if isinstance(path, list) and path:
        line += f"  (at {'.'.join(str(p) for p in path)})"
    locations = error.get("locations")
    if isinstance(locations, list) and locations and isinstance(locations[0], dict):
        at = locations[0]
        line += f"  [line {at.get('line')}, column {at.get('column')}]"
    return line


def summarize(body: bytes) -> AnswerSummary | None:
    """The summary of a GraphQL answer; None when ``body`` is not one (not a JSON object
    with ``data`` or ``errors``)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict) or not ({"data", "errors"} & answer.keys()):
        return None
    errors = answer.get("errors")
    lines = tuple(_error_line(e) for e in errors) if isinstance(errors, list) else ()
    extensions = answer.get("extensions")
    shown = json.dumps(extensions, indent=2, ensure_ascii=False) if extensions else ""
    return AnswerSummary(answer.get("data") is not None, lines, shown)


class GraphQLAnswerStrip(QWidget):
    """The strip above the body (hidden for other answers)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(130)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        self.hide()

    def show_summary(self, summary: AnswerSummary | None) -> None:
        if summary is None:
            self.hide()
            return
        n = len(summary.errors)
        parts = ["GraphQL: data" if summary.has_data else "GraphQL: no data"]
        if n:
            parts.append(f"{n} error{'s' if n > 1 else ''}")
        if summary.extensions:
            parts.append("extensions")
        self.title.setText(" · ".join(parts))
        self.title.setStyleSheet(banner_css(ERROR if n else OK, "3px 6px"))
        text = ""
        if n:
            text = "Errors:\n" + "\n".join(f"• {line}" for line in summary.errors)
        if summary.extensions:
            text += ("\n\n" if text else "") + "Extensions:\n" + summary.extensions
        self.details.setPlainText(text)
        self.details.setVisible(bool(text))
        self.show()


class GraphQLAnswer(QObject):
    """Fills the strip after each response to a GraphQL request."""

    def __init__(self, runner: TaskRunner, key: str, controller: SendController,
                 pane: ResponsePane) -> None:
        super().__init__(controller)
        self._runner = runner
        self._key = key
        self._pane = pane
        self.max_bytes = DEFAULT_MAX_ANSWER_BYTES
        self.strip = GraphQLAnswerStrip()
        pane.add_strip(self.strip)
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)

    def _on_started(self) -> None:
        self._runner.cancel(self._key)
        self.strip.hide()

    def _on_finished(self, summary: ResponseSummary) -> None:
        model = summary.model
        store = self._pane.body.store
        if (model is None or model.body.kind != "graphql" or store is None
                or summary.size > self.max_bytes):
            return
        self._runner.start(self._key, self._read(store, summary.size),
                           on_result=self.strip.show_summary)

    async def _read(self, store: BodyStore, size: int) -> AnswerSummary | None:
        try:
            body = await asyncio.to_thread(store.read, 0, size)
        except (ValueError, OSError):  # closed by a newer send, or the disk failed
            return None
        return summarize(body)
