"""The question a save asks when its file changed on disk since the tab read it (another
window, an editor, a ``git pull``) or was deleted: Overwrite, Reload or Save as.

Asked from the event loop (``ui.tasks.show_later``), never inside a running task."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from ui.dialogs.changed_on_disk_words import changed_on_disk_question
from ui.documents import DiskAnswer

__all__ = ["ask_changed_on_disk"]

Role = QMessageBox.ButtonRole


def ask_changed_on_disk(parent: QWidget | None, title: str, deleted: bool) -> DiskAnswer | None:
    """What to do with the tab titled ``title`` whose file changed (or was ``deleted``);
    None: cancel, nothing is saved."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Save request")
    text, informative = changed_on_disk_question(title, deleted)
    box.setText(text)
    box.setInformativeText(informative)
    answers: dict[QAbstractButton, DiskAnswer] = {
        box.addButton("Overwrite", Role.DestructiveRole): DiskAnswer.OVERWRITE}
    if not deleted:
        answers[box.addButton("Reload", Role.ResetRole)] = DiskAnswer.RELOAD
    save_as = box.addButton("Save as…", Role.AcceptRole)
    answers[save_as] = DiskAnswer.SAVE_AS
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save_as)  # the answer that loses nothing
    box.exec()
    return answers.get(box.clickedButton())
