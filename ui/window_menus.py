"""The window's menu bar: every menu item, its shortcut and the window method it runs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from ui.theme import THEMES

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu

    from ui.main_window import MainWindow
    from ui.request_tab import RequestTab

__all__ = ["build_menus"]


def _add(menu: QMenu, text: str, slot: object, shortcut: str | None = None) -> QAction:
    action = menu.addAction(text)
    if shortcut is not None:
        # setShortcuts with a list, not setShortcut: resolving that overload makes PySide
        # build Qt's key enums (some 20 ms of the first frame).
        action.setShortcuts([QKeySequence(shortcut)])
    action.triggered.connect(slot)
    return action


def _on_tab(window: MainWindow, act: Callable[[RequestTab], object]) -> Callable[[], None]:
    """A menu slot that does ``act`` to the current tab (when there is one)."""
    def run() -> None:
        if (tab := window.current_tab()) is not None:
            act(tab)

    return run


def _escape(tab: RequestTab) -> None:
    """Esc cancels the transfer under way; otherwise it closes the find bar."""
    if not tab.cancel():
        tab.response.body.find_bar.dismiss()


def _copy_as_python(window: MainWindow, flavour: str, tab: RequestTab) -> None:
    window.documents.copy_as_python(tab, flavour)


def _is_grpc(tab: RequestTab | None) -> bool:
    from app.model.request import RequestMode

    return tab is not None and tab.mode == RequestMode.GRPC


def _copy_command_line(window: MainWindow, tab: RequestTab) -> None:
    """Ctrl+Shift+C: the request as the command line that can make it, curl or, for a gRPC
    call (which curl cannot make), grpcurl."""
    if _is_grpc(tab):
        window.documents.copy_as_grpcurl(tab)
    else:
        window.documents.copy_as_curl(tab)


def _follow_mode(window: MainWindow, command_line: QAction, http: list[QAction],
                 grpc: list[QAction]) -> None:
    """The Request menu offers the copies that fit the current tab's kind of request: a gRPC
    call's Python script uses app.grpc, and its command line is grpcurl. (The command-line
    copy is one action, relabelled, never hidden: a hidden action loses its shortcut.)"""
    is_grpc = _is_grpc(window.current_tab())
    command_line.setText("Copy as grpcurl" if is_grpc else "Copy as curl")
    for action in http:
        action.setVisible(not is_grpc)
    for action in grpc:
        action.setVisible(is_grpc)


def _follow_playground(window: MainWindow, start: QAction, stop: QAction) -> None:
    """Start while the playground is stopped, Stop while it runs (as the Tools menu opens:
    the playground's control is not made before it is wanted)."""
    state = window.playground_state()
    start.setEnabled(state == "stopped")
    stop.setEnabled(state == "running")


def _set_theme(window: MainWindow, name: str, _checked: bool = False) -> None:
    window.set_theme(name)


def _about(window: MainWindow) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app import __version__

    QMessageBox.about(window, "About Spyglass",
                      f"<b>Spyglass {__version__}</b><p>A native desktop API explorer: "
                      "HTTP, uploads with real progress, Server-Sent Events and "
                      "WebSocket. Offline, no account.</p>")


def _show_getting_started(window: MainWindow) -> None:
    window.sidebar.show_page(window.sidebar.getting_started)
    window.sidebar.getting_started.list.setFocus()


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Fill the menu bar of ``window``; returns the theme actions, by theme name."""
    bar = window.menuBar()
    f, r, v, t, h = (bar.addMenu(name) for name in
                     ("&File", "&Request", "&View", "&Tools", "&Help"))
    _add(f, "New tab", lambda: window.new_tab(), "Ctrl+T")
    _add(f, "Save request", window.save_current, "Ctrl+S")
    _add(f, "Save request as…", window.save_current_as, "Ctrl+Shift+S")
    f.addSeparator()
    _add(f, "Open workspace folder…", window.open_workspace_folder, "Ctrl+O")
    _add(f, "Import…", window.import_file, "Ctrl+I")
    export_menu = f.addMenu("Export workspace")
    for label, fmt in (("As curl commands…", "curl"), ("As HAR…", "har"),
                       ("As Postman collection v2.1…", "postman")):
        export_menu.addAction(label, functools.partial(window.export_workspace, fmt))
    _add(f, "Close tab", lambda: window.close_tab(window.tabs.currentIndex()), "Ctrl+W")
    f.addSeparator()
    _add(f, "Quit", window.close, "Ctrl+Q")
    send = _add(r, "Send", _on_tab(window, lambda tab: tab.send()))
    send.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    _add(r, "Cancel", _on_tab(window, _escape), "Esc")
    _add(r, "Focus URL", _on_tab(window, lambda tab: tab.editor.focus_url()), "Ctrl+L")
    _add(r, "Find in response", _on_tab(window, lambda tab: tab.open_find()), "Ctrl+F")
    command_line = _add(r, "Copy as curl",
                        _on_tab(window, functools.partial(_copy_command_line, window)),
                        "Ctrl+Shift+C")
    pythons = [_add(r, f"Copy as Python ({label})",
                    _on_tab(window, functools.partial(_copy_as_python, window, flavour)))
               for label, flavour in (("app.client", "client"), ("aiohttp", "aiohttp"))]
    grpc_python = _add(r, "Copy as Python (app.grpc)",
                       _on_tab(window, functools.partial(_copy_as_python, window, "grpc")))
    r.aboutToShow.connect(functools.partial(_follow_mode, window, command_line, pythons,
                                            [grpc_python]))
    r.addSeparator()
    _add(r, "Run collection…", lambda: window.run_collection(), "Ctrl+Shift+R")
    _add(v, "Toggle sidebar", lambda: window.sidebar.setVisible(not window.sidebar.isVisible()),
         "Ctrl+B")
    _add(v, "History", lambda: window.sidebar.show_page(window.sidebar.history), "Ctrl+H")
    _add(v, "Manage environments…", window.manage_environments, "Ctrl+E")
    theme_menu = v.addMenu("Theme")
    group = QActionGroup(window)
    themes: dict[str, QAction] = {}
    for name in THEMES:
        action = theme_menu.addAction(name.capitalize())
        action.setCheckable(True)
        group.addAction(action)
        action.triggered.connect(functools.partial(_set_theme, window, name))
        themes[name] = action
    start = _add(t, "Start playground", lambda: window.runner.start(
        "window / playground", window.playground.ensure_started()))
    stop = _add(t, "Stop playground", lambda: window.playground.stop())
    t.aboutToShow.connect(lambda: _follow_playground(window, start, stop))
    t.addSeparator()
    _add(t, "Clear runtime variables", window.clear_runtime_variables)
    _add(t, "Limits…", window.edit_limits)
    _add(t, "Network…", window.edit_network)
    _add(t, "Cookies…", window.manage_cookies)
    _add(h, "Getting started", lambda: _show_getting_started(window))
    _add(h, "About Spyglass", lambda: _about(window))
    return themes
