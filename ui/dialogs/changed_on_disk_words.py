"""What the "changed on disk" question says (``ui.dialogs.changed_on_disk`` asks it). No Qt
here: the fault table (``tests/faults/test_changed_on_disk.py``) checks these words against
the save that a workspace refuses."""

from __future__ import annotations

__all__ = ["changed_on_disk_question"]


def changed_on_disk_question(title: str, deleted: bool) -> tuple[str, str]:
    """The question's text and its informative text, for the tab titled ``title`` whose file
    changed since it was read, or was ``deleted``."""
    if deleted:
        return (f"The file of “{title}” was deleted or moved since it was opened.",
                "Save it again where it was (Overwrite), or as a new request (Save as)?")
    return (f"The file of “{title}” was changed by something else since it was opened "
            "(another window, an editor, a git pull).",
            "Overwrite writes this tab over those changes; Reload drops this tab's changes "
            "and shows the file; Save as keeps both.")
