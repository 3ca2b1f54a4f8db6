"""The OAuth 2.0 page of the auth tab: the grant, the fields that grant uses, and the token.

The page only shows and edits: "Get new token", "Refresh" and "Clear" are signals, and the
token's details come back through :meth:`OAuth2Page.show_token` (the work runs in
``ui.request.oauth_tokens``, off the UI thread). The password grant's user name and password
are the request's own (``AuthModel.username``/``password``), as Basic auth's are: the page has
its own fields for them, and the auth editor carries the text over when the user switches.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.model.request import OAUTH2_GRANTS, AuthModel
from ui.request.secret_field import SecretField

if TYPE_CHECKING:  # the library (and aiohttp) loads on first send, not with the editor
    from app.client.oauth2 import TokenSet

__all__ = ["GRANT_LABELS", "OAuth2Page"]

GRANT_LABELS = {
    "client_credentials": "Client credentials",
    "password": "Password",
    "authorization_code": "Authorization code (browser sign-in)",
    "device_code": "Device code",
}
assert set(GRANT_LABELS) == set(OAUTH2_GRANTS)


def _line(placeholder: str, tip: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tip)
    return edit


def _expiry_text(expires_at: float | None, now: float) -> str:
    if expires_at is None:
        return "no expiry given (used until the server refuses it)"
    when = datetime.fromtimestamp(expires_at).strftime("%Y-%m-%d %H:%M:%S")
    left = expires_at - now
    if left <= 0:
        return f"{when} (expired; the next send refreshes it)"
    minutes = int(left // 60)
    return f"{when} (in {minutes} min)" if minutes else f"{when} (in {int(left)} s)"


class OAuth2Page(QWidget):
    """The OAuth 2.0 fields and token panel. :attr:`changed` reports edits (not loads)."""

    changed = Signal()
    #: "Get new token" (False) or "Refresh" (True) was clicked.
    token_requested = Signal(bool)
    clear_requested = Signal()
    #: The user stopped the grant being run (a sign-in not completed, a device not approved).
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grant_box = QComboBox()
        for grant in OAUTH2_GRANTS:
            self.grant_box.addItem(GRANT_LABELS[grant], grant)
        self.grant_box.setToolTip("How the token is obtained")
        self.token_url = _line("https://id.example.com/oauth/token",
                               "The token endpoint ({{variables}} allowed)")
        self.authorize_url = _line("https://id.example.com/oauth/authorize",
                                   "The sign-in page the browser opens")
        self.device_url = _line("https://id.example.com/oauth/device",
                                "The device authorization endpoint")
        self.client_id = _line("Client ID", "The application's client ID")
        self.client_secret = SecretField("Client secret")
        self.client_secret.setToolTip("The client secret (kept in the keyring, never in a "
                                      "file; masked, the eye button shows it)")
        self.scope = _line("read write", "The scopes asked for, separated by spaces")
        self.audience = _line("Audience (optional)", "Sent as audience where the server "
                                                     "wants one (Auth0 and others)")
        self.client_auth = QComboBox()
        self.client_auth.addItem("As Basic auth header", "basic")
        self.client_auth.addItem("In the request body", "body")
        self.client_auth.setToolTip("How the client secret is sent to the token endpoint")
        self.pkce = QCheckBox("Use PKCE (S256)")
        self.pkce.setToolTip("Proof Key for Code Exchange: keep it on unless the server "
                             "refuses it")
        self.username = _line("User name", "The resource owner's user name")
        self.password = SecretField("Password")
        self.password.setToolTip("The resource owner's password (masked)")

        self.get_button = QPushButton("Get new token")
        self.get_button.setToolTip("Run the grant now, without sending the request")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Renew the token with its refresh token")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget the token, here and in the keyring")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for the sign-in")
        self.cancel_button.hide()
        self.expiry = QLabel()
        self.expiry.setObjectName("tokenExpiry")
        self.scopes = QLabel()
        self.scopes.setObjectName("tokenScopes")
        self.status = QLabel()
        self.status.setObjectName("tokenStatus")
        self.status.setWordWrap(True)
        # The sign-in address shown while waiting: selectable and clickable, in case no
        # browser opened by itself.
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.status.setOpenExternalLinks(True)

        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Grant", self.grant_box)
        #: Each grant-dependent row and the grants it is shown for.
        self._grant_rows: dict[QWidget, tuple[str, ...]] = {}
        every = OAUTH2_GRANTS
        secret_grants = ("client_credentials", "password", "authorization_code")
        for label, widget, grants in (
            ("Token URL", self.token_url, every),
            ("Authorization URL", self.authorize_url, ("authorization_code",)),
            ("Device URL", self.device_url, ("device_code",)),
            ("Client ID", self.client_id, every),
            ("Client secret", self.client_secret, secret_grants),
            ("User name", self.username, ("password",)),
            ("Password", self.password, ("password",)),
            ("Scope", self.scope, every),
            ("Audience", self.audience, ("client_credentials",)),
            ("Send secret", self.client_auth, ("client_credentials",)),
            ("", self.pkce, ("authorization_code",)),
        ):
            self.form.addRow(label, widget)
            self._grant_rows[widget] = grants
        buttons = QHBoxLayout()
        for button in (self.get_button, self.refresh_button, self.clear_button,
                       self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.form.addRow("Token", buttons)
        self.form.addRow("Expires", self.expiry)
        self.form.addRow("Scopes", self.scopes)
        self.form.addRow("", self.status)

        self._silent = False
        self._has_token = False
        self.grant_box.currentIndexChanged.connect(self._on_grant_changed)
        for edit in (self.token_url, self.authorize_url, self.device_url, self.client_id,
                     self.client_secret, self.scope, self.audience, self.username,
                     self.password):
            edit.textChanged.connect(self._emit)
        self.client_auth.currentIndexChanged.connect(self._emit)
        self.pkce.toggled.connect(self._emit)
        self.get_button.clicked.connect(lambda: self.token_requested.emit(False))
        self.refresh_button.clicked.connect(lambda: self.token_requested.emit(True))
        self.clear_button.clicked.connect(self.clear_requested.emit)
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        self.show_token(None)
        self._show_grant()

    def grant(self) -> str:
        return str(self.grant_box.currentData())

    def fill(self, model: AuthModel) -> None:
        """Write this page's fields into ``model`` (the user name and password only while
        the password grant is picked: otherwise they are Basic's)."""
        model.grant = self.grant()
        model.token_url = self.token_url.text()
        model.authorize_url = self.authorize_url.text()
        model.device_url = self.device_url.text()
        model.client_id = self.client_id.text()
        model.client_secret = self.client_secret.text()
        model.scope = self.scope.text()
        model.audience = self.audience.text()
        model.client_auth = str(self.client_auth.currentData())
        model.pkce = self.pkce.isChecked()
        if model.grant == "password":
            model.username = self.username.text()
            model.password = self.password.text()

    def load(self, model: AuthModel) -> None:
        """Show ``model``'s OAuth 2.0 fields without emitting :attr:`changed`."""
        self._silent = True
        try:
            self.grant_box.setCurrentIndex(max(self.grant_box.findData(model.grant), 0))
            for edit, text in ((self.token_url, model.token_url),
                               (self.authorize_url, model.authorize_url),
                               (self.device_url, model.device_url),
                               (self.client_id, model.client_id),
                               (self.client_secret, model.client_secret),
                               (self.scope, model.scope), (self.audience, model.audience),
                               (self.username, model.username),
                               (self.password, model.password)):
                edit.setText(text)
            self.client_auth.setCurrentIndex(max(self.client_auth.findData(model.client_auth),
                                                 0))
            self.pkce.setChecked(model.pkce)
        finally:
            self._silent = False
        self._show_grant()

    # -- the token panel ---------------------------------------------------------------------

    def show_token(self, token: TokenSet | None) -> None:
        """Show ``token``'s expiry and scopes (None: no token held)."""
        self.set_busy(False)
        if token is None:
            self.expiry.setText("no token")
            self.scopes.setText("")
        else:
            self.expiry.setText(_expiry_text(token.expires_at, time.time()))
            self.scopes.setText(" ".join(token.scopes) or "(none given)")
        self._has_token = token is not None
        self.refresh_button.setEnabled(self._has_token)
        self.clear_button.setEnabled(self._has_token)
        self.status.setText("")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.status.setText(message)

    def set_busy(self, busy: bool, text: str = "") -> None:
        """While a token is being fetched: the buttons off but Cancel, ``text`` shown."""
        self.get_button.setEnabled(not busy)
        # Refresh and Clear need a token: after the wait they are as the token held says.
        for button in (self.refresh_button, self.clear_button):
            button.setEnabled(not busy and self._has_token)
        self.cancel_button.setVisible(busy)
        self.status.setToolTip("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setText(text)

    def show_sign_in(self, text: str, link: str) -> None:
        """While waiting for the user: ``text`` and ``link`` (an address to open), clickable
        and selectable, for when no browser opened by itself."""
        import html
        from urllib.parse import urlsplit

        # The address is long (state, PKCE challenge): its host and path are shown, the
        # whole of it is the link, its tooltip and what "Copy link" copies.
        parts = urlsplit(link)
        shown = f"{parts.netloc}{parts.path}" + ("?…" if parts.query else "")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setText(f"{html.escape(text)} <a href=\"{html.escape(link, quote=True)}\">"
                            f"{html.escape(shown)}</a>")
        self.status.setToolTip(link)

    # -- internals ------------------------------------------------------------------------

    def _on_grant_changed(self) -> None:
        self._show_grant()
        self._emit()

    def _show_grant(self) -> None:
        grant = self.grant()
        for widget, grants in self._grant_rows.items():
            self.form.setRowVisible(widget, grant in grants)

    def _emit(self) -> None:
        if not self._silent:
            self.changed.emit()
