"""How fast hostile input ends in a clear error, and what it costs.

Each figure is a function below, registered in ``FIGURES`` under the key it prints, and run
in a fresh Python process of its own (so one figure's memory does not count in another's).

- ``yaml_bomb_s``: the worst time, over a 585-byte "billion laughs" in a Postman collection,
  the same as an OpenAPI ``example`` and as a workspace's ``collection.yaml``, from the call
  to the clear error (``InterchangeError``/``WorkspaceError``). Goal: ``<= 1``.
- ``openapi_fanout_s``: importing a 3 KB OpenAPI document whose schema fans out without a
  cycle (8 ** 8 strings), until the import ends with the example cut short. Goal: ``<= 1``.

The inputs are in ``tests/faults/samples.py``. The last line of stdout is ``KEY=VALUE ...``
in the order of ``FIGURES``; a figure that takes longer than ``--timeout`` prints ``timeout``.

Add a figure: write a function returning a float, add it to ``FIGURES`` with its key.

Run: ``.venv/bin/python bench/hostile.py [--timeout 60]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _time_to_error(call: Callable[[], object], errors: tuple[type[Exception], ...]) -> float:
    started = time.perf_counter()
    try:
        call()
    except errors:
        return time.perf_counter() - started
    raise SystemExit(f"{call} ended without the error it should give")


def yaml_bomb_s() -> float:
    """The slowest of the three YAML bombs to a clear error, in seconds."""
    from app.interchange import InterchangeError, import_text
    from app.model.request import RequestModel
    from app.storage.secrets import MemorySecrets
    from app.storage.workspace import COLLECTION_FILE, Workspace, WorkspaceError
    from tests.faults.samples import (
        yaml_bomb_collection_file,
        yaml_bomb_openapi,
        yaml_bomb_postman,
    )

    times = [_time_to_error(lambda: import_text(yaml_bomb_postman()), (InterchangeError,)),
             _time_to_error(lambda: import_text(yaml_bomb_openapi()), (InterchangeError,))]
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(tmp, MemorySecrets())
        workspace.save_request("Shop", RequestModel(name="r"))
        Path(tmp, "Shop", COLLECTION_FILE).write_text(yaml_bomb_collection_file())
        times.append(_time_to_error(lambda: workspace.list_requests("Shop"),
                                    (WorkspaceError,)))
    return max(times)


def openapi_fanout_s() -> float:
    """Importing the fan-out document, in seconds (it must end with the example cut)."""
    from app.interchange import import_text
    from tests.faults.samples import FANOUT_OPENAPI

    started = time.perf_counter()
    result = import_text(FANOUT_OPENAPI)
    elapsed = time.perf_counter() - started
    if not any("cut short" in w for w in result.warnings):
        raise SystemExit("the fan-out example was not cut short")
    return elapsed


#: Every figure, by the key it prints.
FIGURES: dict[str, Callable[[], float]] = {
    "yaml_bomb_s": yaml_bomb_s,
    "openapi_fanout_s": openapi_fanout_s,
}


def _run(key: str, timeout: float) -> str:
    """One figure in a fresh process: its value, or ``timeout``."""
    try:
        done = subprocess.run([sys.executable, __file__, "--figure", key], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return "timeout"
    except subprocess.CalledProcessError as exc:
        print(exc.stderr, file=sys.stderr)
        return "failed"
    return done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds one figure may take (default 60)")
    parser.add_argument("--figure", choices=FIGURES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.figure:
        print(f"{FIGURES[args.figure]():.3f}")
        return 0
    values = {}
    for key in FIGURES:
        values[key] = _run(key, args.timeout)
        print(f"{key}: {values[key]}", file=sys.stderr)
    print(" ".join(f"{key}={value}" for key, value in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
