"""Routes inside a mode: a request the mode's own controller should not send goes to the parts
a route builds for it (a GraphQL subscription picked in HTTP mode is subscribed to and shown
in an event-stream pane). The tab sees one controller either way: :class:`RoutedController`
starts the parts the request belongs to, relays their signals, and stops whichever is busy.
Routes are declared in ``ui.modes.registry``."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ui.modes.base import ConnectionState, ModeParts

if TYPE_CHECKING:
    from app.model.request import RequestModel
    from ui.modes.base import ModeHost, VariablesSource
    from ui.modes.registry import Route

__all__ = ["RoutedController", "routed"]


class RoutedController(QObject):
    """The controller of a mode with routes (see the module docstring). A route's parts are
    built the first time a request takes it."""

    state_changed = Signal(object)
    exchanged = Signal(object, object, object)

    def __init__(self, host: ModeHost, main: ModeParts, routes: Sequence[Route]) -> None:
        super().__init__(main.pane)
        self._host = host
        self._main = main
        self._routes = tuple(routes)
        self._built: dict[str, ModeParts] = {}
        self._current = main
        self._listen(main)

    def _listen(self, parts: ModeParts) -> None:
        parts.controller.state_changed.connect(self.state_changed)
        parts.controller.exchanged.connect(self.exchanged)

    def __getattr__(self, name: str) -> object:
        # Anything else is the main controller's (the HTTP mode's signals, such as
        # upload_progress): the tab and its views reach the mode through this controller.
        return getattr(self._main.controller, name)

    @property
    def main(self) -> object:
        """The mode's own controller (plain HTTP's ``SendController``)."""
        return self._main.controller

    def route_parts(self, name: str) -> ModeParts | None:
        """The parts of the route ``name``, if a request has taken it."""
        return self._built.get(name)

    def all_parts(self) -> list[ModeParts]:
        return [self._main, *self._built.values()]

    def _parts_for(self, model: RequestModel) -> ModeParts:
        for route in self._routes:
            if route.takes(model):
                parts = self._built.get(route.name)
                if parts is None:
                    parts = self._built[route.name] = route.build(self._host)
                    self._listen(parts)
                return parts
        return self._main

    @property
    def state(self) -> ConnectionState:
        return self._current.controller.state

    @property
    def busy(self) -> bool:
        return any(parts.controller.busy for parts in self.all_parts())

    def start(self, model: RequestModel, variables: VariablesSource | None = None) -> None:
        """Send ``model`` with the parts it belongs to, stopping what the others do."""
        parts = self._parts_for(model)
        for other in self.all_parts():
            if other is not parts and other.controller.busy:
                other.controller.stop()
        self._current = parts
        if parts is not self._main:
            self._host.show_pane(parts.pane)
        parts.controller.start(model, variables)

    def stop(self) -> bool:
        stopped = False
        for parts in self.all_parts():
            if parts.controller.busy:
                stopped = parts.controller.stop() or stopped
        return stopped

    def dispose(self) -> None:
        for parts in self.all_parts():
            parts.dispose()


def routed(host: ModeHost, main: ModeParts, routes: Sequence[Route]) -> ModeParts:
    """``main`` with ``routes``: the same pane, a :class:`RoutedController`."""
    if not routes:
        return main
    controller = RoutedController(host, main, routes)
    return dataclasses.replace(
        main, controller=controller, close=controller.dispose,
        blank=lambda: all(parts.blank() for parts in controller.all_parts()))
