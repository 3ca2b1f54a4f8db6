"""The environment switcher at the top of the sidebar: the environment to send with, and
Manage… (the environment editor)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSizePolicy, QToolButton, QWidget

__all__ = ["EnvironmentBar"]


class EnvironmentBar(QWidget):
    """A compact row for the top of the sidebar: the environment to send with, and Manage…."""

    #: The user picked an environment: its name, or None for "No environment".
    environment_changed = Signal(object)
    #: The user asked to add, edit or delete environments.
    manage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("The environment whose {{variables}} requests are sent with")
        self.combo.setAccessibleName("Environment")
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.manage_button = QToolButton()
        self.manage_button.setText("Manage…")
        self.manage_button.setToolTip("Add, edit, rename and delete environments")
        self.manage_button.setAutoRaise(True)
        self.manage_button.clicked.connect(self.manage_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo, 1)
        layout.addWidget(self.manage_button)
        self._silent = False
        self.set_environments([], None)
        self.combo.currentIndexChanged.connect(self._on_index_changed)

    def set_environments(self, names: list[str], current: str | None) -> None:
        """Offer ``names`` and show ``current`` (None, or a name not offered: "No
        environment"), without emitting :attr:`environment_changed`."""
        self._silent = True
        try:
            self.combo.clear()
            self.combo.addItem("No environment", None)
            for name in names:
                self.combo.addItem(name, name)
            index = self.combo.findData(current) if current is not None else 0
            self.combo.setCurrentIndex(max(index, 0))
        finally:
            self._silent = False

    def current(self) -> str | None:
        """The environment shown, or None."""
        data = self.combo.currentData()
        return data if isinstance(data, str) else None

    def _on_index_changed(self, _index: int) -> None:
        if not self._silent:
            self.environment_changed.emit(self.current())
