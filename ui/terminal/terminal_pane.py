"""The terminal pane of a request tab: the protocol, the terminal, a status line with
Reconnect, and (on demand) the raw frames in the WebSocket message log.

It lays out and connects: the session is the ``TerminalController``'s, the painting and the
keyboard the ``TerminalView``'s. The protocol follows the URL (``guess_protocol``) until the
user picks one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.model.request import TERMINAL_PROTOCOLS
from ui.error_messages import ErrorText
from ui.modes.base import ConnectionState as S
from ui.modes.events.event_stream_status import StreamBanner
from ui.modes.websocket.websocket_console import WebSocketConsole
from ui.modes.websocket.websocket_status import StateChip
from ui.request.tones import ERROR, css
from ui.terminal.terminal_controller import TerminalController
from ui.terminal.terminal_view import TerminalView

if TYPE_CHECKING:
    from app.model.compose import SessionPool
    from app.model.request import RequestModel
    from app.terminal import TerminalScreen
    from ui.modes.base import VariablesSource
    from ui.tasks import TaskRunner

__all__ = ["PROTOCOL_LABELS", "TerminalPane", "guess_protocol"]

#: protocol -> what the picker shows.
PROTOCOL_LABELS = {"raw": "Raw bytes", "terminado": "Jupyter (terminado)", "ttyd": "ttyd",
                   "kubernetes": "Kubernetes exec/attach", "backendai": "Backend.AI PTY"}
_K8S = re.compile(r"/api/v1/namespaces/[^/]+/pods/[^/]+/(exec|attach)$")


def guess_protocol(url: str, subprotocol: str | None = None) -> str | None:
    """The protocol a terminal URL (or the subprotocol its server chose) suggests, or None."""
    if subprotocol:
        if subprotocol == "tty":
            return "ttyd"
        if subprotocol.endswith("channel.k8s.io"):
            return "kubernetes"
    try:
        path = urlsplit(url.strip()).path.rstrip("/")
    except ValueError:
        return None
    last = path.rsplit("/", 1)[-1]
    if "/terminal/" in path + "/" and last in TERMINAL_PROTOCOLS:
        return last                 # the playground's /terminal/{protocol}
    if last == "pty" or "/stream/session/" in path:
        return "backendai"
    if _K8S.search(path) or (last in ("exec", "attach") and "/pods/" in path):
        return "kubernetes"
    if "/terminals/websocket/" in path + "/":
        return "terminado"
    if last == "ws":
        return "ttyd"
    return None


class TerminalPane(QWidget):
    """One terminal session of one request tab."""

    #: The ConnectionState of the session.
    state_changed = Signal(object)
    #: The program's title (empty: none), for the tab.
    title_changed = Signal(str)

    def __init__(self, runner: TaskRunner, sessions: Callable[[], SessionPool], key: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = TerminalController(runner, sessions, key, self)
        self._model: RequestModel | None = None
        self._variables: VariablesSource | None = None
        #: The user picked the protocol (else it follows the URL).
        self._chosen = False
        #: The size the last session opened with (kept in the model).
        self.opened_size: tuple[int, int] | None = None

        self.state_chip = StateChip()
        self.protocol_box = QComboBox()
        for name in TERMINAL_PROTOCOLS:
            self.protocol_box.addItem(PROTOCOL_LABELS.get(name, name), name)
        self.protocol_box.setToolTip("How the server frames the terminal's bytes; guessed "
                                     "from the URL until you pick one")
        self.status = QLabel()
        self.status.setObjectName("terminalStatus")
        self.status.setWordWrap(True)  # a long error must not widen the window
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reconnect_button = QPushButton("Reconnect")
        self.reconnect_button.hide()
        self.frames_button = QPushButton("Frames")
        self.frames_button.setCheckable(True)
        self.frames_button.setToolTip("Show the raw WebSocket frames, both ways")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.state_chip)
        bar.addWidget(QLabel("Protocol"))
        bar.addWidget(self.protocol_box)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.reconnect_button)
        bar.addWidget(self.frames_button)

        self.banner = StreamBanner()
        self.view = TerminalView(self.controller.screen)
        self.frames = WebSocketConsole(self.controller.log)
        self.frames.composer.hide()         # a record of the session, not a way to send
        self.frames.saved.hide()
        self.frames.hide()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.frames)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)

        c = self.controller
        c.state_changed.connect(self._on_state)
        c.started.connect(self._on_started)
        c.opened.connect(self._on_opened)
        c.exited.connect(self._on_exited)
        c.closed.connect(self._on_closed)
        c.failed.connect(self._on_failed)
        c.protocol_error.connect(self._on_protocol_error)
        self.view.input.connect(self._type)
        self.view.resized.connect(c.resize)
        self.view.title_changed.connect(self.title_changed)
        self.protocol_box.activated.connect(self._picked)
        self.reconnect_button.clicked.connect(self.reconnect)
        self.banner.reconnect.connect(self.reconnect)
        self.frames_button.toggled.connect(self.show_frames)
        self._on_state(S.CLOSED)

    # -- the public API -----------------------------------------------------------------------

    @property
    def state(self) -> S:
        return self.controller.state

    @property
    def protocol(self) -> str:
        """The protocol picked (or guessed)."""
        return str(self.protocol_box.currentData())

    def set_protocol(self, name: str, *, chosen: bool = True) -> None:
        index = self.protocol_box.findData(name)
        if index >= 0:
            self.protocol_box.setCurrentIndex(index)
            self._chosen = self._chosen or chosen

    def to_model(self, model: RequestModel) -> None:
        """Write the protocol (guessed from ``model``'s URL unless picked) and the size the
        last session opened with into ``model``."""
        if not self._chosen:
            self.set_protocol(guess_protocol(model.url) or "raw", chosen=False)
        model.terminal.protocol = self.protocol
        if self.opened_size is not None:
            model.terminal.rows, model.terminal.cols = self.opened_size

    def load_model(self, model: RequestModel) -> None:
        """Show what ``model`` says of its terminal: a saved protocol other than the default
        counts as picked."""
        self._chosen = False
        self.set_protocol(model.terminal.protocol, chosen=model.terminal.protocol != "raw")
        self.opened_size = None
        if not self.controller.busy:
            self.controller.size = None

    def reconnect(self) -> None:
        """Open a new session with the request of the last one."""
        if self._model is not None:
            # The protocol as picked now: the status line may have suggested another.
            terminal = replace(self._model.terminal, protocol=self.protocol)
            self.controller.start(replace(self._model, terminal=terminal), self._variables)

    def show_frames(self, shown: bool) -> None:
        """Show (and record from now on) the raw frames, or hide them."""
        self.controller.log_frames = shown
        self.frames.setVisible(shown)
        if self.frames_button.isChecked() != shown:
            self.frames_button.setChecked(shown)
        if shown:
            self.frames.follow()

    def dispose(self) -> None:
        self.frames.dispose()
        self.controller.dispose()

    # -- reactions ----------------------------------------------------------------------------

    def _picked(self, _index: int) -> None:
        self._chosen = True

    def _type(self, data: bytes) -> None:
        if not self.controller.send(data) and self.state not in (S.CONNECTING, S.OPEN):
            self._say("Not connected: Open (or Reconnect) first.", error=True)

    def _on_started(self, model: RequestModel, variables: VariablesSource | None) -> None:
        self._model, self._variables = model, variables
        self.set_protocol(model.terminal.protocol, chosen=False)
        if self.controller.size is None and self.view.isVisible():
            self.controller.size = self.view.grid_size()
        self.banner.hide()
        self._say(f"Connecting to {model.url}…")

    def _on_opened(self, screen: TerminalScreen, subprotocol: object) -> None:
        self.view.set_screen(screen)
        self.opened_size = (screen.rows, screen.cols)
        suggested = guess_protocol("", str(subprotocol)) if subprotocol else None
        words = f"Open · {PROTOCOL_LABELS.get(self.protocol, self.protocol)}"
        if subprotocol:
            words += f" (subprotocol {subprotocol})"
        if suggested and suggested != self.protocol:
            words += f"; the server speaks {PROTOCOL_LABELS[suggested]}: pick it and Reconnect"
        elif not self.controller.resizable:
            words += (f"; {screen.cols}×{screen.rows}, the size it opened with "
                      "(this protocol cannot tell the program a new size)")
        self._say(words)
        self.view.setFocus()

    def _on_exited(self, code: object, message: str) -> None:
        words = "The program ended" if code is None else f"Exit code {code}"
        self._say(f"{words}: {message}" if message else words, error=code not in (0, None))

    def _on_closed(self, code: object, reason: str, by: str) -> None:
        words = f"{code}" if code is not None else "no code"
        if reason:
            words += f" {reason}"
        who = "the server" if by == "server" else "you"
        exit_code = self.controller.exit_code
        prefix = f"Exit code {exit_code} · " if exit_code is not None else ""
        self._say(f"{prefix}Closed by {who}: {words}", error=bool(exit_code))

    def _on_failed(self, text: ErrorText) -> None:
        self._say("")
        self.banner.show_error(text, disconnected=self.state == S.DISCONNECTED,
                               can_reconnect=self._model is not None)

    def _on_protocol_error(self, message: str) -> None:
        self._say(f"A frame broke the protocol: {message}", error=True)

    def _on_state(self, state: S) -> None:
        self.state_chip.show_state(state)
        ended = state in (S.CLOSED, S.FAILED, S.DISCONNECTED)
        self.reconnect_button.setVisible(ended and self._model is not None)
        self.protocol_box.setEnabled(ended)
        self.state_changed.emit(state)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(css(ERROR) if error else "")
