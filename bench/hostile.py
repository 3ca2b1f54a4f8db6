"""What hostile input costs: the memory a hostile server can make the client hold, and how fast
a hostile file ends in a clear error.

Each figure is a function below, registered in ``FIGURES`` under the key it prints, and run
in a fresh Python process of its own (so one figure's memory does not count in another's):

- ``bomb_rss_mib``: the peak RSS growth of a client that fetches a 1 MiB gzip bomb (1 GiB of
  newlines once decoded) and calls ``read()``; the compression-ratio guard must stop it with
  ``RequestError`` (``TOO_LARGE``). Goal: ``<= 64``.
- ``sse_line_rss_mib``: the same while it follows an event stream that sends one 1 GiB line;
  ``max_event_size`` (16 MiB) must stop it with ``StreamError``. Goal: ``<= 64``.
- ``yaml_bomb_s``: the worst time, over a 585-byte "billion laughs" in a Postman collection,
  the same as an OpenAPI ``example`` and as a workspace's ``collection.yaml``, from the call
  to the clear error (``InterchangeError``/``WorkspaceError``). Goal: ``<= 1``.
- ``openapi_fanout_s``: importing a 3 KB OpenAPI document whose schema fans out without a
  cycle (8 ** 8 strings), until the import ends with the example cut short. Goal: ``<= 1``.

The two RSS figures measure from after a warm-up exchange that loads everything: the growth is
the peak RSS after the attack minus the peak before it. Their server
(``tests/faults/hostile_server.py``) runs in a process of its own; the file inputs are in
``tests/faults/samples.py``. The last line of stdout is ``KEY=VALUE ...`` in the order of
``FIGURES``; a figure that takes longer than ``--timeout`` prints ``timeout``, one that ends
without its error prints ``failed``.

Add a figure: write a function of the server's base URL returning a float, add it to
``FIGURES`` with its key (``_mib`` figures print one decimal, ``_s`` figures three).

Run: ``.venv/bin/python bench/hostile.py [--timeout 120]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import _path  # noqa: E402, F401  (first: this folder last on the path)

sys.path.insert(0, ROOT)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bomb_rss_mib(base: str) -> float:
    """Peak RSS growth reading a 1 MiB gzip bomb, in MiB."""
    from app.client import ErrorKind, Request, RequestError, Session

    with Session(base) as session:
        with Request(session, "GET", "/headers").fetch() as response:
            response.json()
        before = _peak_rss_mib()
        try:
            with Request(session, "GET", "/bomb?mib=1024").fetch() as response:
                response.read()
        except RequestError as exc:
            if exc.kind is not ErrorKind.TOO_LARGE:
                raise
        else:
            raise SystemExit("the gzip bomb was read whole")
    return _peak_rss_mib() - before


def sse_line_rss_mib(base: str) -> float:
    """Peak RSS growth following an event stream with a 1 GiB line, in MiB."""
    from app.client import AsyncSession, Request, StreamError

    async def run() -> float:
        async with AsyncSession(base) as session:
            async with Request(session, "GET", "/sse/headers").connect_events() as stream:
                [event async for event in stream]
            before = _peak_rss_mib()
            try:
                request = Request(session, "GET", "/sse/long-line?mib=1024")
                async with request.connect_events() as stream:
                    async for _ in stream:
                        pass
            except StreamError:
                return _peak_rss_mib() - before
            raise SystemExit("the 1 GiB line was taken whole")

    return asyncio.run(run())


def _time_to_error(call: Callable[[], object], errors: tuple[type[Exception], ...]) -> float:
    started = time.perf_counter()
    try:
        call()
    except errors:
        return time.perf_counter() - started
    raise SystemExit(f"{call} ended without the error it should give")


def yaml_bomb_s(base: str) -> float:
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


def openapi_fanout_s(base: str) -> float:
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
FIGURES: dict[str, Callable[[str], float]] = {
    "bomb_rss_mib": bomb_rss_mib,
    "sse_line_rss_mib": sse_line_rss_mib,
    "yaml_bomb_s": yaml_bomb_s,
    "openapi_fanout_s": openapi_fanout_s,
}


def _format(key: str, value: float) -> str:
    return f"{value:.1f}" if key.endswith("_mib") else f"{value:.3f}"


def _run(key: str, base: str, timeout: float) -> str:
    """One figure in a fresh process: its value, ``timeout`` or ``failed``."""
    try:
        done = subprocess.run([sys.executable, __file__, "--figure", key, "--url", base],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              check=True)
    except subprocess.TimeoutExpired:
        return "timeout"
    except subprocess.CalledProcessError as exc:
        print(exc.stdout, exc.stderr, file=sys.stderr)
        return "failed"
    return done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds one figure may take (default 120)")
    parser.add_argument("--figure", choices=FIGURES, help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.figure:
        print(_format(args.figure, FIGURES[args.figure](args.url)))
        return 0
    from _server import served

    from tests.faults.hostile_server import make_hostile_app

    values = {}
    with served(make_hostile_app) as base:
        for key in FIGURES:
            values[key] = _run(key, base, args.timeout)
            print(f"{key}: {values[key]}", file=sys.stderr)
    print(" ".join(f"{key}={value}" for key, value in values.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
