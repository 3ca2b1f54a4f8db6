"""GraphQL on a big schema: completion as you type, validation, and introspection.

A generated schema of 2,000 object types with 10 fields each (20,000 fields; arguments, enums,
input objects, interfaces; its introspection result is some 5 MB of JSON) is served by a local
aiohttp server, and a 2,000-line document of operations and fragments is typed against it.

- ``completion_p99_ms``: the 99th percentile of ``complete()`` over ``--samples`` calls, the
  way an editor makes them: a word typed one character at a time at random places of the
  document, a call after each character (the first call on the document included). Goal 50.
- ``validate_stall_ms``: the longest stall of the real editor's event loop while it
  re-validates as you type: the GraphQL body page (``ui.request.graphql``) on a qasync loop,
  offscreen, holding the document, a character typed ``--validations`` times and the page's
  analysis awaited each time, the loop's largest gap between 1 ms ticks measured meanwhile.
  graphql-core's rules walk the whole document (``validate_ms`` on stderr: the longest single
  ``validate()``, some 0.2-1.5 s here, pure Python holding the GIL), so the page runs them in a
  child process (``app.graphql.AnalysisWorker``); the first analysis, which starts it and sends
  it the schema, is awaited before measuring. Goal 50.
- ``introspect_ms``: ``SchemaCache.load()`` of that schema: the introspection query, 5 MB of
  JSON read and parsed, ``build_client_schema`` and the cache. Goal 2000.

The last line of stdout is ``completion_p99_ms=N validate_stall_ms=M introspect_ms=T``.
Run: ``.venv/bin/python bench/graphql.py [--samples N] [--validations N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time

# This file is named like the graphql package: its folder must not come first on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from aiohttp import web  # noqa: E402
from graphql import build_schema, introspection_from_schema  # noqa: E402

from app.client import AsyncSession  # noqa: E402
from app.graphql import SchemaCache, complete, validate  # noqa: E402
from bench._server import served  # noqa: E402

TYPES = 2000
FIELDS = 10
DOCUMENT_LINES = 2000


def make_sdl(types: int = TYPES, fields: int = FIELDS) -> str:
    """Object types T0..Tn-1, each with scalar, enum, list and object fields (some with
    arguments), implementing one of 20 interfaces; a Query with a field per type."""
    parts = ['enum Order { ASC DESC OLDEST @deprecated(reason: "Use ASC.") }',
             "input Page { first: Int, after: String, order: Order, nested: Page }"]
    for i in range(20):
        parts.append(f'"Interface {i}." interface I{i} {{ id: ID! }}')
    for t in range(types):
        lines = [f'"Type number {t}." type T{t} implements I{t % 20} {{', "  id: ID!"]
        for f in range(fields - 1):
            target = (t * 7 + f * 13 + 1) % types
            if f % 3 == 0:
                lines.append(f'  "Field {f}." f{f}_t{target}(page: Page, order: Order): '
                             f"[T{target}!]!")
            elif f % 3 == 1:
                lines.append(f"  f{f}_t{target}: T{target}")
            else:
                deprecated = ' @deprecated(reason: "old")' if f == 8 else ""
                lines.append(f"  s{f}: String{deprecated}")
        lines.append("}")
        parts.append("\n".join(lines))
    parts.append("type Query {\n" + "\n".join(f"  t{t}(id: ID!): T{t}" for t in range(types))
                 + "\n}")
    return "\n\n".join(parts)


def make_document(lines: int = DOCUMENT_LINES, types: int = TYPES) -> str:
    """A valid document of at least ``lines`` lines: operations of about 25 lines, three
    levels deep, each with the fragments it spreads (each fragment defined once)."""
    out: list[str] = []
    defined: set[int] = set()
    n = 0
    while len(out) < lines:
        t = (n * 37) % types
        out.append(f"query Q{n}($page: Page, $id: ID!) {{")
        out.append(f"  t{t}(id: $id) {{")
        out.append("    id")
        spread = []
        for f in range(0, FIELDS - 1, 3):
            target = (t * 7 + f * 13 + 1) % types
            out.append(f"    f{f}_t{target}(page: $page, order: ASC) {{")
            out.append("      id")
            inner = (target * 7 + 1 * 13 + 1) % types
            out.append(f"      f1_t{inner} {{ id s2 }}")
            out.append(f"      ...F{target}")
            out.append("    }")
            spread.append(target)
        out.append("  }")
        out.append("}")
        for target in spread:
            if target not in defined:
                defined.add(target)
                out.append(f"fragment F{target} on T{target} {{ id s2 }}")
        n += 1
    return "\n".join(out) + "\n"


def completion_times(schema: object, document: str, samples: int,
                     rng: random.Random) -> list[float]:
    times = []
    text = document
    while len(times) < samples:
        # A place inside a selection set: the start of a line holding a field.
        lines = text.split("\n")
        line = rng.randrange(len(lines))
        if not lines[line].startswith("    ") or "{" in lines[line] or "}" in lines[line]:
            continue
        indent = len(lines[line]) - len(lines[line].lstrip())
        word = rng.choice(["id", "s2", "f1_t", "f3_t", "__typename"])
        for i in range(len(word) + 1):
            typed = [*lines[:line], " " * indent + word[:i] + " " + lines[line].lstrip(),
                     *lines[line + 1:]]
            candidate = "\n".join(typed)
            start = time.perf_counter()
            complete(schema, candidate, line + 1, indent + i + 1)  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
        text = candidate
    return times


def editor_stalls(schema: object, document: str, edits: int) -> list[float]:
    """The event loop's largest gaps (seconds) while the real GraphQL page re-analyses the
    document after each of ``edits`` typed characters (see the module docstring)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from ui.request.graphql.graphql_page import GraphQLBodyPage
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runner = TaskRunner()
    page = GraphQLBodyPage()
    page.resize(1200, 800)
    page.show()
    page.load(document, "", "")
    page.set_schema(schema, "bench")  # type: ignore[arg-type]
    page.attach(runner, "bench")
    perf = time.perf_counter

    async def settle() -> float:
        """Wait for the page's analysis, ticking every 1 ms; the largest gap."""
        worst, last = 0.0, perf()
        while page.pending():
            await asyncio.sleep(0.001)
            now = perf()
            worst, last = max(worst, now - last), now
        return worst

    async def drive() -> list[float]:
        await settle()  # the first analysis, of the document as loaded
        gaps = []
        line = document.split("\n").index("    id") if "    id" in document else 2
        for i in range(edits):
            cursor = page.editor.textCursor()
            block = page.editor.document().findBlockByNumber(line + i * 25)
            cursor.setPosition(block.position() + block.length() - 1)
            page.editor.setTextCursor(cursor)
            page.editor.insertPlainText(" ")  # as a key typed: the page analyses after a pause
            gaps.append(await settle())
        return gaps

    try:
        return loop.run_until_complete(drive())
    finally:
        runner.cancel_all()
        page.close()
        GraphQLBodyPage.worker().close()


