"""The GraphQL analysis (:func:`~app.graphql.analysis.analyse`) in a process of its own.

graphql-core's validator is pure Python: on a thread of the window's process it holds the GIL
for hundreds of milliseconds on a big document, and the window stalls (measured: 57-390 ms,
with the cyclic collector off). In a child process it stalls nothing. :class:`AnalysisWorker`
starts one child on first use and talks to it over the child's standard input and output:

- a frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON;
- the parent asks ``{"op": "analyse", "version", "schema" (an id, or null), "query",
  "operation", "variables"}``; the child answers the analysis
  (:func:`~app.graphql.analysis.to_wire`), ``{"error": message}``, or ``{"need_schema":
  true}`` when it does not hold that schema (new to it, evicted, or the child was restarted):
  the parent then sends ``{"op": "schema", "id", "sdl"}`` (``print_schema``) and asks again.
  So a schema crosses once, and the child keeps the last :data:`KEPT_SCHEMAS`.

The child exits when its standard input closes (the window exited, however it ended). One
that dies is started again, and the request it held is asked once more. Each caller names a
``channel`` (an editor): of its requests not yet sent only the newest is kept, the older ones
answer None (stale). A document over ``max_document_chars`` is not sent: its analysis says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import signal
import struct
import subprocess
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from weakref import WeakKeyDictionary

from graphql import GraphQLError, GraphQLSchema, build_schema, print_schema

from .analysis import Analysis, analyse, from_wire, to_wire

__all__ = ["DEFAULT_MAX_DOCUMENT_CHARS", "DEFAULT_TIMEOUT_S", "KEPT_SCHEMAS", "WORKER_FLAG",
           "AnalysisError", "AnalysisWorker", "worker_command", "worker_main"]

#: A document longer than this (characters) is not analysed (``max_document_chars``): some
#: 15,000 lines, several seconds of validation.
DEFAULT_MAX_DOCUMENT_CHARS = 500_000
#: The longest wait for one answer of the child (``timeout_s``), building a big schema
#: included (some 3 s for 20,000 fields); past it the child is killed and started again.
DEFAULT_TIMEOUT_S = 60.0
#: Schemas the child keeps built (a window rarely has more in use at once).
KEPT_SCHEMAS = 4
#: The argument that makes the entry point (``app.__main__``) run :func:`worker_main`.
WORKER_FLAG = "--graphql-worker"
#: A frame's length past this is taken for garbage on the pipe, not a message.
_MAX_FRAME = 1 << 30


class AnalysisError(Exception):
    """The analysis could not be had: the child failed twice in a row (died or did not
    answer in time), the analysis itself raised (the message says what), or the worker was
    closed."""


def worker_command() -> tuple[list[str], str | None]:
    """The child's command line and working directory: in a PyInstaller bundle the bundle's
    own executable with :data:`WORKER_FLAG`, else this interpreter running ``app`` from the
    folder this ``app`` package is in (so that the child runs this very code)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG], None
    return [sys.executable, "-m", "app", WORKER_FLAG], str(Path(__file__).resolve().parents[2])


