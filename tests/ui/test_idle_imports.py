"""What a new, empty request tab leaves unloaded: the highlighter's Pygments and the XML
parsers come with the first text to colour or check, the importers and exporters (and the
email parser) with the first import or export (bench/idle.py measures the window's memory
when idle)."""

from __future__ import annotations

import os
import subprocess
import sys

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
print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygments', 'xml', 'keyring', 'email')
             or m == 'app.interchange.api'))
"""


def test_an_empty_tab_loads_no_highlighter_parser_or_importer() -> None:
    out = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True,
                         check=True, timeout=60,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip() == "[]"
