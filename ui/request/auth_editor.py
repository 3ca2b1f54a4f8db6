"""The auth tab: every kind of auth the request library has, each with its own fields (OAuth
2.0's, with its token panel, on a page of its own: ``ui.request.oauth2_page``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.model.request import AuthKind, AuthModel
from ui.request.oauth2_page import OAuth2Page
from ui.request.secret_field import SecretField

__all__ = ["AuthEditor"]

_KINDS = (
    (AuthKind.NONE, "No auth", "The request is sent without credentials."),
    (AuthKind.BASIC, "Basic", "Sends Authorization: Basic with the user name and password "
     "(RFC 7617)."),
    (AuthKind.BEARER, "Bearer token", "Sends Authorization: Bearer with the token "
     "(OAuth 2.0 access tokens, JWTs)."),
    (AuthKind.API_KEY, "API key", "Sends the key as a header or as a query parameter."),
    (AuthKind.DIGEST, "Digest", "Answers the server's Digest challenge (RFC 7616, MD5 or "
     "SHA-256); the password itself is never sent."),
    (AuthKind.BACKENDAI, "Backend.AI", "Signs every request, redirect and reconnect with "
     "HMAC as a Backend.AI manager checks it."),
    (AuthKind.OAUTH2, "OAuth 2.0", "Gets a token from the token endpoint, sends it as "
     "Authorization: Bearer, refreshes it when it expires; the token is kept in the "
     "keyring."),
    (AuthKind.AWS_SIGV4, "AWS Signature V4", "Signs every request as AWS services check it "
     "(AWS4-HMAC-SHA256), the body's hash and a session token included."),
)


class AuthEditor(QWidget):
    """Picks the auth kind and edits its fields; secrets are masked with a reveal button.

    The fields of every kind are kept while another kind is picked (Basic and Digest share the
    user name and password). ``{{variables}}`` may be used in any field. :attr:`changed`
    reports user edits; :meth:`load_model` is silent.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox()
        self.kind_box.setToolTip("How this request proves who is sending it")
        for kind, label, _ in _KINDS:
            self.kind_box.addItem(label, kind)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setEnabled(False)

        self.username = self._line("User name", "The user name, e.g. alice or {{user}}")
        self.password = SecretField("Password")
        self.password.setToolTip("The password (masked; the eye button shows it)")
        self.token = SecretField("Token")
        self.token.setToolTip("The bearer token, without the word Bearer")
        self.key_name = self._line("X-API-Key", "The header or query parameter name")
        self.key_value = SecretField("Key")
        self.key_value.setToolTip("The API key (masked; the eye button shows it)")
        self.key_location = QComboBox()
        self.key_location.addItem("Header", "header")
        self.key_location.addItem("Query parameter", "query")
        self.key_location.setToolTip("Where the key is sent")
        self.access_key = self._line("Access key", "The access key (AKIA…)")
        self.secret_key = SecretField("Secret key")
        self.secret_key.setToolTip("The secret key (masked; the eye button shows it)")
        self.region = self._line("us-east-1", "The AWS region signed for")
        self.service = self._line("s3", "The AWS service signed for (s3, execute-api, es…)")
        self.session_token = SecretField("Session token (optional)")
        self.session_token.setToolTip("The session token of temporary credentials, sent as "
                                      "X-Amz-Security-Token (masked)")
        self.oauth2 = OAuth2Page()
        self.api_version = self._line("v9.20250722", "Sent as X-BackendAI-Version and signed")
        self.hash_type = QComboBox()
        self.hash_type.setEditable(True)
        self.hash_type.addItems(["sha256", "sha1", "sha512"])
        self.hash_type.setToolTip("The HMAC hash of the signature")
        self.domain = self._line("default", "Sent as X-BackendAI-Domain")

        self._form = QFormLayout()
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow("Type", self.kind_box)
        self._form.addRow("", self.description)
        self._rows: dict[QWidget, tuple[AuthKind, ...]] = {}
        basic = (AuthKind.BASIC, AuthKind.DIGEST)
        for label, widget, kinds in (
            ("User name", self.username, basic),
            ("Password", self.password, basic),
            ("Token", self.token, (AuthKind.BEARER,)),
            ("Key name", self.key_name, (AuthKind.API_KEY,)),
            ("Key value", self.key_value, (AuthKind.API_KEY,)),
            ("Add to", self.key_location, (AuthKind.API_KEY,)),
            ("Access key", self.access_key, (AuthKind.BACKENDAI, AuthKind.AWS_SIGV4)),
            ("Secret key", self.secret_key, (AuthKind.BACKENDAI, AuthKind.AWS_SIGV4)),
            ("Region", self.region, (AuthKind.AWS_SIGV4,)),
            ("Service", self.service, (AuthKind.AWS_SIGV4,)),
            ("Session token", self.session_token, (AuthKind.AWS_SIGV4,)),
            ("API version", self.api_version, (AuthKind.BACKENDAI,)),
            ("Hash", self.hash_type, (AuthKind.BACKENDAI,)),
            ("Domain", self.domain, (AuthKind.BACKENDAI,)),
        ):
            self._form.addRow(label, widget)
            self._rows[widget] = kinds
        self._form.addRow(self.oauth2)
        self._rows[self.oauth2] = (AuthKind.OAUTH2,)

        column = QWidget()
        column.setMaximumWidth(620)
        column.setLayout(self._form)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(column, 1)
        row.addStretch(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addStretch(1)

        self._silent = False
        self.kind_box.currentIndexChanged.connect(self._on_kind_changed)
        for edit in (self.username, self.password, self.token, self.key_name, self.key_value,
                     self.access_key, self.secret_key, self.api_version, self.domain,
                     self.region, self.service, self.session_token):
            edit.textChanged.connect(self._emit)
        self.oauth2.changed.connect(self._emit)
        self.oauth2.grant_box.currentIndexChanged.connect(self._carry_credentials)
        self._credentials = (self.username, self.password)
        self.key_location.currentIndexChanged.connect(self._emit)
        self.hash_type.currentTextChanged.connect(self._emit)
        self.load_model(AuthModel())

    @staticmethod
    def _line(placeholder: str, tip: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tip)
        return edit

    def kind(self) -> AuthKind:
        """The kind picked in the selector."""
        return AuthKind(self.kind_box.currentData())

    def to_model(self) -> AuthModel:
        """Every field of every kind, and the picked kind."""
        model = AuthModel(
            kind=self.kind(),
            username=self.username.text(),
            password=self.password.text(),
            token=self.token.text(),
            key_name=self.key_name.text(),
            key_value=self.key_value.text(),
            key_location=str(self.key_location.currentData()),
            access_key=self.access_key.text(),
            secret_key=self.secret_key.text(),
            api_version=self.api_version.text(),
            hash_type=self.hash_type.currentText(),
            domain=self.domain.text(),
            region=self.region.text(),
            service=self.service.text(),
            session_token=self.session_token.text(),
        )
        self.oauth2.fill(model)
        user, password = self._credentials
        model.username, model.password = user.text(), password.text()
        return model

    def load_model(self, model: AuthModel) -> None:
        """Show ``model`` without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.kind_box.setCurrentIndex(self.kind_box.findData(model.kind))
            for edit, text in ((self.username, model.username), (self.password, model.password),
                               (self.token, model.token), (self.key_name, model.key_name),
                               (self.key_value, model.key_value),
                               (self.access_key, model.access_key),
                               (self.secret_key, model.secret_key),
                               (self.api_version, model.api_version),
                               (self.domain, model.domain), (self.region, model.region),
                               (self.service, model.service),
                               (self.session_token, model.session_token)):
                edit.setText(text)
            self.oauth2.load(model)
            location = self.key_location.findData(model.key_location)
            self.key_location.setCurrentIndex(max(location, 0))
            self.hash_type.setCurrentText(model.hash_type)
        finally:
            self._silent = False
        self._credentials = self._credential_fields()
        self._show_kind()

    def _credential_fields(self) -> tuple[QLineEdit, QLineEdit]:
        """The user name and password fields in use: the OAuth 2.0 page's for its password
        grant, Basic's otherwise (both edit the same two fields of the model)."""
        if self.kind() is AuthKind.OAUTH2 and self.oauth2.grant() == "password":
            return self.oauth2.username, self.oauth2.password
        return self.username, self.password

    def _carry_credentials(self) -> None:
        """The user name and password typed go with the user to the fields now in use."""
        fields = self._credential_fields()
        if fields != self._credentials:
            was_silent, self._silent = self._silent, True
            try:
                for old, new in zip(self._credentials, fields, strict=True):
                    new.setText(old.text())
            finally:
                self._silent = was_silent
            self._credentials = fields

    def _on_kind_changed(self) -> None:
        self._carry_credentials()
        self._show_kind()
        self._emit()

    def _show_kind(self) -> None:
        kind = self.kind()
        self.description.setText(next(text for k, _, text in _KINDS if k is kind))
        for widget, kinds in self._rows.items():
            self._form.setRowVisible(widget, kind in kinds)

    def _emit(self) -> None:
        if not self._silent:
            self.changed.emit()
