"""Streaming a 1 GiB multipart upload with ``app.client``, against raw aiohttp.

What is measured: a 1 GiB sparse file (``truncate(2**30)`` in a temporary directory, deleted at
the end) is uploaded as ``multipart/form-data`` to a local aiohttp endpoint that reads the body
to the end chunk by chunk and counts the bytes. Two ways, in the same run:

* ours: ``Request(session, "POST", "/upload")`` on an ``AsyncSession``, with
  ``attach_files([AttachedFile("big.bin", f, "application/octet-stream")])`` and a
  ``reporthook`` that counts its calls;
* baseline: ``aiohttp.ClientSession.post`` with an ``aiohttp.FormData`` holding the same open
  file.

For each upload the script checks that the server received exactly the bytes sent, multipart
framing included: the count equals the Content-Length, the body starts with the boundary and
one part's headers and ends with the closing boundary, and (count - framing) is exactly the
file's size; for ours the count must also equal the hook's final ``sent`` and ``total``.

The client process's RSS is sampled by a small thread (every 5 ms, and on every hook call),
and its peak growth over the RSS just before the upload starts is recorded.

The server runs in a separate process (2 cores: its CPU must not compete with the client's
event loop). After the file has been read once (to fill the page cache) and a warm-up upload
of a small file each way, ``--rounds`` rounds each upload
the 1 GiB file both ways, alternating which goes first; a round's ratio is (our throughput) /
(aiohttp's throughput), and the reported ratio is the median over rounds. The reported RSS
growth is the largest of our uploads.

Goal: ``throughput_vs_aiohttp >= 0.9``, ``rss_growth_mib <= 64`` (the file is streamed, never
held in memory), ``hook_calls >= 1024`` (at least one progress report per MiB).

The last line of stdout is ``throughput_vs_aiohttp=R rss_growth_mib=M hook_calls=N``.

Run: ``.venv/bin/python bench/upload.py [--rounds N] [--size BYTES]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from typing import Any

import _path  # noqa: F401  (first: this folder last on the path)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp
import psutil
from aiohttp import web

from app.client import AsyncSession, AttachedFile, Request
from bench._server import served

SIZE = 2**30
WARMUP_SIZE = 32 * 2**20
ROUNDS = 5
PATH = "/upload"
MIB = 2**20
HEAD = 4096
TAIL = 512


# -- the server (its own process, see bench/_server.py) ---------------------------------------


async def _upload(request: web.Request) -> web.Response:
    """Read the body to the end, chunk by chunk; answer its size, first and last bytes."""
    count = 0
    head = bytearray()
    tail = b""
    async for chunk in request.content.iter_any():
        count += len(chunk)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        tail = (tail + chunk[-TAIL:])[-TAIL:]
    return web.json_response(
        {
            "bytes": count,
            "content_length": request.content_length,
            "content_type": request.headers.get("Content-Type", ""),
            "chunked": "chunked" in request.headers.get("Transfer-Encoding", "").lower(),
            "head": head.decode("latin-1"),
            "tail": tail.decode("latin-1"),
        }
    )


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post(PATH, _upload)
    return app


# -- measuring -------------------------------------------------------------------------------


class PeakRSS:
    """The peak RSS of this process while active, sampled by a thread and by :meth:`poll`."""

    def __init__(self, interval: float = 0.005) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.baseline = 0
        self.peak = 0

    def poll(self) -> None:
        rss = self._process.memory_info().rss
        if rss > self.peak:
            self.peak = rss

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll()

    def __enter__(self) -> PeakRSS:
        self.baseline = self.peak = self._process.memory_info().rss
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.poll()
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / MIB


class Result:
    def __init__(self, size: int, elapsed: float, rss_mib: float, hook_calls: int = 0) -> None:
        self.size = size
        self.elapsed = elapsed
        self.rss_mib = rss_mib
        self.hook_calls = hook_calls

    @property
    def mib_s(self) -> float:
        return self.size / MIB / self.elapsed


def check_received(info: dict[str, Any], file_size: int, label: str) -> int:
    """Check that the server got exactly one part holding the whole file, framing included;
    return the byte count."""
    count = int(info["bytes"])
    ctype = info["content_type"]
    if "boundary=" not in ctype:
        raise RuntimeError(f"{label}: not a multipart body: {ctype!r}")
    boundary = ctype.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"').encode("latin-1")
    head = info["head"].encode("latin-1")
    tail = info["tail"].encode("latin-1")
    opening = b"--" + boundary + b"\r\n"
    closing = b"\r\n--" + boundary + b"--\r\n"
    if not head.startswith(opening):
        raise RuntimeError(f"{label}: the body does not start with the boundary: {head[:80]!r}")
    end_of_headers = head.find(b"\r\n\r\n")
    if end_of_headers < 0:
        raise RuntimeError(f"{label}: no end of the part headers in {head[:200]!r}")
    part_headers = head[len(opening) : end_of_headers].decode("latin-1").lower()
    if 'name="src"' not in part_headers or 'filename="big.bin"' not in part_headers:
        raise RuntimeError(f"{label}: unexpected part headers {part_headers!r}")
    if not tail.endswith(closing):
        raise RuntimeError(f"{label}: the body does not end with the closing boundary")
    framing = end_of_headers + 4 + len(closing)
    if count - framing != file_size:
        raise RuntimeError(
            f"{label}: the server got {count} bytes, {count - framing} of file data "
            f"(+{framing} framing); the file has {file_size}"
        )
    if not info["chunked"] and info["content_length"] != count:
        raise RuntimeError(
            f"{label}: Content-Length {info['content_length']} but {count} bytes arrived"
        )
    return count


async def upload_ours(session: AsyncSession, path: str) -> Result:
    size = os.path.getsize(path)
    calls = 0
    last: tuple[int, int | None] = (0, None)
    rss = PeakRSS()

    def hook(sent: int, total: int | None) -> None:
        nonlocal calls, last
        calls += 1
        if sent < last[0]:
            raise RuntimeError(f"the hook's sent went down: {last[0]} -> {sent}")
        last = (sent, total)
        rss.poll()

    with open(path, "rb") as f:
        request = Request(session, "POST", PATH, reporthook=hook)
        request.attach_files([AttachedFile("big.bin", f, "application/octet-stream")])
        with rss:
            t0 = time.perf_counter()
            async with request.fetch() as resp:
                info = await resp.json()
            elapsed = time.perf_counter() - t0
    count = check_received(info, size, "app.client")
    if last != (count, count):
        raise RuntimeError(f"app.client: the hook's last call was {last}, the server got {count}")
    return Result(count, elapsed, rss.growth_mib, calls)


async def upload_aiohttp(session: aiohttp.ClientSession, url: str, path: str) -> Result:
    size = os.path.getsize(path)
    rss = PeakRSS()
    with open(path, "rb") as f:
        form = aiohttp.FormData()
        form.add_field("src", f, filename="big.bin", content_type="application/octet-stream")
        with rss:
            t0 = time.perf_counter()
            async with session.post(url, data=form) as resp:
                resp.raise_for_status()
                info = await resp.json()
            elapsed = time.perf_counter() - t0
    count = check_received(info, size, "aiohttp")
    return Result(count, elapsed, rss.growth_mib)


async def bench(base: str, big: str, small: str, rounds: int) -> list[tuple[Result, Result]]:
    results: list[tuple[Result, Result]] = []
    async with AsyncSession(base) as mine, aiohttp.ClientSession() as raw:
        url = base + PATH
        await upload_ours(mine, small)
        await upload_aiohttp(raw, url, small)
        for r in range(rounds):
            if r % 2 == 0:
                ours = await upload_ours(mine, big)
                theirs = await upload_aiohttp(raw, url, big)
            else:
                theirs = await upload_aiohttp(raw, url, big)
                ours = await upload_ours(mine, big)
            print(
                f"  round {r}: app.client {ours.mib_s:7.0f} MiB/s (RSS +{ours.rss_mib:.1f} MiB, "
                f"{ours.hook_calls} hook calls)   aiohttp {theirs.mib_s:7.0f} MiB/s "
                f"(RSS +{theirs.rss_mib:.1f} MiB)   ratio {ours.mib_s / theirs.mib_s:.2f}",
                flush=True,
            )
            results.append((ours, theirs))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--size", type=int, default=SIZE, help="bytes of the big file")
    args = parser.parse_args()

    with served(make_app) as base, tempfile.TemporaryDirectory(prefix="spyglass-bench-") as tmp:
        big = os.path.join(tmp, "big.bin")
        small = os.path.join(tmp, "small.bin")
        with open(big, "wb") as f:
            f.truncate(args.size)
        with open(small, "wb") as f:
            f.truncate(WARMUP_SIZE)
        # Read the big file once, so that the first upload does not pay for filling the page
        # cache (the holes of a sparse file become page-cache pages on their first read).
        with open(big, "rb", buffering=0) as f:
            while f.read(8 * MIB):
                pass
        print(f"uploading a {args.size / MIB:.0f} MiB sparse file, {args.rounds} rounds")
        results = asyncio.run(bench(base, big, small, args.rounds))

    ours = [o for o, _ in results]
    theirs = [t for _, t in results]
    ratio = statistics.median(o.mib_s / t.mib_s for o, t in results)
    print(
        f"app.client: median {statistics.median(o.mib_s for o in ours):.0f} MiB/s, "
        f"RSS growth max {max(o.rss_mib for o in ours):.1f} MiB; "
        f"aiohttp: median {statistics.median(t.mib_s for t in theirs):.0f} MiB/s, "
        f"RSS growth max {max(t.rss_mib for t in theirs):.1f} MiB"
    )
    print(
        f"throughput_vs_aiohttp={ratio:.2f} rss_growth_mib={max(o.rss_mib for o in ours):.1f} "
        f"hook_calls={min(o.hook_calls for o in ours)}"
    )


if __name__ == "__main__":
    main()
