"""What a new, empty request tab leaves unloaded: the highlighter's Pygments and the XML
parsers come with the first text to colour or check, the importers and exporters (and the
email parser) with the first import or export, graphql-core with the first GraphQL body, grpc
with the first gRPC request, the JSONPath parser with the first JSONPath assert, html's entity
table with the first variable tooltip. An idle window leaves the request library, the history
database (SQLite, and its page), uuid, hashlib and (over an empty workspace) PyYAML unloaded,
and its log file (with logging.handlers and pickle) unmade until a record comes
(bench/idle.py measures the window's memory when idle)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_CODE = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner
tab = RequestTab(TaskRunner(), lambda: None, 1, None)
tab.resize(1000, 700)
tab.show()
app.processEvents()
print(sorted(m for m in sys.modules if m.split('.')[0] in (
    'pygments', 'xml', 'keyring', 'email', 'graphql', 'grpc', 'jsonpath_rfc9535', 'regex', 'html',
    'sqlite3')
             or m == 'app.interchange.api'))
"""


def test_an_empty_tab_loads_no_highlighter_parser_or_importer() -> None:
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True,
                         check=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"


_PASTE = """
import sys
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.request_tab import RequestTab
from ui.tasks import TaskRunner
tab = RequestTab(TaskRunner(), lambda: None, 1, None)
tab.show()
QGuiApplication.clipboard().setText("https://example.com/items?page=2")
tab.editor.url_bar.paste()
app.processEvents()
print(tab.editor.url_bar.text(), 'app.interchange.curl' in sys.modules,
      sorted(m for m in sys.modules if m.split('.')[0] == 'graphql'))
"""


def test_pasting_a_url_loads_the_curl_reader_but_not_graphql() -> None:
    # The paste asks the curl reader whether the text is a command; graphql-core (which it
    # needs only to tell a JSON body from a GraphQL payload) must not come along.
    out = subprocess.run([sys.executable, "-c", _PASTE], capture_output=True, text=True,
                         check=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "https://example.com/items?page=2 True []", out.stderr


_WINDOW = """
import asyncio, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
import qasync
from ui.main_window import MainWindow
from ui.window_state import WindowState

async def main():
    window = MainWindow(WindowState(), deferred=True)
    window.show()
    window.populate()
    for _ in range(500):  # the workspace and the saved cookie jar are looked for on threads
        await asyncio.sleep(0.01)
        if not window.runner.running("cookies / open"):
            break
    print(window.runner.running("cookies / open"), 'aiohttp' in sys.modules)
    print(sorted(m for m in sys.modules
                 if m.split('.')[0] in ('sqlite3', 'uuid', 'platform', 'yaml')
                 or m in ('app.storage.history', 'ui.sidebar.history_panel', 'hashlib',
                          '_hashlib')))
    window.close()
    await window.shutdown()

qasync.run(main())
"""


def test_an_idle_window_loads_no_request_library_nor_history(tmp_path: Path) -> None:
    # The cookie keeper looks for the workspace's saved jar at start; finding none, it must
    # not have loaded aiohttp for it (bench/idle.py: some 17 MiB), nor hashlib (OpenSSL's
    # digests) for the workspace's id: the data folder holds no jar at all. The history
    # database is opened with the History page or the first send, neither of which came.
    # The workspace is empty: no file to read, so no PyYAML (some 1.7 MiB).
    folder = str(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": folder,
           "XDG_DATA_HOME": folder, "XDG_STATE_HOME": folder, "XDG_CACHE_HOME": folder}
    out = subprocess.run([sys.executable, "-c", _WINDOW], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    assert out.stdout.strip().splitlines()[-2:] == ["False False", "[]"], out.stderr
    assert not list(tmp_path.rglob("history.sqlite3"))


# The real start-up (ui.app.run): once the window is up (the warm-up, installed after the log
# handler, is loaded) and its first tasks had a second to end, what is loaded is printed.
_START = """
import os, runpy, sys, threading, time

def look():
    for _ in range(600):
        if "ui.warm_up" in sys.modules:
            break
        time.sleep(0.05)
    time.sleep(1.0)
    print(sorted(m for m in ("logging.handlers", "pickle", "hashlib", "ui.warm_up")
                 if m in sys.modules), flush=True)
    os._exit(0)

threading.Thread(target=look, daemon=True).start()
sys.argv = ["spyglass"]
runpy.run_module("app", run_name="__main__")
"""


def test_the_log_file_waits_for_its_first_record(tmp_path: Path) -> None:
    # ui.log_file: nothing was logged, so neither the rotating handler's module (with pickle)
    # nor the file itself exists; nor hashlib (no saved cookie jar).
    folder = str(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": folder,
           "XDG_DATA_HOME": folder, "XDG_STATE_HOME": folder, "XDG_CACHE_HOME": folder}
    env.pop("SPYGLASS_STARTUP_PROBE", None)
    out = subprocess.run([sys.executable, "-c", _START], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    assert out.stdout.strip().splitlines()[-1] == "['ui.warm_up']", out.stderr
    assert not list(tmp_path.rglob("spyglass.log"))
