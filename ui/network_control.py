"""The window's network settings in force: the settings from the window's state with their
secrets from the keyring (read and written off the UI thread), as one
:class:`~app.model.network_settings.NetworkConfig` the session pool applies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.model.network_settings import NetworkConfig, NetworkSecrets, NetworkSettings
    from app.storage.secrets import SecretStore

__all__ = ["NetworkControl"]


class NetworkControl(QObject):
    """Holds :attr:`config`; :attr:`changed` carries each new one."""

    changed = Signal(object)
    #: A message for the user (the keyring could not be read or written).
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, settings: NetworkSettings,
                 secrets: Callable[[], SecretStore], parent: QObject | None = None) -> None:
        from app.model.network_settings import NetworkConfig

        super().__init__(parent)
        self._runner = runner
        self._secrets = secrets
        self.config: NetworkConfig = NetworkConfig(settings)

    @property
    def settings(self) -> NetworkSettings:
        return self.config.settings

    def load_secrets(self) -> None:
        """Read the secrets the settings use (when they use any: the keyring stays unloaded
        otherwise)."""
        settings = self.config.settings
        if not settings.certificates and not (settings.proxy_mode == "manual"
                                              and settings.proxy_user):
            return
        self._runner.start("network / read secrets", self._read(settings),
                           on_error=lambda exc: self.failed.emit(f"Network settings: {exc}"))

    async def _read(self, settings: NetworkSettings) -> None:
        from app.model.network_settings import NetworkConfig, read_secrets

        found = await asyncio.to_thread(read_secrets, settings, self._secrets())
        if settings == self.config.settings:
            self._set(NetworkConfig(settings, found))

    async def read_secrets(self) -> NetworkSecrets:
        """The secrets of the settings in force, read again (for the dialog)."""
        from app.model.network_settings import read_secrets

        return await asyncio.to_thread(read_secrets, self.config.settings, self._secrets())

    def apply(self, settings: NetworkSettings, secrets: NetworkSecrets,
              then: Callable[[], None] | None = None) -> None:
        """Keep ``settings`` (the caller stores them in the window's state) and their
        ``secrets`` in the keyring; in force at once, for the next request."""
        from app.model.network_settings import NetworkConfig

        previous = self.config.settings
        self._set(NetworkConfig(settings, secrets))
        self._runner.start("network / write secrets",
                           self._write(settings, secrets, previous, then),
                           on_error=lambda exc: self.failed.emit(f"Network settings: {exc}"))

    async def _write(self, settings: NetworkSettings, secrets: NetworkSecrets,
                     previous: NetworkSettings, then: Callable[[], None] | None) -> None:
        from app.model.network_settings import write_secrets

        await asyncio.to_thread(write_secrets, settings, secrets, self._secrets(), previous)
        if then is not None:
            then()

    def _set(self, config: NetworkConfig) -> None:
        self.config = config
        self.changed.emit(config)
