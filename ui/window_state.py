"""What the window remembers between runs: geometry, splitters, open tabs, theme."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from app.models import RequestModel

__all__ = ["WindowState"]


class WindowState:
    """A thin, typed layer over QSettings (a plain file in the user's config folder)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings("Spyglass", "Spyglass")

    def _bytes(self, key: str) -> QByteArray | None:
        value = self.settings.value(key)
        return value if isinstance(value, QByteArray) else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def splitter(self, name: str) -> QByteArray | None:
        return self._bytes(f"splitters/{name}")

    @property
    def theme(self) -> str:
        value = self.settings.value("view/theme", "system")
        return value if value in ("system", "light", "dark") else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self.settings.setValue("view/theme", value)

    @property
    def first_run(self) -> bool:
        return self.settings.value("app/seen", "") != "1"

    def mark_seen(self) -> None:
        self.settings.setValue("app/seen", "1")

    def tabs(self) -> tuple[list[RequestModel], int]:
        """The tabs open at the last exit and the index of the current one."""
        import logging

        from app.models import RequestModel

        raw = self.settings.value("tabs/open", "")
        models = []
        try:
            for item in json.loads(raw) if raw else []:
                models.append(RequestModel.from_dict(item))
        except (ValueError, TypeError) as exc:
            logging.getLogger(__name__).warning("ignoring unreadable saved tabs: %s", exc)
        try:
            current = int(self.settings.value("tabs/current", 0))
        except (TypeError, ValueError):
            current = 0
        return models, current

    def save(self, *, geometry: QByteArray, window_state: QByteArray,
             splitters: dict[str, QByteArray], tabs: list[RequestModel], current: int) -> None:
        s = self.settings
        s.setValue("window/geometry", geometry)
        s.setValue("window/state", window_state)
        for name, value in splitters.items():
            s.setValue(f"splitters/{name}", value)
        s.setValue("tabs/open", json.dumps([m.to_dict() for m in tabs]))
        s.setValue("tabs/current", current)
        s.sync()
