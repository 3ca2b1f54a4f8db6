"""The Qt part of ``spyglass --self-check``: the platform plugins, and an application that
starts and renders the window's icon. Kept in ``ui`` because nothing in ``app`` imports Qt;
the entry point passes :func:`qt_checks` to :func:`app.self_check.run_self_check`."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from app.self_check import CheckResult, frozen
from ui.app import RESOURCES

__all__ = ["check_qt_app", "check_qt_plugins", "qt_checks"]


# -- checks -------------------------------------------------------------------------------------


def _platform_name(plugin: Path) -> str:
    """``libqxcb.so`` -> ``xcb``, ``qwindows.dll`` -> ``windows``."""
    name = plugin.name.split(".", 1)[0]
    name = name.removeprefix("lib")
    return name.removeprefix("q")


def _platform_candidates() -> tuple[list[str], list[str]]:
    """The platforms Qt will try, in order, and the arguments that make it so."""
    wanted = os.environ.get("QT_QPA_PLATFORM", "")
    if wanted:
        return [part.split(":", 1)[0] for part in wanted.split(";") if part], []
    if sys.platform == "win32":
        return ["windows"], []
    if sys.platform == "darwin":
        return ["cocoa"], []
    display, wayland = os.environ.get("DISPLAY"), os.environ.get("WAYLAND_DISPLAY")
    if not display and not wayland:
        return ["offscreen"], ["-platform", "offscreen"]
    if wayland and os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"], []
    return ["xcb"], []


def _load_error(plugin: Path) -> str | None:
    """Why the system cannot load this plugin (a missing shared library, say), or None."""
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc).replace(str(plugin.parent) + os.sep, "")
    return None


def check_qt_plugins() -> tuple[CheckResult, list[str]]:
    """List the platform plugins Qt has, and check that one Qt will use loads here."""
    from PySide6 import QtGui  # noqa: F401  (loads Qt's GUI library, which the plugins need)
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    plugins = {_platform_name(path): path for path in sorted(folder.glob("*"))
               if path.suffix in (".so", ".dll", ".dylib")}
    candidates, arguments = _platform_candidates()
    errors = {name: _load_error(path) for name, path in plugins.items()}
    listing = ", ".join(name if errors[name] is None else f"{name} (cannot load: {errors[name]})"
                        for name in plugins)
    detail = f"{listing or 'none'} in {folder}"
    loadable = [name for name in candidates if name in plugins and errors[name] is None]
    if not loadable:
        return CheckResult("qt plugins", False, f"none of {', '.join(candidates)} can load; "
                           f"{detail}"), arguments
    return CheckResult("qt plugins", True, detail), arguments


def check_qt_app(arguments: list[str]) -> CheckResult:
    """A QGuiApplication starts; the window's icon renders; fonts and image formats exist."""
    from PySide6 import QtWidgets  # noqa: F401  (the window's module: it must load too)
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QFontDatabase, QGuiApplication, QIcon, QImageReader

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0], *arguments])
    problems = []
    icon_path = RESOURCES / "icons" / "spyglass.svg"
    if not icon_path.is_file():
        icon = "no icon file"
        if frozen():  # a source install without resources/ still works, without an icon
            problems.append(f"{icon_path} is missing")
    elif QIcon(str(icon_path)).pixmap(64, 64).isNull():
        icon = "icon does not render"
        problems.append(f"{icon_path.name} does not render (SVG plugins missing?)")
    else:
        icon = "icon renders"
    formats = sorted({bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()})
    for needed in ("png", "jpeg", "svg"):
        if needed not in formats:
            problems.append(f"no {needed} image plugin")
    families = len(QFontDatabase.families())
    if not families:
        problems.append("no fonts (install fonts-dejavu-core or any font)")
    detail = (f"Qt {qVersion()} (PySide6 {pyside_version}) on platform "
              f"{QGuiApplication.platformName()}; {icon}; {families} font families; "
              f"image formats: {', '.join(formats)}")
    del app
    if problems:
        return CheckResult("qt", False, f"{'; '.join(problems)}; {detail}")
    return CheckResult("qt", True, detail)


def qt_checks() -> Iterator[CheckResult]:
    """The plugin check, then (only when a platform plugin can load: Qt would abort the
    process otherwise) the application check. Each is yielded as soon as it is done."""
    try:
        plugins, arguments = check_qt_plugins()
    except Exception as exc:
        plugins, arguments = CheckResult("qt plugins", False, f"{type(exc).__name__}: {exc}"), []
    yield plugins
    if not plugins.ok:
        yield CheckResult("qt", False, "not started: no platform plugin can load")
        return
    try:
        yield check_qt_app(arguments)
    except Exception as exc:
        yield CheckResult("qt", False, f"{type(exc).__name__}: {exc}")
