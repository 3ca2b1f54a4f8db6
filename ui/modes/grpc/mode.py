"""gRPC as a mode: the call controller shown in the gRPC pane. The pane keeps the request's
``grpc`` fields (method, message, .proto files, import paths, deadline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.modes.base import ModeParts
from ui.modes.grpc.grpc_pane import GrpcPane

if TYPE_CHECKING:
    from ui.modes.base import ModeHost

__all__ = ["build"]


def build(host: ModeHost) -> ModeParts:
    """The gRPC mode of the tab ``host``."""
    pane = GrpcPane(host)
    return ModeParts(pane.controller, pane, to_model=pane.to_model, load_model=pane.load_model,
                     blank=pane.is_blank, close=pane.dispose, changed=pane.changed,
                     checked=pane.controller.checked, request_edited=pane.request_edited)
