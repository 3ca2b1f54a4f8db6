"""Imported first by the bench scripts: this folder goes to the end of ``sys.path``.

Python puts a script's folder first, and this folder holds ``graphql.py``, which would then
hide the ``graphql`` package that the app imports. Last, the folder's own helpers
(``_server``) are still found.
"""

from __future__ import annotations

import os
import sys

__all__: list[str] = []

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    sys.path.append(sys.path.pop(0))
