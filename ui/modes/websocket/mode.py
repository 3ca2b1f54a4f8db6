"""The WebSocket as a mode: the connection controller shown in the console pane. The pane
keeps the request's subprotocols and saved messages, which the model stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.model.variables import Resolution
from ui.modes.base import ModeParts
from ui.modes.websocket.websocket_pane import WebSocketPane

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.modes.base import ModeHost

__all__ = ["build"]


def build(host: ModeHost) -> ModeParts:
    """The WebSocket mode of the tab ``host``."""
    pane = WebSocketPane(host.runner, host.sessions, f"{host.key} / websocket")

    async def variables(model: RequestModel) -> Resolution:
        """The tab's values at the time the pane connects (the tab's source may change)."""
        source = host.variables
        return await source(model) if source is not None else Resolution()

    # The pane keeps saved messages per URL: give it the request before them.
    pane.set_model(host.to_model(), variables)

    def to_model(model: RequestModel) -> None:
        model.ws_subprotocols = pane.subprotocols()
        model.ws_saved = pane.saved_messages()

    def load_model(model: RequestModel) -> None:
        pane.set_subprotocols(model.ws_subprotocols)
        pane.set_saved_messages(model.ws_saved)

    return ModeParts(pane.controller, pane, to_model=to_model, load_model=load_model,
                     close=pane.dispose)
