"""The collection runner against Newman, and its memory over a long run.

What is measured, against the playground served in a process of its own (``bench._server``):

1. One definition, a Postman v2.1 collection of 500 requests (``GET /echo/bench/<n>``), each
   with 3 checks in its test script: status 200, the echoed JSON ``path``, a
   ``Content-Type`` header. The Spyglass workspace is that collection imported by
   Spyglass's own Postman importer (the checks become 3 asserts a request), so both runners
   run the same thing.
2. ``spyglass run`` (a child process, ``python -m app run``) over it, wall-clock from start
   to exit, then Newman over the collection, serially. Newman is the ``newman`` npm
   package, which this bench installs with ``npm install --prefix build/bench-newman
   newman`` (once; later runs reuse it) -- it downloads from the npm registry. Where npm or
   node is absent, or the install fails, that half is skipped and ``run_vs_newman`` is
   ``skipped``. Both must pass every check, else the bench stops (a fast wrong run is no
   figure).
3. ``spyglass run --iterations 20``: 10,000 requests. Its process's RSS is sampled with
   psutil every 50 ms; the growth is the highest RSS seen minus the RSS once the first 500
   requests were done (the imports, the loop and the connection pool are made by then).
   ``requests_per_s`` is this run's requests over its wall-clock time.

Goals: ``run_vs_newman >= 3`` (Newman's time over Spyglass's), ``rss_growth_mib <= 64``.
The last line of stdout is ``run_vs_newman=R requests_per_s=N rss_growth_mib=M``.

Run: ``.venv/bin/python bench/runner.py [--requests 500] [--iterations 20] [--no-newman]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import psutil

from app.interchange.postman import SCHEMA_V21, import_postman
from app.interchange.workspace_io import import_into
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from bench._npm import npm_ready
from bench._server import served

ROOT = Path(__file__).resolve().parents[1]
NEWMAN_DIR = ROOT / "build" / "bench-newman"
NEWMAN_BIN = NEWMAN_DIR / "node_modules" / "newman" / "bin" / "newman.js"
COLLECTION = "Runner bench"


def playground_app() -> Any:
    """The playground application (module level: it is pickled to the server process)."""
    from app.playground import create_app

    return create_app()


def collection(base: str, count: int) -> dict[str, Any]:
    """The one definition both runners run: ``count`` requests with 3 checks each."""
    items = []
    for n in range(count):
        items.append({
            "name": f"Echo {n}",
            "request": {"method": "GET", "url": "{{base}}/echo/bench/" + str(n)},
            "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [
                'pm.test("status", function () { pm.response.to.have.status(200); });',
                'pm.test("path", function () {',
                f'    pm.expect(pm.response.json().path).to.eql("/echo/bench/{n}");',
                "});",
                'pm.test("type", function () { pm.response.to.have.header("Content-Type"); });',
            ]}}],
        })
    return {"info": {"name": COLLECTION, "schema": SCHEMA_V21},
            "variable": [{"key": "base", "value": base, "type": "string"}],
            "item": items}


def write_workspace(doc: dict[str, Any], root: Path, checks: int) -> Path:
    result = import_postman(doc)
    models = [m for _, m in result.collections[0].all_requests()]
    found = sum(len(m.asserts) for m in models)
    if found != checks or any(m.notes for m in models):
        raise SystemExit(f"the import made {found} asserts of {checks} checks")
    import_into(Workspace(root, MemorySecrets()), result)
    return root / COLLECTION


def spyglass_command(folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "app", "run", str(folder), "-r", "cli", *extra]


def run_spyglass(folder: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run(spyglass_command(folder), cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"spyglass run failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def newman_ready() -> str:
    """Why Newman cannot run ("" when it can), installing it first if need be."""
    return npm_ready(NEWMAN_DIR, ["newman"], NEWMAN_BIN)


def run_newman(path: Path) -> float:
    node = shutil.which("node") or "node"
    began = time.perf_counter()
    done = subprocess.run([node, str(NEWMAN_BIN), "run", str(path), "-r", "cli"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"newman failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def long_run(folder: Path, iterations: int, per_iteration: int) -> tuple[float, float]:
    """(requests per second, RSS growth in MiB) of ``spyglass run --iterations``."""
    began = time.perf_counter()
    proc = subprocess.Popen(spyglass_command(folder, "--iterations", str(iterations)),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    lines = 0

    def count() -> None:
        nonlocal lines
        assert proc.stdout is not None
        for _ in proc.stdout:
            lines += 1

    reader = threading.Thread(target=count, daemon=True)
    reader.start()
    process = psutil.Process(proc.pid)
    baseline = peak = 0
    while proc.poll() is None:
        try:
            rss = process.memory_info().rss
        except psutil.NoSuchProcess:
            break
        if not baseline and lines >= per_iteration:
            baseline = rss
        peak = max(peak, rss)
        time.sleep(0.05)
    reader.join(10)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise SystemExit(f"the long spyglass run failed ({proc.returncode})")
    total = iterations * per_iteration
    growth = (peak - baseline) / (1 << 20) if baseline else float("nan")
    return total / seconds, growth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--no-newman", action="store_true", help="skip the Newman half")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="spyglass-runner-bench-"))
    try:
        with served(playground_app) as base:
            doc = collection(base, args.requests)
            postman_file = tmp / "bench.postman_collection.json"
            postman_file.write_text(json.dumps(doc), encoding="utf-8")
            folder = write_workspace(doc, tmp / "ws", 3 * args.requests)
            spyglass_s = run_spyglass(folder)
            why = "--no-newman" if args.no_newman else newman_ready()
            if why:
                print(f"newman: skipped ({why})", flush=True)
                ratio = "skipped"
            else:
                newman_s = run_newman(postman_file)
                ratio = f"{newman_s / spyglass_s:.1f}"
                print(f"newman_s={newman_s:.2f}", flush=True)
            rate, growth = long_run(folder, args.iterations, args.requests)
            print(f"spyglass_s={spyglass_s:.2f} requests={args.requests} checks=3 "
                  f"long_run_requests={args.iterations * args.requests}", flush=True)
            print(f"run_vs_newman={ratio} requests_per_s={rate:.0f} "
                  f"rss_growth_mib={growth:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
