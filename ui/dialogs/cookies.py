"""Tools ▸ Cookies…: the workspace's cookie jar, by domain (SPEC 7.2).

The jar is the session pool's (:class:`~app.client.cookies.Cookies`, used on the loop, which
is this thread under qasync); every change is kept by the window's
:class:`~ui.cookie_keeper.CookieKeeper` a moment later. A cookie is chosen in the tree and
edited in the form below it: its value, expiry (or none: a session cookie) and flags.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.request.tones import ERROR, css

if TYPE_CHECKING:
    from app.client.cookies import Cookie, Cookies
    from ui.cookie_keeper import CookieKeeper

__all__ = ["COLUMNS", "CookieManager"]

#: The tree's columns: a domain row holds the domain and its count, a cookie row the rest.
COLUMNS = ("Domain / name", "Value", "Path", "Expires", "Flags")
_SAME_SITE = ("", "Lax", "Strict", "None")


def _expiry_text(expires: float | None) -> str:
    if expires is None:
        return "Session"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(expires))


def _flags(cookie: Cookie) -> str:
    flags = [name for name, on in (("Secure", cookie.secure), ("HttpOnly", cookie.http_only))
             if on]
    if cookie.same_site:
        flags.append(f"SameSite={cookie.same_site}")
    return ", ".join(flags)


class CookieManager(QDialog):
    """Lists, edits, deletes and clears the cookies of ``jar``."""

    def __init__(self, jar: Cookies, keeper: CookieKeeper | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cookies")
        self.resize(820, 560)
        self._jar = jar
        self._keeper = keeper
        self._cookies: dict[int, Cookie] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setColumnWidth(0, 240)
        self.tree.setColumnWidth(1, 200)
        self.tree.currentItemChanged.connect(lambda *_: self._show_current())
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by domain or name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _text: self.refresh())

        self.value = QLineEdit()
        self.session_cookie = QCheckBox("Session cookie (no expiry)")
        self.expires = QDateTimeEdit()
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.session_cookie.toggled.connect(lambda on: self.expires.setEnabled(not on))
        self.secure = QCheckBox("Secure")
        self.http_only = QCheckBox("HttpOnly")
        self.same_site = QComboBox()
        self.same_site.addItems([s or "(not set)" for s in _SAME_SITE])
        flags = QHBoxLayout()
        for widget in (self.secure, self.http_only, QLabel("SameSite"), self.same_site):
            flags.addWidget(widget)
        flags.addStretch(1)
        expiry = QHBoxLayout()
        expiry.addWidget(self.expires, 1)
        expiry.addWidget(self.session_cookie)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply_edit)
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Value", self.value)
        form.addRow("Expires", expiry)
        form.addRow("", flags)
        form.addRow("", self.apply_button)

        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_current)
        self.clear_domain_button = QPushButton("Clear domain")
        self.clear_domain_button.clicked.connect(self.clear_domain)
        self.clear_all_button = QPushButton("Clear all")
        self.clear_all_button.clicked.connect(self.clear_all)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(css(ERROR))
        actions = QHBoxLayout()
        for button in (self.delete_button, self.clear_domain_button, self.clear_all_button):
            actions.addWidget(button)
        actions.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addLayout(actions)
        layout.addWidget(self.form)
        layout.addWidget(self.status)
        layout.addWidget(close)
        if keeper is not None:
            keeper.loaded.connect(self.refresh)
            self.finished.connect(lambda _code: keeper.loaded.disconnect(self.refresh))
        self.refresh()

    # -- the list ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the jar again, keeping the chosen cookie chosen when it is still there."""
        current = self.current_cookie()
        wanted = current and (current.domain, current.path, current.name)
        needle = self.filter.text().strip().lower()
        self.tree.clear()
        self._cookies.clear()
        domains: dict[str, QTreeWidgetItem] = {}
        chosen: QTreeWidgetItem | None = None
        for cookie in self._jar.list():
            if needle and needle not in cookie.domain.lower() and needle not in cookie.name.lower():
                continue
            parent = domains.get(cookie.domain)
            if parent is None:
                parent = domains[cookie.domain] = QTreeWidgetItem(self.tree, [cookie.domain])
                parent.setExpanded(True)
            item = QTreeWidgetItem(parent, [cookie.name, cookie.value, cookie.path,
                                            _expiry_text(cookie.expires), _flags(cookie)])
            self._cookies[id(item)] = cookie
            item.setData(0, Qt.ItemDataRole.UserRole, id(item))
            if wanted == (cookie.domain, cookie.path, cookie.name):
                chosen = item
        for domain, parent in domains.items():
            count = parent.childCount()
            parent.setText(1, f"{count} cookie{'s' if count != 1 else ''}")
            parent.setData(0, Qt.ItemDataRole.UserRole + 1, domain)
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        self._show_current()

    def cookie_of(self, item: QTreeWidgetItem | None) -> Cookie | None:
        if item is None:
            return None
        return self._cookies.get(item.data(0, Qt.ItemDataRole.UserRole))

    def current_cookie(self) -> Cookie | None:
        return self.cookie_of(self.tree.currentItem())

    def current_domain(self) -> str | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        cookie = self.cookie_of(item)
        return cookie.domain if cookie is not None else item.text(0)

    def select(self, domain: str, name: str | None = None) -> None:
        """Choose the row of ``domain`` (or of its cookie ``name``)."""
        for i in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(i)
            if parent.text(0) != domain:
                continue
            if name is None:
                self.tree.setCurrentItem(parent)
                return
            for j in range(parent.childCount()):
                if parent.child(j).text(0) == name:
                    self.tree.setCurrentItem(parent.child(j))
                    return

    def _show_current(self) -> None:
        cookie = self.current_cookie()
        self.form.setEnabled(cookie is not None)
        self.delete_button.setEnabled(cookie is not None)
        self.clear_domain_button.setEnabled(self.current_domain() is not None)
        self.clear_all_button.setEnabled(self.tree.topLevelItemCount() > 0)
        if cookie is None:
            return
        self.value.setText(cookie.value)
        self.session_cookie.setChecked(cookie.expires is None)
        self.expires.setEnabled(cookie.expires is not None)
        when = cookie.expires if cookie.expires is not None else time.time() + 86_400
        self.expires.setDateTime(QDateTime.fromSecsSinceEpoch(int(when)))
        self.secure.setChecked(cookie.secure)
        self.http_only.setChecked(cookie.http_only)
        self.same_site.setCurrentIndex(_SAME_SITE.index(cookie.same_site or ""))

    # -- changes ----------------------------------------------------------------------------

    def _changed(self) -> None:
        self.status.setText("")
        if self._keeper is not None:
            self._keeper.changed()
        self.refresh()

    def apply_edit(self) -> None:
        """Store the chosen cookie as the form shows it."""
        from app.client.errors import UsageError

        cookie = self.current_cookie()
        if cookie is None:
            return
        value = self.value.text()
        if any(c == ";" or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            # RFC 6265: no server could send it in a Set-Cookie, and the Cookie header a
            # request sends could not carry it as typed.
            self.status.setText("A cookie's value cannot hold ';' or control characters")
            return
        expires = (None if self.session_cookie.isChecked()
                   else float(self.expires.dateTime().toSecsSinceEpoch()))
        try:
            self._jar.set(cookie.name, value, domain=cookie.domain,
                          path=cookie.path, expires=expires, secure=self.secure.isChecked(),
                          http_only=self.http_only.isChecked(),
                          same_site=_SAME_SITE[self.same_site.currentIndex()] or None)
        except UsageError as exc:  # a value a cookie cannot hold
            self.status.setText(str(exc))
            return
        self._changed()

    def delete_current(self) -> None:
        cookie = self.current_cookie()
        if cookie is not None:
            self._jar.delete(cookie.name, domain=cookie.domain, path=cookie.path)
            self._changed()

    def clear_domain(self) -> None:
        domain = self.current_domain()
        if domain is not None:
            self._jar.clear(domain)
            self._changed()

    def clear_all(self) -> None:
        self._jar.clear()
        self._changed()
