"""The terminal as a mode of a request tab: the session controller shown in the terminal
pane. The model keeps the protocol and the size the session opened with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.modes.base import ModeParts
from ui.terminal.terminal_pane import TerminalPane

if TYPE_CHECKING:
    from ui.modes.base import ModeHost

__all__ = ["build"]


def build(host: ModeHost) -> ModeParts:
    """The terminal mode of the tab ``host``."""
    pane = TerminalPane(host.runner, host.sessions, f"{host.key} / terminal")
    return ModeParts(pane.controller, pane, to_model=pane.to_model, load_model=pane.load_model,
                     close=pane.dispose, title_changed=pane.title_changed)
