"""Tools ▸ Network…: the window's proxy and its client certificates per host (SPEC 7.3).

The values and their checks are :class:`~app.model.network_settings.NetworkSettings`; the
proxy's password and the passphrases go to the keyring through the window's
:class:`~ui.network_control.NetworkControl`, never to the settings file. Each certificate is
opened with its passphrase before the dialog closes ("Check" does it at once), so a wrong
passphrase or a key that is not the certificate's is said here, naming the file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.network_settings import (
    HostCertificate,
    NetworkSecrets,
    NetworkSettings,
    proxy_url_problem,
)
from ui.network_control import NetworkControl
from ui.request.body.files import pick_files
from ui.request.tones import ERROR, OK, css
from ui.tasks import TaskRunner
from ui.window_state import WindowState

__all__ = ["CERT_COLUMNS", "NetworkDialog", "check_certificate"]

#: The columns of the certificates table.
CERT_COLUMNS = ("Host", "Certificate (PEM or PKCS#12)", "Key (PEM, if separate)", "Passphrase")
_HOST, _CERT, _KEY, _PASS = range(4)


def check_certificate(cert: HostCertificate, passphrase: str) -> str:
    """Why ``cert`` cannot be used with ``passphrase`` ("" when it can), naming the file:
    it is opened as a send would open it."""
    from app.client.errors import CertificateError
    from app.client.tls import ClientCertificate, ssl_context

    try:
        ssl_context(True, None, ClientCertificate(cert.cert, cert.key or None,
                                                   passphrase or None))
    except CertificateError as exc:
        return f"{cert.host}: {exc}"
    return ""


class NetworkDialog(QDialog):
    """Edits the proxy and the client certificates; OK keeps them and puts them in force."""

    def __init__(self, control: NetworkControl, state: WindowState, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Network")
        self.setMinimumWidth(720)
        self._control = control
        self._state = state
        #: Asks for a file; replaced in tests. The argument is the dialog's title.
        self.pick_file: Callable[[str], list[str]] = lambda title: pick_files(self, title)

        self.mode_none = QRadioButton("No proxy")
        self.mode_system = QRadioButton("System proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)")
        self.mode_manual = QRadioButton("Manual proxy")
        self._modes = QButtonGroup(self)
        for button in (self.mode_none, self.mode_system, self.mode_manual):
            self._modes.addButton(button)
            button.toggled.connect(self._refresh)
        self.proxy_url = QLineEdit()
        self.proxy_url.setPlaceholderText("http://proxy.example:3128 or socks5://host:1080")
        self.proxy_user = QLineEdit()
        self.proxy_password = QLineEdit()
        self.proxy_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password.setPlaceholderText("kept in the keyring")
        self.no_proxy = QLineEdit()
        self.no_proxy.setPlaceholderText("localhost, .internal.example, 10.0.0.1")
        self.proxy_url.textChanged.connect(self._refresh)
        proxy_box = QGroupBox("Proxy")
        proxy_form = QFormLayout(proxy_box)
        proxy_form.addRow(self.mode_none)
        proxy_form.addRow(self.mode_system)
        proxy_form.addRow(self.mode_manual)
        proxy_form.addRow("URL", self.proxy_url)
        proxy_form.addRow("User", self.proxy_user)
        proxy_form.addRow("Password", self.proxy_password)
        proxy_form.addRow("No proxy for", self.no_proxy)

        self.table = QTableWidget(0, len(CERT_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(CERT_COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Choose a certificate file (PEM or PKCS#12) for a host")
        self.add_button.clicked.connect(self._add_chosen)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_selected)
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Open each certificate with its passphrase now")
        self.check_button.clicked.connect(self.check)
        cert_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.check_button):
            cert_buttons.addWidget(button)
        cert_buttons.addStretch(1)
        cert_box = QGroupBox("Client certificates by host (*.example.com: its subdomains)")
        cert_column = QVBoxLayout(cert_box)
        cert_column.addWidget(self.table)
        cert_column.addLayout(cert_buttons)

        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(proxy_box)
        layout.addWidget(cert_box, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self.show_settings(control.settings, control.config.secrets)
        key = f"network dialog {id(self)} / secrets"
        runner.start(key, control.read_secrets(), on_result=self._show_secrets,
                     on_error=lambda exc: self._say(str(exc), ERROR))
        self.finished.connect(lambda _code: runner.cancel(key))  # no result for a closed one

    # -- the form ---------------------------------------------------------------------------

    def show_settings(self, settings: NetworkSettings, secrets: NetworkSecrets) -> None:
        """Put ``settings`` and their ``secrets`` in the form."""
        {"none": self.mode_none, "system": self.mode_system,
         "manual": self.mode_manual}[settings.proxy_mode].setChecked(True)
        self.proxy_url.setText(settings.proxy_url)
        self.proxy_user.setText(settings.proxy_user)
        self.no_proxy.setText(settings.no_proxy)
        self.table.setRowCount(0)
        for cert in settings.certificates:
            self.add_certificate(cert, secrets.passphrase(cert.host))
        self._show_secrets(secrets)
        self._refresh()

    def _show_secrets(self, secrets: NetworkSecrets) -> None:
        if secrets.proxy_password and not self.proxy_password.text():
            self.proxy_password.setText(secrets.proxy_password)
        for row in range(self.table.rowCount()):
            field = self._passphrase(row)
            phrase = secrets.passphrase(self._text(row, _HOST))
            if phrase and not field.text():
                field.setText(phrase)

    def add_certificate(self, cert: HostCertificate | None = None, passphrase: str = ""
                        ) -> int:
        """Add a row (empty, or showing ``cert``); returns its index."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = (cert.host, cert.cert, cert.key) if cert else ("", "", "")
        for column, value in zip((_HOST, _CERT, _KEY), values, strict=True):
            self.table.setItem(row, column, QTableWidgetItem(value))
        field = QLineEdit(passphrase)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setPlaceholderText("none")
        self.table.setCellWidget(row, _PASS, field)
        return row

    def _add_chosen(self) -> None:
        paths = self.pick_file("Choose a client certificate (PEM or PKCS#12)")
        if paths:
            row = self.add_certificate(HostCertificate("host.example", paths[0]))
            self.table.editItem(self.table.item(row, _HOST))

    def _remove_selected(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def _passphrase(self, row: int) -> QLineEdit:
        field = self.table.cellWidget(row, _PASS)
        assert isinstance(field, QLineEdit)
        return field

    def _refresh(self) -> None:
        manual = self.mode_manual.isChecked()
        for field in (self.proxy_url, self.proxy_user, self.proxy_password, self.no_proxy):
            field.setEnabled(manual)
        problem = proxy_url_problem(self.proxy_url.text()) if manual else ""
        self._say(problem, ERROR)

    def _say(self, text: str, colour: object = ERROR) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(css(colour) if text else "")  # type: ignore[arg-type]

    # -- the values -------------------------------------------------------------------------

    def value(self) -> tuple[NetworkSettings, NetworkSecrets]:
        """The settings and secrets the form holds; ValueError says what is wrong."""
        mode = ("manual" if self.mode_manual.isChecked() else
                "system" if self.mode_system.isChecked() else "none")
        certificates = []
        phrases = {}
        for row in range(self.table.rowCount()):
            host, cert, key = (self._text(row, c) for c in (_HOST, _CERT, _KEY))
            if not host and not cert and not key:
                continue  # a row added and left empty
            certificates.append(HostCertificate(host, cert, key))
            if phrase := self._passphrase(row).text():
                phrases[host.lower()] = phrase
        manual = mode == "manual"
        settings = NetworkSettings(
            proxy_mode=mode, proxy_url=self.proxy_url.text().strip(),
            proxy_user=self.proxy_user.text().strip(), no_proxy=self.no_proxy.text().strip(),
            certificates=tuple(certificates))
        password = self.proxy_password.text() if manual and settings.proxy_user else ""
        return settings, NetworkSecrets(password, phrases)

    def check(self) -> bool:
        """Check the form and open every certificate; say what is wrong (or that all is
        well) and return whether the settings can be kept."""
        try:
            settings, secrets = self.value()
        except ValueError as exc:
            self._say(str(exc), ERROR)
            return False
        problems = [p for cert in settings.certificates
                    if (p := check_certificate(cert, secrets.passphrase(cert.host)))]
        if problems:
            self._say("\n".join(problems), ERROR)
            return False
        count = len(settings.certificates)
        self._say(f"{count} certificate{'s' if count != 1 else ''} opened." if count
                  else "", OK)
        return True

    def accept(self) -> None:
        """Keep the settings (and their secrets in the keyring) when they check out."""
        if not self.check():
            return
        settings, secrets = self.value()
        self._state.network = settings
        self._control.apply(settings, secrets)
        super().accept()
