"""The gRPC pane of a request tab: the request side (``GrpcRequestPanel``) above the call's
stream view (``GrpcStreamView``). It wires them to the services the request describes
(``GrpcServices``) and to the call (``GrpcController``): the picker is filled when the pane is
first shown and on Refresh, a chosen method's template fills an editor that is empty or still
holds the previous template, and the message is checked as typing pauses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ui.modes.grpc.grpc_controller import GrpcController, GrpcViewSettings
from ui.modes.grpc.grpc_request import GrpcRequestPanel
from ui.modes.grpc.grpc_services import GrpcServices, template_text
from ui.modes.grpc.grpc_stream_view import GrpcStreamView

if TYPE_CHECKING:
    from app.grpc import Service
    from app.model.network_settings import NetworkConfig
    from app.model.request import RequestModel
    from ui.error_messages import ErrorText
    from ui.modes.base import ModeHost

__all__ = ["GrpcPane"]


class GrpcPane(QWidget):
    """One tab's gRPC request and call."""

    #: The request's gRPC fields were edited.
    changed = Signal()

    def __init__(self, host: ModeHost, settings: GrpcViewSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        key = f"{host.key} / grpc"
        def network() -> NetworkConfig | None:
            pool = host.sessions()
            return pool.network if pool is not None else None

        self.controller = GrpcController(host.runner, key, settings, self, network,
                                         host.workspace_root)
        self.services = GrpcServices(host.runner, key, self, network, host.workspace_root)
        self.request = GrpcRequestPanel()
        self.stream = GrpcStreamView(self.controller)
        #: The text of the last template put in the editor (replaced by the next one while
        #: the user has not edited it).
        self._template = ""
        #: The method of the request loaded, while it is still the one chosen: its message
        #: stays as saved, an empty one too (a template comes with another method).
        self._kept_method: str | None = None
        self._described_once = False
        #: What the services were last described from (see _describe_source); None: nothing.
        self._described_from: object = None
        # A target, .proto files, metadata or TLS option edited: described again once typing
        # pauses (the services shown meanwhile are none, not the last target's).
        self._describe_timer = QTimer(self)
        self._describe_timer.setSingleShot(True)
        self._describe_timer.setInterval(self.controller.settings.describe_delay_ms)
        self._describe_timer.timeout.connect(self._describe_if_known)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.request)
        split.addWidget(self.stream)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(self.controller.settings.check_delay_ms)
        self._check_timer.timeout.connect(self.check_message)
        r = self.request
        r.changed.connect(self.changed)
        r.refresh_requested.connect(self.refresh)
        r.method_changed.connect(self._on_method)
        r.editor.textChanged.connect(self._check_timer.start)
        self.services.described.connect(self._on_described)
        self.services.describe_failed.connect(self._on_describe_failed)
        self.services.checked.connect(r.show_problem)
        self.controller.ended.connect(self._on_call_ended)

    # -- the model -------------------------------------------------------------------------------

    def to_model(self, model: RequestModel) -> None:
        model.grpc = self.request.to_grpc()

    def load_model(self, model: RequestModel) -> None:
        # The file's message as it was saved: no template in its place, now or once the
        # services are described (a quiet reload from disk would leave the tab modified),
        # and the last method's template is not this one's.
        self._template = ""
        self._kept_method = model.grpc.method.strip() or None
        self.request.load_grpc(model.grpc)
        self._described_once = False
        if self.isVisible():
            self._describe_if_known()

    def is_blank(self) -> bool:
        """Nothing typed here and no call made."""
        grpc = self.request.to_grpc()
        return (not grpc.method and not grpc.message.strip() and not grpc.protos
                and self.controller.result is None and self.controller.error is None
                and not self.controller.busy)

    # -- services and the message ----------------------------------------------------------------

    def refresh(self) -> None:
        """Describe the services again (by reflection, or from the .proto files)."""
        self._described_once = True
        self._describe_timer.stop()
        model = self._host.to_model()
        self._described_from = _describe_source(model)
        self.request.status.setText("Describing…")
        self.services.refresh(model, self._host.variables)

    def request_edited(self, model: RequestModel) -> None:
        """The tab's request was edited: when what its services come from changed (another
        target, other .proto files, metadata or TLS options), the last ones go (their
        methods and types are not this target's) and are described again once typing
        pauses, as far as they can be."""
        source = _describe_source(model)
        if source == self._described_from:
            return
        if self._described_from is not None:
            same_target = not model.grpc.protos and _same_target(source, self._described_from)
            self._described_from = None
            if not same_target:
                self.services.forget()
                self.request.clear_services()
            # (Only its metadata or options edited: the target's services stay meanwhile.)
        # (A target being typed in a new tab is described once it is whole, too.)
        self._describe_timer.start()

    def check_message(self) -> None:
        """Check the message against the chosen method's input type now."""
        self._check_timer.stop()
        method = self.services.method(self.request.method_name())
        self.services.check(self.request.editor.toPlainText(), method, self._host.to_model(),
                            self._host.variables)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._described_once:
            self._describe_if_known()

    def _describe_if_known(self) -> None:
        """Describe on its own only what can be: .proto files, or a whole target (a URL
        being typed is not one yet; the picker asks again when opened)."""
        from app.model.compose_errors import ComposeError
        from app.model.compose_grpc import grpc_target

        model = self._host.to_model()
        if not model.grpc.protos:
            try:
                grpc_target(model.url)
            except ComposeError as exc:
                if "{{" not in model.url:
                    # A host typed, and typing paused: what the target lacks (a port...).
                    typed = model.url.strip().partition("://")[2].strip()
                    self.request.status.setText(str(exc) if typed else "")
                    return
        self.refresh()

    def _on_described(self, services: list[Service]) -> None:
        self.request.set_services(services)

    def _on_describe_failed(self, text: ErrorText) -> None:
        # The typed method stays; so do the target's services when the request's own fields
        # kept them from being described again (a metadata row, a variable).
        self.request.set_services(self.services.services)
        self.request.show_describe_error(text.title, text.detail)

    def _on_method(self, name: str) -> None:
        method = self.services.method(name)
        self.request.show_method(method, missing=bool(name and self.services.services))
        if method is None:
            self._check_timer.start()  # no type to fit: the last method's problem goes
            return
        editor = self.request.editor
        current = editor.toPlainText()
        if name != self._kept_method:
            self._kept_method = None
        if self._kept_method is None and (not current.strip() or current == self._template):
            self._template = template_text(self.services.services, method)
            editor.setPlainText(self._template)
        self._check_timer.start()

    def _on_call_ended(self, _result: object) -> None:
        # The call resolved the method already: a picker not filled yet (or filled from
        # what the request named before) is filled now.
        stale = _describe_source(self._host.to_model()) != self._described_from
        if (not self.services.services or stale) and not self.services.describing:
            self.refresh()

    def dispose(self) -> None:
        """The tab is closing: stop the call and the lookups."""
        self._check_timer.stop()
        self._describe_timer.stop()
        self.services.dispose()
        self.controller.dispose()


def _same_target(source: object, other: object) -> bool:
    """Whether two describe sources (:func:`_describe_source`) are of one target by
    reflection, their metadata or options aside."""
    return (isinstance(source, tuple) and isinstance(other, tuple) and len(other) == 3
            and source[0] == other[0])


def _describe_source(model: RequestModel) -> object:
    """What a request's services are described from, as typed: its .proto files and import
    paths, else its target with its metadata and options (TLS, certificates, proxy)."""
    grpc = model.grpc
    if grpc.protos:
        return list(grpc.protos), list(grpc.import_paths)
    return (model.url.strip(), [(row.name, row.value, row.enabled) for row in model.headers],
            model.options)
