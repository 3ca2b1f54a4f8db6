"""How long a big workspace takes to open into the sidebar.

What is measured: a workspace of 1,000 requests in 50 folders (10 collections of 5 folders,
20 requests each, with headers, a JSON body and auth, as files saved by Spyglass) is
generated in a temporary folder. Then, in a real ``CollectionTree`` in a window (offscreen) on
a qasync loop, the time from asking the workspace view-model to open the folder until the
tree holds every request and has painted: files read and parsed on a worker thread (cold
cache), tree built, first paint. A 5 ms timer probe gives the worst stall of the UI loop
meanwhile. For scale, the same command times a plain ``os.walk`` + read of every file
(``baseline_read_ms``), the least any reader could do.

Goal: ``open_1000_ms <= 1000`` (Bruno becomes unresponsive at about 1,000 requests).

The last line of stdout is ``open_1000_ms=T``; the line before gives the details.

Run: ``.venv/bin/python bench/workspace.py [--requests 1000] [--folders 50] [--keep DIR]``;
``--keep DIR`` generates the workspace into DIR once and reuses it on later runs (10,000
requests take a minute to generate). The last line is then ``open_10000_ms=T``; goal
``<= 1000`` at 10,000 requests too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    RequestModel,
)
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from ui.sidebar.collections import CollectionTree
from ui.tasks import TaskRunner
from ui.workspace_controller import WorkspaceController


def generate(root: Path, requests: int, folders: int) -> None:
    ws = Workspace(root, MemorySecrets())
    per_folder = max(requests // folders, 1)
    collections = max(folders // 5, 1)
    made = 0
    for f in range(folders):
        collection = f"Service {f % collections:02d}/Area {f // collections:02d}"
        for r in range(per_folder):
            if made >= requests:
                return
            model = RequestModel(
                name=f"Operation {f:02d}-{r:02d}", method=("GET", "POST", "PUT", "DELETE")[r % 4],
                url=f"{{{{base}}}}/service/{f}/items/{r}?page=1",
                params=[KeyValue("page", "1")],
                headers=[KeyValue("Accept", "application/json"), KeyValue("X-Trace", str(r))],
                body=BodyModel(kind=BodyKind.JSON,
                               text=f'{{\n  "name": "item",\n  "count": {r}\n}}\n'),
                auth=AuthModel(kind=AuthKind.BEARER, token=f"token-{r}"))
            ws.save_request(collection, model, f"op-{r:03d}")
            made += 1


def baseline(root: Path) -> float:
    begun = time.perf_counter()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            Path(folder, name).read_bytes()
    return (time.perf_counter() - begun) * 1000


async def measure(app: QApplication, root: Path, expected: int) -> tuple[float, float]:
    runner = TaskRunner()
    controller = WorkspaceController(runner, Workspace(root, MemorySecrets()))
    tree = CollectionTree(controller)
    tree.resize(320, 800)
    tree.show()
    for _ in range(5):
        app.processEvents()
        await asyncio.sleep(0.01)

    worst = 0.0
    last = time.perf_counter()

    def tick() -> None:
        nonlocal worst, last
        now = time.perf_counter()
        worst = max(worst, now - last)
        last = now

    probe = QTimer()
    probe.timeout.connect(tick)
    probe.start(5)
    done = asyncio.get_running_loop().create_future()
    controller.tree_changed.connect(
        lambda _t: done.done() or done.set_result(None) if tree.request_count() >= expected
        else None)
    begun = time.perf_counter()
    last = begun
    await controller.rescan()
    await done
    tree.view.viewport().repaint()  # the first paint of the full tree
    elapsed = (time.perf_counter() - begun) * 1000
    await asyncio.sleep(0.05)
    probe.stop()
    runner.cancel_all()
    tree.close()
    return elapsed, worst * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--folders", type=int, default=50)
    parser.add_argument("--keep", type=Path, default=None,
                        help="generate the workspace here once and reuse it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="spyglass-bench-ws-"))
    try:
        root = tmp / "workspace" if args.keep is None else args.keep
        if not root.exists():
            begun = time.perf_counter()
            generate(root, args.requests, args.folders)
            print(f"generated {args.requests} requests in {args.folders} folders in "
                  f"{time.perf_counter() - begun:.1f} s", flush=True)
        read_ms = baseline(root)
        app = QApplication.instance() or QApplication(sys.argv[:1])
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            open_ms, stall_ms = loop.run_until_complete(measure(app, root, args.requests))
        print(f"baseline_read_ms={read_ms:.0f} max_stall_ms={stall_ms:.0f} "
              f"open_vs_baseline={open_ms / max(read_ms, 0.001):.1f}")
        print(f"open_{args.requests}_ms={open_ms:.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
