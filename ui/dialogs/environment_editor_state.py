"""What the environment editor's buttons and hints follow: one explicit state, no flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from app.model.variables import Variable

__all__ = ["Activity", "EditorState", "NameAction"]


class NameAction(Enum):
    """What the name typed in the name panel is for."""

    NEW = "new"
    RENAME = "rename"
    DUPLICATE = "duplicate"


class Activity(Enum):
    """The change to the files under way (a read of variables is :attr:`EditorState.loading`:
    another environment may be picked while one loads)."""

    IDLE = "idle"
    SAVING = "saving"
    WORKING = "working"


@dataclass
class EditorState:
    """Everything the editor's buttons and hints follow."""

    names: list[str] = field(default_factory=list)
    current: str | None = None
    #: The variables as read or last saved; None while they cannot be read (yet).
    loaded: tuple[Variable, ...] | None = None
    loading: bool = False
    load_failed: bool = False
    activity: Activity = Activity.IDLE
    #: Tasks started and not finished (counted from their start, so busy at once).
    pending: int = 0
    naming: NameAction | None = None

    def changing(self) -> bool:
        """Whether a save or a change to the files is running (or about to)."""
        return self.activity is not Activity.IDLE or self.pending > 0