def make_app() -> web.Application:
    """A server answering any POST to /graphql with the generated schema's introspection
    result (run in its own process, so that serving does not share the measured loop)."""
    answer = json.dumps({"data": introspection_from_schema(build_schema(make_sdl()))}).encode()
    print(f"introspection result: {len(answer) / 1e6:.1f} MB", file=sys.stderr)

    async def graphql(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post("/graphql", graphql)
    return app


async def introspect_time(url: str) -> tuple[float, object]:
    async with AsyncSession() as session:
        cache = SchemaCache()
        start = time.perf_counter()
        entry = await cache.load(session, url + "/graphql")
        elapsed = time.perf_counter() - start
    return elapsed, entry.schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--validations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with served(make_app) as url:
        introspect_s, schema = asyncio.run(introspect_time(url))
    document = make_document()
    print(f"document: {document.count(chr(10))} lines, {len(document)} characters",
          file=sys.stderr)

    problems = validate(schema, document)  # type: ignore[arg-type]
    print(f"problems in the document: {len(problems)}", file=sys.stderr)
    validations = []
    for _ in range(args.validations):
        start = time.perf_counter()
        validate(schema, document)  # type: ignore[arg-type]
        validations.append(time.perf_counter() - start)
    print(f"validate_ms={max(validations) * 1000:.0f} (in a child process in the editor)",
          file=sys.stderr)
    stalls = editor_stalls(schema, document, args.validations)

    times = completion_times(schema, document, args.samples, rng)
    times_ms = sorted(t * 1000 for t in times)
    p99 = times_ms[min(len(times_ms) - 1, int(len(times_ms) * 0.99))]
    print(f"completion: {len(times_ms)} calls, median {statistics.median(times_ms):.2f} ms, "
          f"max {times_ms[-1]:.1f} ms", file=sys.stderr)
    print(f"completion_p99_ms={p99:.1f} validate_stall_ms={max(stalls) * 1000:.0f} "
          f"introspect_ms={introspect_s * 1000:.0f}")


if __name__ == "__main__":
    main()
