"""The options tab: timeouts, redirects, TLS verification, a CA bundle, and this request's own
proxy and client certificate (else the window's, Tools ▸ Network…)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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

from app.model.compose_grpc import resolve_paths
from app.model.request import OPTION_CERT_MODES, OPTION_PROXY_MODES, RequestOptions
from app.model.templating import VARIABLE, names_a_variable
from ui.request.body.files import file_size, pick_files
from ui.request.tones import ERROR, WARNING, css

__all__ = ["CERT_CHOICES", "PROXY_CHOICES", "TLS_WARNING", "OptionsEditor", "TimeoutBox"]

#: The proxy menu's entries, in the order of :data:`OPTION_PROXY_MODES`.
PROXY_CHOICES = ("The window's (Tools ▸ Network…)", "No proxy", "This proxy")
#: The client certificate menu's entries, in the order of :data:`OPTION_CERT_MODES`.
CERT_CHOICES = ("The window's for the host", "None", "These files")

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
        #: The folder a relative CA path is under, as the request finds it (its workspace's).
        self.workspace_root: Callable[[], Path | None] = lambda: None
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
        self.ca_status.setWordWrap(True)  # a long path must not widen the window
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(self.ca_choose_button)

        self.proxy_mode = QComboBox()
        self.proxy_mode.addItems(list(PROXY_CHOICES))
        self.proxy_url = QLineEdit()
        self.proxy_url.setPlaceholderText("http://proxy:3128, socks5://host:1080; "
                                          "a password only as {{variable}}")
        self.cert_mode = QComboBox()
        self.cert_mode.addItems(list(CERT_CHOICES))
        self.client_cert = QLineEdit()
        self.client_cert.setPlaceholderText("Certificate: PEM, or PKCS#12 (.p12, .pfx)")
        self.cert_choose_button = QPushButton("Choose…")
        self.cert_choose_button.clicked.connect(
            lambda: self._choose(self.client_cert, "Choose a client certificate"))
        self.client_key = QLineEdit()
        self.client_key.setPlaceholderText("Key (PEM), if not in the certificate's file")
        self.key_choose_button = QPushButton("Choose…")
        self.key_choose_button.clicked.connect(
            lambda: self._choose(self.client_key, "Choose the private key"))
        self.client_cert_passphrase = QLineEdit()
        self.client_cert_passphrase.setPlaceholderText(
            "{{variable}} (a secret one is kept in the keyring)")
        self.network_status = QLabel()
        self.network_status.setWordWrap(True)
        self.network_status.setStyleSheet(css(ERROR))
        cert_row = QHBoxLayout()
        cert_row.setContentsMargins(0, 0, 0, 0)
        cert_row.addWidget(self.client_cert, 1)
        cert_row.addWidget(self.cert_choose_button)
        key_row = QHBoxLayout()
        key_row.setContentsMargins(0, 0, 0, 0)
        key_row.addWidget(self.client_key, 1)
        key_row.addWidget(self.key_choose_button)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Timeout", self.timeout)
        form.addRow("Total deadline", self.total_timeout)
        form.addRow("", self.follow_redirects)
        form.addRow("", self.verify_tls)
        form.addRow("", self.tls_warning)
        form.addRow("CA file", ca_row)
        form.addRow("", self.ca_status)
        form.addRow("Proxy", self.proxy_mode)
        form.addRow("", self.proxy_url)
        form.addRow("Client certificate", self.cert_mode)
        form.addRow("", cert_row)
        form.addRow("", key_row)
        form.addRow("Passphrase", self.client_cert_passphrase)
        form.addRow("", self.network_status)
        self._form = form
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
        for box in (self.proxy_mode, self.cert_mode):
            box.currentIndexChanged.connect(self._emit)
        for line in (self.proxy_url, self.client_cert, self.client_key,
                     self.client_cert_passphrase):
            line.textChanged.connect(self._emit)
        self.load_model(RequestOptions())

    def to_model(self) -> RequestOptions:
        """The options as set (a timeout of 0 is None: no timeout)."""
        seconds = self.timeout.value()
        return RequestOptions(timeout=seconds or None,
                              total_timeout=self.total_timeout.value() or None,
                              follow_redirects=self.follow_redirects.isChecked(),
                              verify_tls=self.verify_tls.isChecked(),
                              ca_file=self.ca_file.text().strip(),
                              proxy_mode=OPTION_PROXY_MODES[self.proxy_mode.currentIndex()],
                              proxy_url=self.proxy_url.text().strip(),
                              client_cert_mode=OPTION_CERT_MODES[self.cert_mode.currentIndex()],
                              client_cert=self.client_cert.text().strip(),
                              client_key=self.client_key.text().strip(),
                              client_cert_passphrase=self.client_cert_passphrase.text().strip())

    def load_model(self, model: RequestOptions) -> None:
        """Show ``model`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.timeout.setValue(model.timeout or 0)
            self.total_timeout.setValue(model.total_timeout or 0)
            self.follow_redirects.setChecked(model.follow_redirects)
            self.verify_tls.setChecked(model.verify_tls)
            self.ca_file.setText(model.ca_file)
            self.proxy_mode.setCurrentIndex(_index(OPTION_PROXY_MODES, model.proxy_mode))
            self.proxy_url.setText(model.proxy_url)
            self.cert_mode.setCurrentIndex(_index(OPTION_CERT_MODES, model.client_cert_mode))
            self.client_cert.setText(model.client_cert)
            self.client_key.setText(model.client_key)
            self.client_cert_passphrase.setText(model.client_cert_passphrase)
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

    def _choose(self, line: QLineEdit, title: str) -> None:
        paths = self.pick_file(title)
        if paths:
            line.setText(paths[0])

    def _network_problem(self) -> str:
        """What is wrong with this request's own proxy or certificate ("" when nothing)."""
        from urllib.parse import urlsplit

        problems = []
        if self.proxy_mode.currentIndex() == OPTION_PROXY_MODES.index("url"):
            url = self.proxy_url.text().strip()
            try:
                password = urlsplit(url if "://" in url else "http://" + url).password
            except ValueError:
                password = None
            if not url:
                problems.append("Enter the proxy's URL")
            elif password and not names_a_variable(password):
                problems.append("Write the proxy's password as a {{variable}}: the options "
                                "are saved in the request's file")
        if self.cert_mode.currentIndex() == OPTION_CERT_MODES.index("files"):
            phrase = self.client_cert_passphrase.text().strip()
            path = self.client_cert.text().strip()
            if not path:
                problems.append("Choose the certificate file")
            elif "{{" not in path and file_size(path) is None:
                problems.append(f"File not found: {path}")
            if phrase and not names_a_variable(phrase):
                problems.append("Write the passphrase as a {{variable}}: the options are "
                                "saved in the request's file")
        return "\n".join(problems)

    def hide_rows(self, names: Iterable[str]) -> None:
        """Hide the rows named (``timeouts``: Timeout and Total deadline; ``redirects``),
        show the others: a way of sending that has no use for them (gRPC has its own
        deadline and no redirects). Their values are kept."""
        hidden = set(names)
        for widget, name in ((self.timeout, "timeouts"), (self.total_timeout, "timeouts"),
                             (self.follow_redirects, "redirects")):
            self._form.setRowVisible(widget, name not in hidden)

    def _refresh(self) -> None:
        own_proxy = self.proxy_mode.currentIndex() == OPTION_PROXY_MODES.index("url")
        self.proxy_url.setVisible(own_proxy)
        own_cert = self.cert_mode.currentIndex() == OPTION_CERT_MODES.index("files")
        for widget in (self.client_cert, self.cert_choose_button, self.client_key,
                       self.key_choose_button, self.client_cert_passphrase):
            widget.setVisible(own_cert)
        form = self.client_cert_passphrase.parentWidget()
        label = form.layout().labelForField(self.client_cert_passphrase) if form else None
        if isinstance(label, QWidget):
            label.setVisible(own_cert)
        problem = self._network_problem()
        self.network_status.setText(problem)
        self.network_status.setVisible(bool(problem))
        self.tls_warning.setVisible(not self.verify_tls.isChecked())
        path = self.ca_file.text().strip()
        # One with a {{variable}} is found when the request is sent (the send says if not).
        missing = bool(path) and not VARIABLE.search(path) and file_size(
            resolve_paths([path], self.workspace_root())[0]) is None
        self.ca_status.setText(f"File not found: {path}" if missing else "")
        self.ca_status.setVisible(missing)

    def _emit(self) -> None:
        self._refresh()
        if not self._silent:
            self.changed.emit()


def _index(choices: tuple[str, ...], value: str) -> int:
    """Where ``value`` is among ``choices`` (an unknown one shows as the first, the default)."""
    return choices.index(value) if value in choices else 0
