"""The options tab: timeouts, redirects, TLS verification and a CA bundle for this request."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.model.request import RequestOptions
from ui.request.body.files import file_size, pick_files
from ui.request.tones import ERROR, WARNING, css

__all__ = ["TLS_WARNING", "OptionsEditor", "TimeoutBox"]

TLS_WARNING = ("TLS certificates are not checked: anyone on the network path can read and "
               "change this traffic")


class TimeoutBox(QDoubleSpinBox):
    """Seconds, shown without trailing zeros; 0 reads "No timeout"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 86_400)
        self.setDecimals(3)
        self.setSingleStep(1)
        self.setSuffix(" s")
        self.setSpecialValueText("No timeout")
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:
        return self.locale().toString(value, "g", 9)


class OptionsEditor(QWidget):
    """Edits :class:`~app.model.request.RequestOptions`. Unticking "Verify TLS certificates" shows a
    warning in amber for as long as it stays off. :attr:`changed` reports user edits;
    :meth:`load_model` is silent."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Asks for a file; replaced in tests. The argument is the dialog's title.
        self.pick_file: Callable[[str], list[str]] = lambda title: pick_files(self, title)
        self.timeout = TimeoutBox()
        self.timeout.setMaximumWidth(180)
        self.timeout.setToolTip("Seconds to wait for the connection and for each read; "
                                "0 waits for ever")
        self.total_timeout = TimeoutBox()
        self.total_timeout.setMaximumWidth(180)
        self.total_timeout.setSpecialValueText("No deadline")
        self.total_timeout.setToolTip("Seconds for the whole exchange, the response body "
                                      "included (a stream: until it is open); 0 has no "
                                      "deadline")
        self.follow_redirects = QCheckBox("Follow redirects")
        self.follow_redirects.setToolTip("Follow 3xx responses to their Location "
                                         "(up to 20 hops)")
        self.verify_tls = QCheckBox("Verify TLS certificates")
        self.verify_tls.setToolTip("Check that the server's certificate is valid for its host")
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(16))
        text = QLabel(TLS_WARNING)
        text.setWordWrap(True)
        text.setStyleSheet(css(WARNING))
        self.tls_warning = QWidget()
        warning_row = QHBoxLayout(self.tls_warning)
        warning_row.setContentsMargins(0, 0, 0, 0)
        warning_row.addWidget(icon)
        warning_row.addWidget(text, 1)
        self.tls_warning_label = text

        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText("System certificates")
        self.ca_file.setToolTip("A PEM bundle of extra certificate authorities to trust "
                                "(e.g. a company CA)")
        self.ca_file.setClearButtonEnabled(True)
        self.ca_choose_button = QPushButton("Choose…")
        self.ca_choose_button.setToolTip("Choose a PEM file of CA certificates")
        self.ca_choose_button.clicked.connect(self._choose_ca)
        self.ca_status = QLabel()
        self.ca_status.setStyleSheet(css(ERROR))
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.ca_choose_button)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Timeout", self.timeout)
        form.addRow("Total deadline", self.total_timeout)
        form.addRow("", self.follow_redirects)
        form.addRow("", self.verify_tls)
        form.addRow("", self.tls_warning)
        form.addRow("CA file", ca_row)
        form.addRow("", self.ca_status)
        column = QWidget()
        column.setMaximumWidth(620)
        column.setLayout(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(column)
        layout.addStretch(1)

        self._silent = False
        self.timeout.valueChanged.connect(self._emit)
        self.total_timeout.valueChanged.connect(self._emit)
        self.follow_redirects.toggled.connect(self._emit)
        self.verify_tls.toggled.connect(self._emit)
        self.ca_file.textChanged.connect(self._emit)
        self.load_model(RequestOptions())

    def to_model(self) -> RequestOptions:
        """The options as set (a timeout of 0 is None: no timeout)."""
        seconds = self.timeout.value()
        return RequestOptions(timeout=seconds or None,
                              total_timeout=self.total_timeout.value() or None,
                              follow_redirects=self.follow_redirects.isChecked(),
                              verify_tls=self.verify_tls.isChecked(),
                              ca_file=self.ca_file.text().strip())

    def load_model(self, model: RequestOptions) -> None:
        """Show ``model`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.timeout.setValue(model.timeout or 0)
            self.total_timeout.setValue(model.total_timeout or 0)
            self.follow_redirects.setChecked(model.follow_redirects)
            self.verify_tls.setChecked(model.verify_tls)
            self.ca_file.setText(model.ca_file)
        finally:
            self._silent = False
        self._refresh()

    def is_default(self) -> bool:
        """Whether every option is as a new request has it."""
        return self.to_model() == RequestOptions()

    def _choose_ca(self) -> None:
        paths = self.pick_file("Choose a CA bundle (PEM)")
        if paths:
            self.ca_file.setText(paths[0])

    def _refresh(self) -> None:
        self.tls_warning.setVisible(not self.verify_tls.isChecked())
        path = self.ca_file.text().strip()
        missing = bool(path) and file_size(path) is None
        self.ca_status.setText(f"File not found: {path}" if missing else "")
        self.ca_status.setVisible(missing)

    def _emit(self) -> None:
        self._refresh()
        if not self._silent:
            self.changed.emit()
