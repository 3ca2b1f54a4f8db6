"""The window's runtime variables (SPEC §9): values captured from responses, used by the
requests sent after them and shown by the variable hover as "runtime". In memory only:
nothing here is ever written to a file, and a secret capture's value is shown masked and
redacted from the history like any secret."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.model.variables import Variable

if TYPE_CHECKING:
    from app.runner.captures import CaptureResult

__all__ = ["RUNTIME_SOURCE", "RuntimeVariables"]

#: Where a runtime variable comes from, as the hover says it.
RUNTIME_SOURCE = "runtime (captured from a response)"


class RuntimeVariables(QObject):
    """The runtime scope of one window; :attr:`changed` after every change."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, Variable] = {}

    def capture(self, results: Iterable[CaptureResult]) -> None:
        """Keep the values of the captures that succeeded (a later one of a name wins)."""
        changed = False
        for result in results:
            if not result.ok:
                continue
            name = result.capture.name
            self._values[name] = Variable(name, result.value, result.capture.secret,
                                          RUNTIME_SOURCE)
            changed = True
        if changed:
            self.changed.emit()

    def clear(self) -> None:
        """Forget every runtime value."""
        if self._values:
            self._values.clear()
            self.changed.emit()

    def values(self) -> dict[str, str]:
        """name -> value, for a send."""
        return {name: v.value for name, v in self._values.items()}

    def variables(self) -> dict[str, Variable]:
        """name -> Variable (``source`` says runtime), for the hover."""
        return dict(self._values)

    def secret_values(self) -> list[str]:
        """The values of secret captures (redacted from what a send leaves)."""
        return [v.value for v in self._values.values() if v.secret and v.value]

    def __len__(self) -> int:
        return len(self._values)
