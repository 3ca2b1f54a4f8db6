"""Per-request overhead of ``app.client`` against the libraries it competes with.

What is measured: the throughput (requests per second) of 2,000 sequential keep-alive GETs
to a small local aiohttp endpoint that answers a short body, made four ways in the same run:

* async: ``app.client.AsyncSession`` + ``Request(...).fetch()`` + ``await resp.read()``,
  against a raw ``aiohttp.ClientSession.get`` + ``await resp.read()`` (one session reused for
  all requests, in both cases);
* sync: ``app.client.Session`` + ``with Request(...).fetch() as resp: resp.read()``, against
  ``requests.Session().get(...).content``.

The server runs in a separate process (the machine has 2 cores: the server's CPU must not
compete with the client's event loop). Every way gets a warm-up, then ``--rounds`` timed rounds.
The machine is shared (other processes come and go), so a round does not make 2,000 requests
one way and then 2,000 the other: it interleaves blocks of ``BLOCK`` requests (A B, then B A,
...), so that a burst of outside load lands on both ways alike. In each round each way makes its
2,000 sequential requests on its one session; its throughput is 2,000 / (the sum of its blocks'
times), and the round's ratio is ours / baseline. The reported ratio is the median over rounds.

Goal: ``async_vs_aiohttp >= 0.9`` (the library's wrapping costs at most ~10 % over aiohttp)
and ``sync_vs_requests >= 1.0`` (the synchronous session is at least as fast as requests).

The last line of stdout is ``async_vs_aiohttp=R sync_vs_requests=R``, R = (our throughput) /
(baseline throughput). Earlier lines give the raw req/s figures of every round.

Run: ``.venv/bin/python bench/request_overhead.py [--requests N] [--rounds N] [--profile]``;
``--profile`` adds a cProfile of one extra run of each of our loops (printed to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp
import requests
from aiohttp import web

from app.client import AsyncSession, Request, Session
from bench._server import served

BODY = b"hello from the benchmark server\n"
PATH = "/small"
N_REQUESTS = 2000
ROUNDS = 5
WARMUP = 300
BLOCK = 100


# -- the server (its own process, see bench/_server.py) ---------------------------------------


async def _small(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="text/plain")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get(PATH, _small)
    return app


# -- the four ways: each makes n requests and returns the seconds they took -------------------


def _check(status: int, body: bytes) -> None:
    if status != 200 or body != BODY:
        raise RuntimeError(f"unexpected answer: {status} {body[:80]!r}")


async def run_aiohttp(session: aiohttp.ClientSession, url: str, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        async with session.get(url) as resp:
            body = await resp.read()
    elapsed = time.perf_counter() - t0
    _check(resp.status, body)
    return elapsed


async def run_ours_async(session: AsyncSession, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        async with Request(session, "GET", PATH).fetch() as resp:
            body = await resp.read()
    elapsed = time.perf_counter() - t0
    _check(resp.status, body)
    return elapsed


def run_requests(session: requests.Session, url: str, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        resp = session.get(url)
        body = resp.content
    elapsed = time.perf_counter() - t0
    _check(resp.status_code, body)
    return elapsed


def run_ours_sync(session: Session, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        with Request(session, "GET", PATH).fetch() as resp:
            body = resp.read()
    elapsed = time.perf_counter() - t0
    _check(resp.status, body)
    return elapsed


# -- rounds ----------------------------------------------------------------------------------


class Round:
    """One round: the seconds each way spent on its ``n`` requests."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.ours = 0.0
        self.theirs = 0.0

    @property
    def ours_rps(self) -> float:
        return self.n / self.ours

    @property
    def theirs_rps(self) -> float:
        return self.n / self.theirs

    @property
    def ratio(self) -> float:
        return self.theirs / self.ours


def _blocks(n: int) -> list[int]:
    sizes = [BLOCK] * (n // BLOCK)
    if n % BLOCK:
        sizes.append(n % BLOCK)
    return sizes


async def bench_async(
    base: str, n: int, rounds: int, profile: cProfile.Profile | None
) -> list[Round]:
    url = base + PATH
    results: list[Round] = []
    async with aiohttp.ClientSession() as raw, AsyncSession(base) as mine:
        await run_aiohttp(raw, url, WARMUP)
        await run_ours_async(mine, WARMUP)
        for r in range(rounds):
            rnd = Round(n)
            for i, size in enumerate(_blocks(n)):
                if (i + r) % 2 == 0:
                    rnd.theirs += await run_aiohttp(raw, url, size)
                    rnd.ours += await run_ours_async(mine, size)
                else:
                    rnd.ours += await run_ours_async(mine, size)
                    rnd.theirs += await run_aiohttp(raw, url, size)
            results.append(rnd)
        if profile is not None:
            profile.enable()
            try:
                await run_ours_async(mine, n)
            finally:
                profile.disable()
    return results


def bench_sync(base: str, n: int, rounds: int, profile: cProfile.Profile | None) -> list[Round]:
    url = base + PATH
    results: list[Round] = []
    with requests.Session() as raw, Session(base) as mine:
        run_requests(raw, url, WARMUP)
        run_ours_sync(mine, WARMUP)
        for r in range(rounds):
            rnd = Round(n)
            for i, size in enumerate(_blocks(n)):
                if (i + r) % 2 == 0:
                    rnd.theirs += run_requests(raw, url, size)
                    rnd.ours += run_ours_sync(mine, size)
                else:
                    rnd.ours += run_ours_sync(mine, size)
                    rnd.theirs += run_requests(raw, url, size)
            results.append(rnd)
        if profile is not None:
            # Only the calling thread is profiled: the session's loop thread is not.
            profile.enable()
            try:
                run_ours_sync(mine, n)
            finally:
                profile.disable()
    return results


def _describe(label: str, ours: str, theirs: str, rounds: list[Round]) -> list[str]:
    def line(name: str, values: list[float]) -> str:
        return (
            f"  {name:<24} median {statistics.median(values):6.0f} req/s  best {max(values):6.0f}"
            f"  rounds {' '.join(f'{v:.0f}' for v in values)}"
        )

    ratios = [r.ratio for r in rounds]
    return [
        f"{label}:",
        line(theirs, [r.theirs_rps for r in rounds]),
        line(ours, [r.ours_rps for r in rounds]),
        f"  {'ratio per round':<24} {' '.join(f'{x:.2f}' for x in ratios)}"
        f"  (median {statistics.median(ratios):.2f}, spread {min(ratios):.2f}-{max(ratios):.2f})",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=N_REQUESTS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--profile", action="store_true", help="cProfile our loops (stderr)")
    args = parser.parse_args()

    profile = cProfile.Profile() if args.profile else None
    with served(make_app) as base:
        async_rounds = asyncio.run(bench_async(base, args.requests, args.rounds, profile))
        sync_rounds = bench_sync(base, args.requests, args.rounds, profile)

    if profile is not None:
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(50)
        stats.sort_stats("tottime").print_stats(35)
        print(out.getvalue(), file=sys.stderr)

    print(f"{args.requests} sequential keep-alive GETs per way per round, {args.rounds} rounds, "
          f"interleaved in blocks of {BLOCK}")
    print("\n".join(_describe("async", "app.client AsyncSession", "aiohttp.ClientSession",
                               async_rounds)))
    print("\n".join(_describe("sync", "app.client Session", "requests.Session", sync_rounds)))
    a = statistics.median(r.ratio for r in async_rounds)
    b = statistics.median(r.ratio for r in sync_rounds)
    print(f"async_vs_aiohttp={a:.2f} sync_vs_requests={b:.2f}")


if __name__ == "__main__":
    main()
