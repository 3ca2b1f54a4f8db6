"""Light and dark themes on Qt's Fusion style, following the system unless told otherwise."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["THEMES", "apply_theme", "is_dark"]

THEMES = ("system", "light", "dark")


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#1f2124"), QColor("#17181a"), QColor("#e6e6e6")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#232529"),
        QPalette.ColorRole.ToolTipBase: QColor("#2b2d31"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8a8f98"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#2b2d31"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Highlight: QColor("#3d6fd9"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#6ea8fe"),
        QPalette.ColorRole.Mid: QColor("#3a3d42"),
        QPalette.ColorRole.Dark: QColor("#111214"),
        QPalette.ColorRole.Light: QColor("#3a3d42"),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6f76"))
    return p


def is_dark(theme: str, *, exact: bool = True) -> bool:
    """Whether ``theme`` ends up dark. ``system`` asks the platform's colour scheme, or with
    ``exact=False`` only looks at the platform palette: reading the scheme makes PySide build
    every enum of the Qt namespace (some 30 ms), which the first frame can do without."""
    if theme == "dark":
        return True
    if theme == "light":
        return False
    if not exact:
        return QGuiApplication.palette().window().color().lightness() < 128
    from PySide6.QtCore import Qt

    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, theme: str, *, exact: bool = True) -> bool:
    """Apply ``theme`` (system, light or dark) to the whole application; True when dark."""
    dark = is_dark(theme, exact=exact)
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    return dark
