"""How much history is kept: at most so many requests and so many MiB of stored text."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

__all__ = ["ask_history_limits"]


def ask_history_limits(parent: QWidget | None, entries: int, mib: int
                       ) -> tuple[int, int] | None:
    """(entries, MiB) chosen by the user, or None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("History limits")
    count = QSpinBox()
    count.setRange(1, 1_000_000)
    count.setSingleStep(500)
    count.setValue(entries)
    count.setSuffix(" requests")
    size = QSpinBox()
    size.setRange(1, 100_000)
    size.setValue(mib)
    size.setSuffix(" MiB")
    note = QLabel("The oldest requests are removed past either limit, at once and after each "
                  "new request.")
    note.setWordWrap(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow("Keep at most", count)
    form.addRow("and at most", size)
    form.addRow(note)
    form.addRow(buttons)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return count.value(), size.value()
    finally:
        dialog.deleteLater()
