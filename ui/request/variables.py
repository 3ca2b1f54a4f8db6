"""How ``{{variables}}`` are found and drawn, the same in the URL bar and the body editor: in
the variable colour when something defines them, in the error colour when nothing does, and
with their value (a secret masked) in a tooltip on hover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor, QTextCharFormat

from app.model.templating import VARIABLE
from ui.request.tones import ERROR
from ui.request.tones import VARIABLE as VARIABLE_COLOUR

__all__ = ["VariableLookup", "variable_at", "variable_format", "variable_matches",
           "variable_spans", "variable_tooltip"]


#: The variables in scope now: name -> an object with ``value``, ``source`` and ``secret``
#: (app.model.variables.Variable).
VariableLookup = Callable[[], dict[str, Any]]


def variable_spans(text: str) -> list[tuple[int, int]]:
    """``(start, length)`` of every ``{{name}}`` in ``text``."""
    return [(m.start(), m.end() - m.start()) for m in VARIABLE.finditer(text)]


def variable_matches(text: str) -> list[tuple[int, int, str]]:
    """``(start, length, name)`` of every ``{{name}}`` in ``text``."""
    return [(m.start(), m.end() - m.start(), m.group(1)) for m in VARIABLE.finditer(text)]


def variable_at(text: str, position: int) -> str | None:
    """The name of the ``{{variable}}`` covering ``position`` in ``text``, if any."""
    for m in VARIABLE.finditer(text):
        if m.start() <= position < m.end():
            return m.group(1)
    return None


def variable_format(resolved: bool = True) -> QTextCharFormat:
    """The variable colour on a faint tint of itself (the error colour when unresolved)."""
    colour = VARIABLE_COLOUR if resolved else ERROR
    fmt = QTextCharFormat()
    fmt.setForeground(colour)
    background = QColor(colour)
    background.setAlpha(36)
    fmt.setBackground(background)
    if not resolved:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(colour)
    return fmt


def variable_tooltip(name: str, lookup: VariableLookup | None) -> str:
    """Rich text for the tooltip over ``{{name}}``: its value and where it comes from."""
    import html  # with the first tooltip: its entity table is half a MiB

    shown = html.escape(f"{{{{{name}}}}}")
    known = lookup() if lookup is not None else {}
    found = known.get(name)
    if found is None:
        return (f"<b>{shown}</b> is not defined.<br>Choose an environment in the sidebar, or "
                "add it to one (Ctrl+E) or to the collection.")
    if found.secret:
        value = "•" * 8 + " <i>(secret)</i>"
    else:
        text = found.value if len(found.value) <= 300 else found.value[:300] + "…"
        value = f"<code>{html.escape(text)}</code>" if text else "<i>(empty)</i>"
    return f"<b>{shown}</b> = {value}<br><small>from {html.escape(found.source)}</small>"
