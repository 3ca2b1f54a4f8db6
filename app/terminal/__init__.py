"""Terminals over WebSocket (SPEC 6): the wire protocols, the screen and the connection."""

from .screen import Cell, CursorShape, MouseMode, TerminalScreen

__all__ = ["Cell", "CursorShape", "MouseMode", "TerminalScreen"]
