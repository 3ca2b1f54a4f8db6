"""The strip a request tab shows when its file changed outside Spyglass while the tab holds
edits of its own: "changed on disk: Reload / Keep mine" (or, for a deleted file, Keep mine)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ui.request.tones import WARNING, banner_css

__all__ = ["DiskChangeBanner"]


class DiskChangeBanner(QFrame):
    """A warning strip with Reload and Keep mine; hidden until :meth:`show_change`."""

    #: The user chose to drop the tab's edits and show the file.
    reload_requested = Signal()
    #: The user chose to keep the tab's edits (the next save writes them over the file).
    keep_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diskChangeBanner")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet(banner_css(WARNING, "4px 6px"))
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Drop the changes in this tab and show the file")
        self.keep_button = QPushButton("Keep mine")
        self.keep_button.setToolTip("Keep this tab's changes; saving writes them over the file")
        self.reload_button.clicked.connect(self.reload_requested)
        self.keep_button.clicked.connect(self.keep_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reload_button)
        layout.addWidget(self.keep_button)
        self.hide()

    def show_change(self, deleted: bool) -> None:
        """Say the file changed on disk (or was deleted: nothing to reload) and show."""
        if deleted:
            self.label.setText("This request's file was deleted or moved outside Spyglass. "
                               "Your request stays in this tab; saving creates the file again.")
        else:
            self.label.setText("This request's file changed on disk, and this tab has changes "
                               "that are not saved.")
        self.reload_button.setVisible(not deleted)
        self.show()
