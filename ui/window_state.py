"""What the window remembers between runs: geometry, splitters, open tabs, theme, the
history caps, the limits and the network settings."""

from __future__ import annotations

# json and dataclasses are imported where they are used: the first frame reads only the
# theme and the geometry (bench/startup.py).
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from app.model.limit_settings import LimitSettings
    from app.model.network_settings import NetworkSettings
    from app.model.request import RequestModel

__all__ = ["WindowState"]


class WindowState:
    """A thin, typed layer over QSettings (a plain file in the user's config folder)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or QSettings("Spyglass", "Spyglass")
        self._make_private()

    def _make_private(self) -> None:
        """The file holds the open tabs' requests: owner-only (``app.storage.private``).
        Qt replaces the file keeping its mode, so making it 0600 once is enough."""
        import contextlib
        import os

        from app.storage.private import make_private, private_dir

        name = self.settings.fileName()
        if os.name != "posix" or not name:
            return
        with contextlib.suppress(OSError):  # unwritable config: Qt reports it on sync
            private_dir(os.path.dirname(name))
            make_private(name)

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

    @property
    def workspace(self) -> str:
        """The workspace folder last opened ("" for the default one)."""
        return str(self.settings.value("workspace/path", "") or "")

    @workspace.setter
    def workspace(self, value: str) -> None:
        self.settings.setValue("workspace/path", value)

    @property
    def environment(self) -> str:
        return str(self.settings.value("workspace/environment", "") or "")

    @environment.setter
    def environment(self, value: str | None) -> None:
        self.settings.setValue("workspace/environment", value or "")

    #: The history's caps by default: entries, and MiB of stored text.
    HISTORY_LIMITS = (5000, 50)

    @property
    def history_limits(self) -> tuple[int, int]:
        """(entries, MiB) the history keeps at most."""
        try:
            entries = int(self.settings.value("history/max_entries", self.HISTORY_LIMITS[0]))
            mib = int(self.settings.value("history/max_mib", self.HISTORY_LIMITS[1]))
        except (TypeError, ValueError):
            return self.HISTORY_LIMITS
        return (entries, mib) if entries > 0 and mib > 0 else self.HISTORY_LIMITS

    @history_limits.setter
    def history_limits(self, value: tuple[int, int]) -> None:
        self.settings.setValue("history/max_entries", value[0])
        self.settings.setValue("history/max_mib", value[1])

    @property
    def limits(self) -> LimitSettings:
        """The limits set in Tools ▸ Limits…; a stored value that is not valid (an edited or
        old file) is the default."""
        from app.model.limit_settings import LimitSettings

        stored = {name: self.settings.value(f"limits/{name}")
                  for name in LimitSettings().to_dict()}
        return LimitSettings.from_dict({k: v for k, v in stored.items() if v is not None})

    @limits.setter
    def limits(self, value: LimitSettings) -> None:
        for name, item in value.to_dict().items():
            self.settings.setValue(f"limits/{name}", "off" if item is None else item)

    @property
    def network(self) -> NetworkSettings:
        """The proxy and client certificates set in Tools ▸ Network… (no secret: those are
        in the keyring); a stored value that is not valid is the default."""
        import json

        from app.model.network_settings import NetworkSettings

        raw = self.settings.value("network/settings", "")
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            data = {}
        return NetworkSettings.from_dict(data if isinstance(data, dict) else {})

    @network.setter
    def network(self, value: NetworkSettings) -> None:
        import json

        self.settings.setValue("network/settings", json.dumps(value.to_dict()))

    def tabs(self) -> tuple[list[tuple[RequestModel, str | None]], int]:
        """The tabs open at the last exit (each with the workspace file it came from) and the
        index of the current one. Secret auth fields are not kept here (this is a plain
        file): a tab from the workspace gets them back from the keyring."""
        import json
        import logging

        from app.model.request import RequestModel

        raw = self.settings.value("tabs/open", "")
        models: list[tuple[RequestModel, str | None]] = []
        try:
            items = json.loads(raw) if raw else []
        except (ValueError, TypeError) as exc:
            logging.getLogger(__name__).warning("ignoring unreadable saved tabs: %s", exc)
            items = []
        # One tab at a time: a tab left with a row its file could not hold (a Tests row
        # being typed) costs that tab, not every other.
        for item in items if isinstance(items, list) else []:
            try:
                if "model" in item:
                    models.append((RequestModel.from_dict(item["model"]), item.get("origin")))
                else:
                    models.append((RequestModel.from_dict(item), None))
            except (ValueError, TypeError, AttributeError) as exc:
                logging.getLogger(__name__).warning("ignoring an unreadable saved tab: %s", exc)
        try:
            current = int(self.settings.value("tabs/current", 0))
        except (TypeError, ValueError):
            current = 0
        return models, current

    def save(self, *, geometry: QByteArray, window_state: QByteArray,
             splitters: dict[str, QByteArray], tabs: list[tuple[RequestModel, str | None]],
             current: int) -> None:
        import json
        from dataclasses import replace

        s = self.settings
        s.setValue("window/geometry", geometry)
        s.setValue("window/state", window_state)
        for name, value in splitters.items():
            s.setValue(f"splitters/{name}", value)
        saved = []
        for model, origin in tabs:
            data = replace(model, auth=model.auth.without_secrets(),
                           options=model.options.without_secrets()).to_dict()
            saved.append({"model": data, "origin": origin})
        s.setValue("tabs/open", json.dumps(saved))
        s.setValue("tabs/current", current)
        s.sync()
