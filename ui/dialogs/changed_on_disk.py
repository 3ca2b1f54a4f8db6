"""The question a save asks when its file changed on disk since the tab read it (another
window, an editor, a ``git pull``) or was deleted: Overwrite, Reload or Save as.

Asked from the event loop (``ui.tasks.show_later``), never inside a running task."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from ui.documents import DiskAnswer

__all__ = ["ask_changed_on_disk"]

Role = QMessageBox.ButtonRole


def ask_changed_on_disk(parent: QWidget | None, title: str, deleted: bool) -> DiskAnswer | None:
    """What to do with the tab titled ``title`` whose file changed (or was ``deleted``);
    None: cancel, nothing is saved."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Save request")
    if deleted:
        box.setText(f"The file of “{title}” was deleted or moved since it was opened.")
        box.setInformativeText("Save it again where it was (Overwrite), or as a new request "
                               "(Save as)?")
    else:
        box.setText(f"The file of “{title}” was changed by something else since it was "
                    "opened (another window, an editor, a git pull).")
        box.setInformativeText("Overwrite writes this tab over those changes; Reload drops "
                               "this tab's changes and shows the file; Save as keeps both.")
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
