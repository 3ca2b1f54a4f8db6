"""The body area of the response pane: Pretty, Raw, Hex and Preview, find, copy and save.

A response's body goes ``begin(content_type)``, ``append(chunk)`` as it arrives, ``finish()``.
Chunks go straight to a ``BodyStore`` (a temporary file with a line index); the visible viewer
is told that the body grew and repaints at most ~30 times a second. ``finish()`` starts the
pretty-printer in a worker thread: until it is done, Pretty shows the raw text with a
"Formatting…" note. Saving copies the file in a worker thread. Every job started here is
owned here: ``clear()``, ``begin()`` and the widget's destruction cancel them and delete the
temporary files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.body.jobs import BodyJob, JobCancelled, UserActivity
from app.body.pretty import Kind, PrettyError, detect_kind, pretty_print
from app.body.store import BodyStore
from ui.formatting import human_size
from ui.response.body_viewer import COPY_CAP, LargeTextView
from ui.response.find_bar import FindBar
from ui.response.hex_view import HexView
from ui.response.image_preview import ImagePreview

__all__ = ["BodyView"]

MODES = ("pretty", "raw", "hex", "preview")
_LABELS = {"pretty": "Pretty", "raw": "Raw", "hex": "Hex", "preview": "Preview"}
_PRETTY_KINDS = ("json", "xml", "html")
_DEFAULT_MODE = {"json": "pretty", "xml": "pretty", "html": "pretty", "text": "raw",
                 "image": "preview", "binary": "hex"}
_SNIFF_BYTES = 512
_HEX_COPY_CAP = 4 << 20
_POLL = 30
_INPUT_EVENTS = frozenset((QEvent.Type.Wheel, QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                           QEvent.Type.MouseMove))


def _format(kind: Kind, src: BodyStore, activity: UserActivity,
            job: BodyJob[BodyStore]) -> BodyStore:
    dst = BodyStore(prefix="spyglass-pretty-")
    try:
        pretty_print(kind, src, dst, cancelled=job.cancelled,
                     progress=lambda done, total: job.post((done, total)),
                     pause=partial(activity.wait_until_idle, job.cancelled))
        job.check()
    except BaseException:
        dst.close()
        raise
    return dst


def _save(src: BodyStore, path: str, job: BodyJob[int]) -> int:
    return src.save_to(path, progress=lambda done, total: job.post((done, total)),
                       cancelled=job.cancelled)


@dataclass
class _Owned:
    """What a body view has started: cancelled and deleted together."""

    jobs: list[BodyJob[Any]] = field(default_factory=list)
    stores: list[BodyStore] = field(default_factory=list)

    def release(self) -> None:
        for job in self.jobs:
            job.cancel()
        for store in self.stores:
            store.close()
        self.jobs.clear()
        self.stores.clear()


class BodyView(QWidget):
    """A response body of any size: ``begin``, ``append``, ``finish``; ``clear``."""

    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._owned = _Owned()
        self._activity = UserActivity()
        self._store: BodyStore | None = None
        self._pretty_store: BodyStore | None = None
        self._content_type = ""
        self._kind: Kind = "text"
        self._sniffed = True
        self._mode = "raw"
        self._chosen: str | None = None
        self._pretty_job: BodyJob[BodyStore] | None = None
        self._save_job: BodyJob[int] | None = None
        self._save_path = ""

        self._pretty = LargeTextView(self)
        self._raw = LargeTextView(self)
        self._hex = HexView(self)
        self._preview = ImagePreview(self)
        self._pages: dict[str, QWidget] = {"pretty": self._pretty, "raw": self._raw,
                                           "hex": self._hex, "preview": self._preview}
        self._stack = QStackedWidget(self)
        for page in self._pages.values():
            self._stack.addWidget(page)
        self._find = FindBar(self)
        self._find.set_activity(self._activity)
        self._find.install_shortcuts(self)
        self._find.set_origin(lambda: self._text_view().top_line())
        self._find.matches_changed.connect(self._show_matches)
        self._find.current_changed.connect(self._show_current)
        self._find.closed.connect(lambda: self._stack.currentWidget().setFocus())

        self._buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        for mode in MODES:
            button = QToolButton(self)
            button.setText(_LABELS[mode])
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.clicked.connect(partial(self._choose, mode))
            self._group.addButton(button)
            self._buttons[mode] = button
            bar.addWidget(button)
        bar.addSpacing(8)
        self._note = QLabel(self)
        self._note.setTextFormat(Qt.TextFormat.RichText)
        self._note.linkActivated.connect(self._note_link)
        bar.addWidget(self._note)
        bar.addStretch(1)
        self._message = QLabel(self)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self._message)
        self._copy = QToolButton(self)
        self._copy.setText("Copy")
        self._copy.setToolTip("Copy the whole body")
        self._copy.clicked.connect(self.copy_body)
        self._save = QToolButton(self)
        self._save.setText("Save…")
        self._save.setToolTip("Save the body to a file")
        self._save.clicked.connect(self.choose_save_path)
        bar.addWidget(self._copy)
        bar.addWidget(self._save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self._find)
        layout.addWidget(self._stack, 1)

        self._poll = QTimer(self, interval=_POLL)
        self._poll.timeout.connect(self._collect)
        for view in (self._pretty, self._raw):
            view.message.connect(self._say)
        for scroller in (self._pretty, self._raw, self._hex):
            scroller.set_activity(self._activity)
            scroller.viewport().installEventFilter(self)
            scroller.installEventFilter(self)
            scroller.verticalScrollBar().valueChanged.connect(self._activity.touch)
            scroller.horizontalScrollBar().valueChanged.connect(self._activity.touch)
        self.destroyed.connect(partial(_Owned.release, self._owned))
        self.clear()

    # -- the public API ------------------------------------------------------------------------

    @property
    def store(self) -> BodyStore | None:
        """The body as received (None before ``begin``)."""
        return self._store

    @property
    def pretty_store(self) -> BodyStore | None:
        """The formatted body, once the pretty-printer is done."""
        return self._pretty_store

    @property
    def kind(self) -> Kind:
        return self._kind

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def formatting(self) -> bool:
        return self._pretty_job is not None

    @property
    def saving(self) -> bool:
        return self._save_job is not None

    @property
    def note(self) -> str:
        return self._note.text()

    @property
    def message(self) -> str:
        return self._message.text()

    @property
    def find_bar(self) -> FindBar:
        return self._find

    def view(self, mode: str) -> QWidget:
        """The widget that shows ``mode`` (a ``LargeTextView``, ``HexView`` or
        ``ImagePreview``)."""
        return self._pages[mode]

    def begin(self, content_type: str) -> None:
        """A new response starts: drop the last body and everything working on it."""
        self.clear()
        self._content_type = content_type
        self._store = BodyStore()
        self._owned.stores.append(self._store)
        self._kind = detect_kind(content_type, b"")
        self._sniffed = False
        lexer = self._lexer()
        self._raw.set_store(self._store, lexer)
        self._pretty.set_store(self._store, lexer)
        self._hex.set_store(self._store)
        self._preview.clear("Loading…" if self._kind == "image" else "Not an image")
        self._find.set_store(self._store)
        self._apply_kind()

    def append(self, chunk: bytes) -> None:
        """More of the body: written to the file and indexed; the view repaints later."""
        if self._store is None:
            return
        self._store.append(chunk)
        if not self._sniffed and self._store.size >= _SNIFF_BYTES:
            self._sniff()
        page = self._stack.currentWidget()
        if isinstance(page, LargeTextView | HexView):
            page.store_grew()

    def finish(self) -> None:
        """The body is complete: show it at once, and format it off the UI thread."""
        if self._store is None or self._store.finished:
            return
        self._store.finish()
        if not self._sniffed:
            self._sniff()
        for view in (self._raw, self._pretty, self._hex):
            view.refresh()
        self._copy.setEnabled(True)
        self._save.setEnabled(True)
        if self._kind in _PRETTY_KINDS:
            self._start_pretty()
        if self._kind == "image":
            self._preview.load(self._store.path, self._store.size)

    def clear(self) -> None:
        """No body: cancel the jobs, delete the temporary files, empty the views."""
        self._raw.set_store(None)
        self._pretty.set_store(None)
        self._hex.set_store(None)
        self._preview.clear("No image")
        self._find.set_store(None)
        self._owned.release()
        self._store = self._pretty_store = None
        self._pretty_job = self._save_job = None
        self._poll.stop()
        self._kind = "text"
        self._sniffed = True
        self._chosen = None
        self._note.setText("")
        self._say("")
        self._copy.setEnabled(False)
        self._save.setEnabled(False)
        self._apply_kind()

    def cancel_formatting(self) -> None:
        """Stop the pretty-printer (Pretty keeps showing the raw text)."""
        if self._pretty_job is not None:
            self._pretty_job.cancel()

    def open_find(self) -> None:
        """Show the find bar (Ctrl+F), over the Pretty or Raw text, or the Hex dump."""
        if self._mode == "preview":
            self.set_mode("raw")
        self._find.open()

    def set_mode(self, mode: str) -> None:
        """Show ``mode`` (one of ``MODES``) if this body has it."""
        if mode in MODES and self._buttons[mode].isEnabled():
            self._show_mode(mode)

    def _show_mode(self, mode: str) -> None:
        previous = self._text_view()
        self._mode = mode
        self._buttons[mode].setChecked(True)
        page = self._pages[mode]
        self._stack.setCurrentWidget(page)
        if isinstance(page, LargeTextView | HexView):
            page.refresh()
        if previous is not self._text_view():
            previous.highlight_matches(())
        searched = self._store if mode in ("hex", "preview") else self._text_view().store
        if self._find.store is not searched:
            self._find.set_store(searched)
        self._show_matches()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._activity.touch()       # the workers step aside while someone scrolls
        return super().eventFilter(watched, event)

    # -- kinds and modes -----------------------------------------------------------------------

    def _lexer(self) -> str:
        return self._kind if self._kind in _PRETTY_KINDS else "text"

    def _sniff(self) -> None:
        assert self._store is not None
        self._sniffed = True
        kind = detect_kind(self._content_type, self._store.read(0, 4096))
        if kind != self._kind:
            self._kind = kind
            for view in (self._raw, self._pretty):
                view.set_lexer(self._lexer())
            self._apply_kind()

    def _apply_kind(self) -> None:
        body = self._store is not None
        enabled = {"pretty": body and self._kind in _PRETTY_KINDS, "raw": body, "hex": body,
                   "preview": body and self._kind == "image"}
        for mode, button in self._buttons.items():
            button.setEnabled(enabled[mode])
        if not body:
            mode = "raw"
        elif self._chosen is not None and enabled[self._chosen]:
            mode = self._chosen
        else:
            mode = _DEFAULT_MODE[self._kind]
        self._show_mode(mode)

    def _choose(self, mode: str) -> None:
        self._chosen = mode
        self.set_mode(mode)

    def _text_view(self) -> LargeTextView:
        return self._pretty if self._mode == "pretty" else self._raw

    # -- find ----------------------------------------------------------------------------------

    def _show_matches(self) -> None:
        if self._mode in ("pretty", "raw"):
            self._text_view().highlight_matches(self._find.matches, self._find.current)

    def _show_current(self, index: int) -> None:
        if self._mode == "hex":
            if 0 <= index < len(self._find.matches):
                match = self._find.matches[index]
                self._hex.scroll_to_offset(match.offset, match.length)
            return
        self._text_view().set_current_match(index)

    # -- pretty-printing -----------------------------------------------------------------------

    def _start_pretty(self) -> None:
        assert self._store is not None
        job: BodyJob[BodyStore] = BodyJob(
            partial(_format, self._kind, self._store, self._activity), name="pretty-print")
        self._pretty_job = job.start()
        self._owned.jobs.append(job)
        self._note.setText("Formatting… <a href='cancel'>Cancel</a>")
        self._poll.start()

    def _note_link(self, link: str) -> None:
        if link == "cancel":
            self.cancel_formatting()
        elif link == "format" and self._store is not None and self._pretty_job is None:
            self._start_pretty()
        elif link == "cancel-save" and self._save_job is not None:
            self._save_job.cancel()

    def _pretty_done(self, job: BodyJob[BodyStore]) -> None:
        self._pretty_job = None
        if job.error is None and job.result is not None:
            self._owned.stores.append(job.result)
            self._pretty_store = job.result
            self._note.setText("")
            self._swap_in_pretty(job.result)
        elif isinstance(job.error, JobCancelled):
            self._note.setText("Formatting cancelled. <a href='format'>Format</a>")
        elif isinstance(job.error, PrettyError):
            self._note.setText(_escape(str(job.error)))
        else:
            self._note.setText(_escape(f"Could not format the body: {job.error}"))

    def _swap_in_pretty(self, store: BodyStore) -> None:
        """Show the formatted body in Pretty, near the same place in the body."""
        view = self._pretty
        top = view.top_line()
        offset = view.store.line_offset(top) if view.store is not None and top else 0
        source_size = self._store.size if self._store is not None else 0
        view.set_store(store, self._lexer())
        if offset and source_size:
            view.scroll_to_line(store.line_at(int(store.size * offset / source_size)))
        if self._mode == "pretty":
            self._find.set_store(store)

    # -- copy and save -------------------------------------------------------------------------

    def copy_body(self) -> None:
        """Copy the whole body: text up to ``COPY_CAP``, an image as an image, other binary
        bodies as hex (up to 4 MiB of them)."""
        store = self._store
        if store is None or not store.size:
            return
        clipboard = QGuiApplication.clipboard()
        if self._kind == "image" and not self._preview.image.isNull():
            clipboard.setImage(self._preview.image)
            self._say(f"Copied the image ({human_size(store.size)}).")
            return
        cap = _HEX_COPY_CAP if self._kind in ("binary", "image") else COPY_CAP
        data = store.read(0, min(store.size, cap))
        if self._kind in ("binary", "image"):
            clipboard.setText(data.hex(" "))
        else:
            clipboard.setText(data.decode("utf-8", "replace"))
        what = "as hex " if self._kind in ("binary", "image") else ""
        if store.size > cap:
            self._say(f"Copied the first {cap >> 20} MiB {what}of {human_size(store.size)}.")
        else:
            self._say(f"Copied {human_size(store.size)} {what}".rstrip() + ".")

    def choose_save_path(self) -> None:
        """Ask where to save the body (a non-blocking dialog), then save it there."""
        if self._store is None:
            return
        dialog = QFileDialog(self, "Save body")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(_suggested_name(self._kind))
        dialog.fileSelected.connect(self.save_to)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def save_to(self, path: str) -> None:
        """Copy the body to ``path`` in a worker thread; progress and errors show here."""
        if self._store is None:
            return
        if self._save_job is not None:
            self._save_job.cancel()
        job: BodyJob[int] = BodyJob(partial(_save, self._store, path), name="save-body")
        self._save_job = job.start()
        self._save_path = path
        self._owned.jobs.append(job)
        self._say("Saving…")
        self._poll.start()

    def _save_done(self, job: BodyJob[int]) -> None:
        self._save_job = None
        path = self._save_path
        if job.error is None:
            self._say(f"Saved {human_size(job.result or 0)} to {Path(path).name}.")
            self._message.setToolTip(path)
            self.saved.emit(path)
        elif isinstance(job.error, JobCancelled):
            self._say("Save cancelled.")
        elif isinstance(job.error, OSError):
            reason = job.error.strerror or str(job.error)
            self._say(f"Could not save to {path}: {reason}.", error=True)
        else:
            self._say(f"Could not save to {path}: {job.error}", error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self._message.setText(text)
        self._message.setStyleSheet("color: #c62828;" if error else "")

    # -- jobs ----------------------------------------------------------------------------------

    def _collect(self) -> None:
        job = self._pretty_job
        if job is not None:
            done = job.done
            progress = [item for item in job.take() if isinstance(item, tuple)]
            if done:
                self._owned.jobs.remove(job)
                self._pretty_done(job)
            elif progress:
                finished, total = progress[-1]
                percent = f" {100 * finished // total}%" if total else ""
                self._note.setText(f"Formatting…{percent} <a href='cancel'>Cancel</a>")
        save = self._save_job
        if save is not None:
            done = save.done
            progress = [item for item in save.take() if isinstance(item, tuple)]
            if done:
                self._owned.jobs.remove(save)
                self._save_done(save)
            elif progress:
                finished, total = progress[-1]
                self._say(f"Saving… {100 * finished // max(1, total)}%")
        if self._pretty_job is None and self._save_job is None:
            self._poll.stop()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _suggested_name(kind: Kind) -> str:
    suffix = {"json": ".json", "xml": ".xml", "html": ".html", "text": ".txt"}.get(kind, ".bin")
    return f"response{suffix}"