def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next message, or None at the end of the stream (or garbage on it)."""
    header = _read_exact(stream, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    data = _read_exact(stream, size) if size <= _MAX_FRAME else None
    if data is None:
        return None
    try:
        message = json.loads(data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _write_frame(stream: IO[bytes], message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


class _Gone(Exception):
    """The child died, or was killed for not answering in time."""


@dataclass
class _Job:
    channel: str
    version: int
    schema: GraphQLSchema | None
    query: str
    operation: str
    variables_text: str
    future: Future[Analysis | None] = field(default_factory=Future)


class AnalysisWorker:
    """Analyses documents in one child process, for every editor of the window.

    ``max_document_chars`` and ``timeout_s`` are the settings (see the module's constants);
    ``command`` and ``cwd`` replace :func:`worker_command` (tests start a child that fails).
    Requests are answered in order by one thread of this object's, which does the blocking
    pipe I/O (the GIL is released meanwhile); :meth:`analyse` is awaited on any event loop.
    """

    def __init__(self, *, max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
                 timeout_s: float = DEFAULT_TIMEOUT_S, command: Sequence[str] | None = None,
                 cwd: str | None = None) -> None:
        self.max_document_chars = max_document_chars
        self.timeout_s = timeout_s
        self._command = list(command) if command is not None else None
        self._cwd = cwd
        self._cond = threading.Condition()
        self._jobs: deque[_Job] = deque()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = None
        self._schema_ids: WeakKeyDictionary[GraphQLSchema, int] = WeakKeyDictionary()
        self._ids = itertools.count(1)
        #: How many children were started (a restart adds one), and schemas sent to them.
        self.starts = 0
        self.schemas_sent = 0

    def process_id(self) -> int | None:
        """The running child's process id (None before the first request or once closed)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    async def analyse(self, version: int, schema: GraphQLSchema | None, query: str,
                      operation: str = "", variables_text: str = "", *,
                      channel: str = "") -> Analysis | None:
        """The analysis of ``query`` (``version`` is echoed back) against ``schema`` (None:
        the syntax alone), the operation named ``operation`` chosen, with the variables'
        JSON text; None when a newer request of the same ``channel`` came before this one was
        sent (stale: dropped). Raises :class:`AnalysisError` (see there)."""
        if len(query) > self.max_document_chars:
            return Analysis(version, skipped=(
                f"Not checked: the document is {len(query):,} characters; at most "
                f"{self.max_document_chars:,} are analysed"))
        job = _Job(channel, version, schema, query, operation, variables_text)
        self._submit(job)
        return await asyncio.wrap_future(job.future)

    def close(self) -> None:
        """Stop the child and the thread; requests still waiting raise AnalysisError."""
        with self._cond:
            self._closed = True
            waiting = list(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
        for job in waiting:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(AnalysisError("The GraphQL analysis was stopped"))
        self._stop_process()

    # -- the thread ------------------------------------------------------------------------

    def _submit(self, job: _Job) -> None:
        with self._cond:
            if self._closed:
                raise AnalysisError("The GraphQL analysis was stopped")
            stale = [j for j in self._jobs if j.channel == job.channel]
            for old in stale:
                self._jobs.remove(old)
            self._jobs.append(job)
            if self._thread is None:
                # A daemon: a thread blocked on the child must not hold the window's exit.
                self._thread = threading.Thread(target=self._serve, daemon=True,
                                                name="spyglass-graphql-analysis")
                self._thread.start()
            self._cond.notify()
        for old in stale:
            if old.future.set_running_or_notify_cancel():
                old.future.set_result(None)

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job = self._jobs.popleft()
            if not job.future.set_running_or_notify_cancel():
                continue  # its caller stopped waiting
            try:
                job.future.set_result(self._round_trip(job))
            except AnalysisError as exc:
                job.future.set_exception(exc)

    def _round_trip(self, job: _Job) -> Analysis:
        schema_id = None
        if job.schema is not None:
            schema_id = self._schema_ids.get(job.schema)
            if schema_id is None:
                schema_id = self._schema_ids[job.schema] = next(self._ids)
        request = {"op": "analyse", "version": job.version, "schema": schema_id,
                   "query": job.query, "operation": job.operation,
                   "variables": job.variables_text}
        for attempt in range(2):
            try:
                return self._exchange(request, job.schema)
            except _Gone as exc:
                self._stop_process()
                if attempt or self._closed:
                    raise AnalysisError(f"The GraphQL analysis process failed twice: {exc}"
                                        ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, request: dict[str, Any], schema: GraphQLSchema | None) -> Analysis:
        process = self._running_process()
        reply = self._ask(process, request)
        if reply.get("need_schema") and schema is not None:
            built = self._ask(process, {"op": "schema", "id": request["schema"],
                                        "sdl": print_schema(schema)})
            self.schemas_sent += 1
            if "error" in built:
                raise AnalysisError(str(built["error"]))
            reply = self._ask(process, request)
        if "error" in reply:
            raise AnalysisError(str(reply["error"]))
        try:
            return from_wire(reply)
        except (KeyError, TypeError, ValueError) as exc:
            raise AnalysisError(f"The GraphQL analysis process answered nonsense: {exc!r}"
                                ) from exc

    def _ask(self, process: subprocess.Popen[bytes], message: dict[str, Any]) -> dict[str, Any]:
        assert process.stdin is not None and process.stdout is not None
        late = threading.Event()

        def kill() -> None:
            late.set()
            process.kill()

        watchdog = threading.Timer(self.timeout_s, kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                _write_frame(process.stdin, message)
            except (OSError, ValueError):  # a broken pipe, or closed by close()
                reply = None
            else:
                reply = _read_frame(process.stdout)
        finally:
            watchdog.cancel()
        if reply is None:
            if late.is_set():
                raise _Gone(f"no answer within {self.timeout_s:g} s")
            try:
                code = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                raise _Gone("it broke the conversation") from None
            raise _Gone(f"it exited with status {code}")
        return reply

    def _running_process(self) -> subprocess.Popen[bytes]:
        with self._cond:
            if self._closed:
                raise AnalysisError("The GraphQL analysis was stopped")
            if self._process is not None:
                if self._process.poll() is None:
                    return self._process
                # It exited between two jobs (killed, crashed): its pipes go with it.
                for pipe in (self._process.stdin, self._process.stdout):
                    if pipe is not None:
                        with contextlib.suppress(OSError):
                            pipe.close()
            command, cwd = ((self._command, self._cwd) if self._command is not None
                            else worker_command())
            try:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd,
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
            except OSError as exc:
                raise AnalysisError(f"Could not start the GraphQL analysis process: {exc}"
                                    ) from exc
            self.starts += 1
            return self._process

    def _stop_process(self) -> None:
        with self._cond:
            process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            # It exits once it has answered what it holds (already broken: it is gone).
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Closed only once the child is gone: a read of it on the serving thread holds the
        # pipe's lock until it ends.
        if process.stdout is not None:
            process.stdout.close()


# -- the child -------------------------------------------------------------------------------


def _keep(schemas: OrderedDict[int, GraphQLSchema], key: int, schema: GraphQLSchema, *,
          freeze: bool) -> None:
    schemas[key] = schema
    if len(schemas) > KEPT_SCHEMAS:
        if freeze:  # frozen schemas are never collected: thaw all to let the evicted one go
            gc.unfreeze()
        schemas.popitem(last=False)
        if freeze:
            gc.collect()
    if freeze:
        # A child process that only analyses: its schemas live long, and the validator's
        # garbage would otherwise have every full collection walk them again (0.1-0.7 s).
        gc.freeze()


def _handle(message: dict[str, Any], schemas: OrderedDict[int, GraphQLSchema], *,
            freeze: bool) -> dict[str, Any]:
    op = message.get("op")
    try:
        if op == "schema":
            # The SDL is print_schema's of a valid schema: its validation may be skipped.
            _keep(schemas, int(message["id"]),
                  build_schema(str(message["sdl"]), assume_valid_sdl=True, no_location=True),
                  freeze=freeze)
            return {"ok": True}
        if op == "analyse":
            schema = None
            if message.get("schema") is not None:
                schema = schemas.get(int(message["schema"]))
                if schema is None:
                    return {"need_schema": True}
                schemas.move_to_end(int(message["schema"]))
            return to_wire(analyse(int(message["version"]), schema, str(message["query"]),
                                   str(message.get("operation") or ""),
                                   str(message.get("variables") or "")))
    except (GraphQLError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # RecursionError: graphql-core's recursive descent on absurdly nested input.
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"error": f"Unknown request {op!r}"}


def worker_main(reader: IO[bytes] | None = None, writer: IO[bytes] | None = None) -> int:
    """The child's loop: answer each request on ``reader`` (standard input) on ``writer``
    (standard output) until ``reader`` ends; 0. Given no streams it is the child process,
    and takes the process's own (and its collector) for itself."""
    child = reader is None or writer is None
    if reader is None or writer is None:
        # Ctrl+C in the window's terminal is the window's to handle; the child ends with it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        reader = sys.stdin.buffer
        # The frames get standard output's descriptor to themselves: anything printed goes
        # to standard error instead of breaking a frame.
        writer = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        sys.stdout = sys.stderr
    schemas: OrderedDict[int, GraphQLSchema] = OrderedDict()
    while (message := _read_frame(reader)) is not None:
        _write_frame(writer, _handle(message, schemas, freeze=child))
    return 0
