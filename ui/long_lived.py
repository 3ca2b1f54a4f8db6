"""Libraries loaded for good, kept out of the garbage collector's full passes.

A full pass walks every object the collector tracks; the modules of a library loaded after
start-up (the request library, grpc and protobuf) are tens of thousands of them, and a pass
over them held the window up to 50 ms in the middle of a stream (bench/large_response.py).
Once such a library has loaded it lives as long as the process, so its objects go where
``gc.freeze()`` put start-up's (ui/app.py): the permanent generation, never walked.
"""

from __future__ import annotations

import gc
import threading

__all__ = ["loaded_for_good"]

_lock = threading.Lock()
_done: set[str] = set()


def loaded_for_good(what: str) -> None:
    """``what`` (a name) has just been imported: freeze the collector's generations, once
    per name. (What is garbage at that moment stays uncollected: a few objects, once.)"""
    with _lock:
        if what in _done:
            return
        _done.add(what)
    gc.freeze()
