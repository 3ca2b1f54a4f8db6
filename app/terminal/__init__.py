"""Terminals over WebSocket (SPEC 6): the wire protocols, the screen and the connection."""

from .connect import Direction, TerminalContextManager, TerminalResponse, connect_terminal
from .protocols import PROTOCOLS, Codec, Error, Event, Exit, Frame, Output, Title
from .screen import Cell, CursorShape, MouseMode, TerminalScreen

__all__ = [
    "PROTOCOLS",
    "Cell",
    "Codec",
    "CursorShape",
    "Direction",
    "Error",
    "Event",
    "Exit",
    "Frame",
    "MouseMode",
    "Output",
    "TerminalContextManager",
    "TerminalResponse",
    "TerminalScreen",
    "Title",
    "connect_terminal",
]
