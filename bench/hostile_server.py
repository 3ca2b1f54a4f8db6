"""What a hostile server can make the request library hold.

What is measured: the peak RSS growth of a client process while it

- fetches a 1 MiB gzip bomb (1 GiB of newlines once decoded) and calls ``read()``: the
  compression-ratio guard must stop it with ``RequestError`` (``TOO_LARGE``);
- follows an event stream that sends one 1 GiB line: ``max_event_size`` (16 MiB) must stop it
  with ``StreamError``.

Each case runs in a fresh client process (so that one case's peak does not hide the other's),
after a warm-up exchange that loads everything; the growth is the peak RSS after the case
minus the peak before it. The server (``tests.faults.hostile_server.py``) runs in a process of
its own. Each case must end with its error within 120 s.

Goal: ``bomb_rss_mib <= 64`` and ``sse_line_rss_mib <= 64``.

The last line of stdout is ``bomb_rss_mib=M sse_line_rss_mib=M``.

Run: ``.venv/bin/python bench/hostile_server.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, _ROOT)

from _server import served  # noqa: E402

from tests.faults.hostile_server import make_hostile_app  # noqa: E402

CASES = ("bomb", "sse_line")
CASE_TIMEOUT_S = 120


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bomb(base: str) -> str:
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
    return f"{_peak_rss_mib() - before:.1f}"


def _sse_line(base: str) -> str:
    from app.client import AsyncSession, Request, StreamError

    async def run() -> str:
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
                return f"{_peak_rss_mib() - before:.1f}"
            raise SystemExit("the 1 GiB line was taken whole")

    return asyncio.run(run())


def _case(name: str, base: str) -> str:
    """Run one case in a fresh interpreter; its growth in MiB."""
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--case", name, "--url", base],
        capture_output=True, text=True, timeout=CASE_TIMEOUT_S, cwd=_ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(_bomb(args.url) if args.case == "bomb" else _sse_line(args.url))
        return
    with served(make_hostile_app) as base:
        bomb = _case("bomb", base)
        line = _case("sse_line", base)
    print(f"bomb_rss_mib={bomb} sse_line_rss_mib={line}")


if __name__ == "__main__":
    main()
