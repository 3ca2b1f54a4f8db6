"""The response pane: status line, body, headers and timings, or why there is no response."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.formatting import human_duration, human_rate, human_size
from ui.lazy_page import LazyPage, build_on_show
from ui.upload_progress import TransferMeter

if TYPE_CHECKING:
    from app.body.store import BodyStore
    from app.client.timings import Timings
    from ui.error_messages import ErrorText
    from ui.modes.http.controller import ResponseHead, ResponseSummary
    from ui.response.body_view import BodyView
    from ui.response.headers_view import HeadersView
    from ui.response.timing_waterfall import TimingWaterfall

__all__ = ["ResponsePane", "status_colour"]


def status_colour(status: int) -> str:
    """The colour of a status class: 2xx green, 3xx blue, 4xx amber, 5xx red."""
    if status < 200:
        return "#6b7280"
    if status < 300:
        return "#15803d"
    if status < 400:
        return "#1d4ed8"
    if status < 500:
        return "#b45309"
    return "#b91c1c"


class _Banner(QFrame):
    """An error or notice above the body: a title, a hint and the detail a developer needs."""

    retry = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.title = QLabel()
        self.title.setObjectName("bannerTitle")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setObjectName("bannerDetail")
        button = QPushButton("Retry")
        button.clicked.connect(self.retry)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.detail)

    def show_text(self, title: str, hint: str, detail: str, tone: str) -> None:
        colour = {"error": "#b91c1c", "notice": "#6b7280"}[tone]
        self.setStyleSheet(
            f"#banner {{ border: 1px solid {colour}; border-radius: 6px; }}"
            f"#bannerTitle {{ color: {colour}; font-weight: bold; font-size: 14px; }}"
        )
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.show()


class _TimingPage(QWidget):
    """The Timing tab: the waterfall, and the redirects followed below it."""

    def __init__(self, waterfall: TimingWaterfall, redirects: QLabel) -> None:
        super().__init__()
        self.waterfall = waterfall
        self.redirects = redirects
        layout = QVBoxLayout(self)
        layout.addWidget(waterfall)
        layout.addWidget(redirects)
        layout.addStretch(1)


class ResponsePane(QWidget):
    """Shows one exchange as it happens: sending, receiving, done, failed or cancelled."""

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel()
        self.status.setObjectName("statusChip")
        self.meta = QLabel()
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(self.status)
        head.addWidget(self.meta, 1)

        self.banner = _Banner()
        self.banner.retry.connect(self.retry_requested)
        self.banner.hide()

        # The pages are built when first shown (ui.lazy_page): the body with the first
        # response, the headers and timings when their tab is opened; until then the pane
        # keeps what they would show.
        self._header_rows: list[tuple[str, str]] = []
        self._timings: Timings | None = None
        self._redirects = ""
        self._body = LazyPage(self._build_body)
        self._headers = LazyPage(self._build_headers)
        self._timing: LazyPage[_TimingPage] = LazyPage(self._build_timing)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._body, "Body")
        self.tabs.addTab(self._headers, "Headers")
        self.tabs.addTab(self._timing, "Timing")
        build_on_show(self.tabs, now=False)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setEnabled(False)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tabs)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)
        self._layout = layout

        self._meter = TransferMeter()
        self._received = 0
        self._last_meta = 0.0
        self._head: ResponseHead | None = None
        self.clear()

    def add_strip(self, strip: QWidget) -> None:
        """Show ``strip`` above the body (a GraphQL answer's errors and extensions); it
        shows and hides itself."""
        self._layout.insertWidget(self._layout.indexOf(self.stack), strip)

    # -- the pages, built on first use ----------------------------------------------------

    @property
    def body(self) -> BodyView:
        """The body page (built by asking)."""
        return self._body.page()

    @property
    def body_store(self) -> BodyStore | None:
        """Where the body shown is kept (None: no body, or none shown yet)."""
        body = self._body.built_page()
        return None if body is None else body.store

    @property
    def headers(self) -> HeadersView:
        """The headers page (built by asking)."""
        return self._headers.page()

    @property
    def waterfall(self) -> TimingWaterfall:
        """The timing page's waterfall (built by asking)."""
        return self._timing.page().waterfall

    @property
    def redirects(self) -> QLabel:
        """The timing page's redirects followed (built by asking)."""
        return self._timing.page().redirects

    def _build_body(self) -> BodyView:
        from ui.response.body_view import BodyView

        return BodyView()

    def _build_headers(self) -> HeadersView:
        from ui.response.headers_view import HeadersView

        view = HeadersView()
        view.set_headers(self._header_rows)
        return view

    def _build_timing(self) -> _TimingPage:
        from ui.response.timing_waterfall import TimingWaterfall

        waterfall = TimingWaterfall()
        waterfall.set_timings(self._timings)
        redirects = QLabel(self._redirects)
        redirects.setWordWrap(True)
        redirects.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return _TimingPage(waterfall, redirects)

    def clear_body(self) -> None:
        """Let go of the body shown and its temporary file (the tab is closing)."""
        if (body := self._body.built_page()) is not None:
            body.clear()

    def _set_headers(self, rows: list[tuple[str, str]]) -> None:
        self._header_rows = rows
        if (view := self._headers.built_page()) is not None:
            view.set_headers(rows)

    def _set_timings(self, timings: Timings | None) -> None:
        self._timings = timings
        if self._timing.is_built:
            self.waterfall.set_timings(timings)

    def _set_redirects(self, text: str) -> None:
        self._redirects = text
        if self._timing.is_built:
            self.redirects.setText(text)

    # -- states ---------------------------------------------------------------------------

    IDLE = ("<p style='font-size:15px'>Send a request to see its response here.</p>"
            "<p>Ctrl+Enter sends · Esc cancels · Ctrl+L goes to the URL</p>")
    WAITING = ("<p style='font-size:15px'>Waiting for the response…</p>"
               "<p>Esc cancels</p>")

    def clear(self) -> None:
        self.empty.setText(self.IDLE)
        self._head = None
        self.status.hide()
        self.meta.clear()
        self.banner.hide()
        if (body := self._body.built_page()) is not None:
            body.clear()
        self._set_headers([])
        self._set_timings(None)
        self._set_redirects("")
        self.tabs.setTabText(1, "Headers")
        self.stack.setCurrentWidget(self.empty)

    def show_sending(self) -> None:
        self.clear()
        self.empty.setText(self.WAITING)
        self._set_status("Sending…", "#6b7280")
        self.meta.setText("")

    def show_head(self, head: ResponseHead) -> None:
        self._head = head
        self._received = 0
        self._meter.reset()
        self.banner.hide()
        self._set_status(f"{head.status} {head.reason}".strip(), status_colour(head.status))
        self.meta.setText(head.http_version)
        self._set_headers(head.headers)
        self.tabs.setTabText(1, f"Headers ({len(head.headers)})")
        if head.history:
            hops = "<br>".join(f"{status} → {url}" for status, url in head.history)
            self._set_redirects(f"<b>Redirects followed</b><br>{hops}<br>Final: {head.url}")
        self.body.begin(head.content_type)
        self.stack.setCurrentWidget(self.tabs)

    def append_body(self, chunk: bytes) -> None:
        self.body.append(chunk)

    def show_download(self, received: int, total: int | None) -> None:
        self._received = received
        self._meter.add(received)
        now = time.perf_counter()
        if now - self._last_meta < 1 / 15:
            return
        self._last_meta = now
        rate = self._meter.rate()
        text = f"Receiving {human_size(received)}"
        if total:
            text += f" of {human_size(total)}"
        if rate:
            text += f" · {human_rate(rate)}"
        self.meta.setText(text)

    def show_finished(self, summary: ResponseSummary) -> None:
        self.body.finish()
        total = summary.timings.total or summary.elapsed
        parts = [human_duration(total), human_size(summary.size), summary.head.http_version]
        self.meta.setText(" · ".join(p for p in parts if p))
        self.meta.setToolTip(summary.head.url)
        self._set_timings(summary.timings)

    def show_error(self, text: ErrorText, had_response: bool) -> None:
        if had_response and (body := self._body.built_page()) is not None:
            body.finish()
        else:
            self.clear()
            self.empty.setText("")  # the banner says it all
        self._set_status(text.title, "#b91c1c")
        self.banner.show_text(text.title, text.hint, text.detail, "error")

    def show_cancelled(self) -> None:
        if self._head is not None and (body := self._body.built_page()) is not None:
            body.finish()
        self._set_status("Cancelled", "#6b7280")
        received = f" after {human_size(self._received)} of the body" if self._head else ""
        self.banner.show_text("Request cancelled", f"The transfer was stopped{received}.", "",
                              "notice")

    def open_find(self) -> None:
        self.tabs.setCurrentWidget(self._body)
        self.body.open_find()

    def _set_status(self, text: str, colour: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(
            f"#statusChip {{ background: {colour}; color: white; border-radius: 4px;"
            " padding: 2px 8px; font-weight: bold; }"
        )
        self.status.show()

    @property
    def status_text(self) -> str:
        return self.status.text() if self.status.isVisible() or self.status.text() else ""
