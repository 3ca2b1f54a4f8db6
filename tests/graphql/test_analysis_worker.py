"""AnalysisWorker: the editor's analysis in a child process. Its answers equal the in-process
``analyse``; a schema crosses once per child; a channel's stale requests are dropped; a child
that dies is started again (twice in a row is an error); a document too big is not sent; the
child ends with its parent. And the child's loop (``worker_main``) on its own, fed frames."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, print_schema

from app.graphql import Analysis, AnalysisError, AnalysisWorker, analyse, schema_from_sdl
from app.graphql.analysis_worker import WORKER_FLAG, worker_command, worker_main
from app.playground.graphql_schema import SDL

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = schema_from_sdl(SDL)

#: Problems of every kind, a masked {{variable}}, two operations and variables to check.
DOCUMENT = '''query One($id: ID!, $first: Int) {
  user(id: $id) { nme role posts { title } }
  users(first: {{limit}}, filter: { role: GUEST, nope: 1 }) { ...Who }
}
mutation Two($post: PostInput!) { addPost(authorId: "1", post: $post) { id } }
fragment Who on User { name username }
fragment Unused on Post { id }
'''
VARIABLES = '{"id": 1, "first": "ten", "extra": true}'


@pytest.fixture
def worker() -> Iterator[AnalysisWorker]:
    analysis = AnalysisWorker()
    yield analysis
    analysis.close()


def big_document(operations: int) -> str:
    """A valid document of ``operations`` operations (about 1 s of validation per 1,500)."""
    return "\n".join(f'query Q{i} {{ user(id: "{i}") {{ id name posts {{ title tags '
                     f"author {{ id role }} }} }} search(text: \"x\") {{ ... on User "
                     f"{{ name }} ... on Post {{ title }} }} }}" for i in range(operations))


def test_answers_equal_the_in_process_analysis(worker: AnalysisWorker) -> None:
    async def main() -> list[Analysis | None]:
        return [await worker.analyse(1, SCHEMA, DOCUMENT, "", VARIABLES),
                await worker.analyse(2, SCHEMA, DOCUMENT, "Two", '{"post": {"body": 3}}'),
                await worker.analyse(3, None, DOCUMENT, "One", "{}"),
                await worker.analyse(4, None, "{ user(id: 1) { name }", "", ""),
                await worker.analyse(5, SCHEMA, "  \n", "", ""),
                await worker.analyse(6, SCHEMA, DOCUMENT, "One", "[1]")]

    got = asyncio.run(main())
    expected = [analyse(1, SCHEMA, DOCUMENT, "", VARIABLES),
                analyse(2, SCHEMA, DOCUMENT, "Two", '{"post": {"body": 3}}'),
                analyse(3, None, DOCUMENT, "One", "{}"),
                analyse(4, None, "{ user(id: 1) { name }", "", ""),
                analyse(5, SCHEMA, "  \n", "", ""),
                analyse(6, SCHEMA, DOCUMENT, "One", "[1]")]
    assert got == expected
    first = expected[0]
    # Not trivially equal: every part has something in it.
    assert len(first.problems) >= 4 and first.operations == [("One", "query"),
                                                                ("Two", "mutation")]
    assert first.variable_problems[0].message == \
        'Variable "$extra" is not defined by operation "One".'
    assert not any("limit" in p.message for p in first.problems)  # the {{limit}} is masked
    assert expected[3].problems[0].message.startswith("Syntax Error")
    assert worker.starts == 1


def test_a_schema_is_sent_once_per_child(worker: AnalysisWorker) -> None:
    other = build_schema("type Query { hello: String }")

    async def main() -> None:
        await worker.analyse(1, SCHEMA, "{ hello }")
        await worker.analyse(2, SCHEMA, "{ hello }")
        assert worker.schemas_sent == 1
        answer = await worker.analyse(3, other, "{ hello user(id: 1) { id } }")
        assert answer is not None and "Cannot query field 'user'" in answer.problems[0].message
        assert worker.schemas_sent == 2
        await worker.analyse(4, SCHEMA, "{ hello }")  # still kept by the child
        assert worker.schemas_sent == 2

    asyncio.run(main())


def test_a_channels_requests_not_yet_sent_are_dropped_but_the_newest(
        worker: AnalysisWorker) -> None:
    async def main() -> list[Analysis | None]:
        # The first one is in flight (the child starts with it); the 2nd and 3rd wait, and
        # the 4th replaces them; another channel's request is kept.
        first = asyncio.ensure_future(worker.analyse(1, SCHEMA, big_document(300),
                                                     channel="a"))
        while worker.process_id() is None:  # taken from the queue: the child starts
            await asyncio.sleep(0.001)
        later = [asyncio.ensure_future(worker.analyse(v, SCHEMA, "{ hell }", channel="a"))
                 for v in (2, 3)]
        other = asyncio.ensure_future(worker.analyse(9, SCHEMA, "{ hello }", channel="b"))
        await asyncio.sleep(0)
        newest = asyncio.ensure_future(worker.analyse(4, SCHEMA, "{ hello }", channel="a"))
        return await asyncio.gather(first, *later, other, newest)

    first, second, third, other, newest = asyncio.run(main())
    assert first is not None and first.version == 1 and first.problems == []
    assert second is None and third is None
    assert other is not None and other.version == 9
    assert newest is not None and newest.version == 4 and newest.problems == []


def test_a_child_killed_between_requests_or_in_flight_is_started_again(
        worker: AnalysisWorker) -> None:
    document = big_document(600)

    async def main() -> None:
        assert await worker.analyse(1, SCHEMA, "{ hello }") is not None
        pid = worker.process_id()
        first = worker._process
        assert pid is not None and first is not None
        os.kill(pid, signal.SIGKILL)
        first.wait(5)  # gone before the next request, as after an idle spell
        answer = await worker.analyse(2, SCHEMA, "{ hell }")
        assert answer is not None and "Cannot query field 'hell'" in answer.problems[0].message
        assert worker.starts == 2 and worker.schemas_sent == 2  # sent again to the new one
        # The dead child's pipes were closed, not left to the garbage collector.
        assert first.stdin is not None and first.stdout is not None
        assert first.stdin.closed and first.stdout.closed
        # Killed while it validates: asked again of a third child.
        task = asyncio.ensure_future(worker.analyse(3, SCHEMA, document))
        await asyncio.sleep(0.3)
        pid = worker.process_id()
        assert pid is not None and not task.done()
        os.kill(pid, signal.SIGKILL)
        answer = await task
        assert answer is not None and answer.version == 3 and answer.problems == []
        assert worker.starts == 3

    asyncio.run(main())


def test_a_child_that_dies_twice_is_an_error_and_the_next_request_tries_again() -> None:
    worker = AnalysisWorker(command=[sys.executable, "-c", "import sys; sys.exit(3)"])

    async def main() -> None:
        with pytest.raises(AnalysisError, match="failed twice: it exited with status 3"):
            await worker.analyse(1, SCHEMA, "{ hello }")
        assert worker.starts == 2
        with pytest.raises(AnalysisError):
            await worker.analyse(2, None, "{ hello }")
        assert worker.starts == 4

    try:
        asyncio.run(main())
    finally:
        worker.close()


def test_a_child_that_does_not_answer_in_time_is_killed() -> None:
    worker = AnalysisWorker(timeout_s=0.2, command=[
        sys.executable, "-c", "import sys, time; sys.stdin.buffer.read(); time.sleep(30)"])

    async def main() -> None:
        start = time.monotonic()
        with pytest.raises(AnalysisError, match=r"no answer within 0\.2 s"):
            await worker.analyse(1, None, "{ hello }")
        assert time.monotonic() - start < 10 and worker.starts == 2

    try:
        asyncio.run(main())
    finally:
        worker.close()


def test_the_child_is_this_app_or_the_bundles_own_executable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert worker_command() == ([sys.executable, "-m", "app", WORKER_FLAG], str(ROOT))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    # app.__main__ routes the flag to worker_main (every test here runs it so, unfrozen).
    assert worker_command() == ([sys.executable, "--graphql-worker"], None)


def test_a_command_that_cannot_start_is_an_error() -> None:
    worker = AnalysisWorker(command=[str(ROOT / "no-such-program")])
    try:
        with pytest.raises(AnalysisError, match="Could not start the GraphQL analysis"):
            asyncio.run(worker.analyse(1, None, "{ hello }"))
    finally:
        worker.close()


def test_a_document_too_big_is_not_sent_and_says_so() -> None:
    worker = AnalysisWorker(max_document_chars=100)
    try:
        answer = asyncio.run(worker.analyse(7, SCHEMA, "{ hello }" * 20))
    finally:
        worker.close()
    assert answer == Analysis(7, skipped="Not checked: the document is 180 characters; at "
                                         "most 100 are analysed")
    assert worker.starts == 0 and worker.process_id() is None


def test_requests_after_close_are_refused(worker: AnalysisWorker) -> None:
    asyncio.run(worker.analyse(1, None, "{ hello }"))
    pid = worker.process_id()
    worker.close()
    assert worker.process_id() is None and pid is not None
    with pytest.raises(AnalysisError, match="stopped"):
        asyncio.run(worker.analyse(2, None, "{ hello }"))


_PARENT = """
import asyncio, os, sys
from app.graphql import AnalysisWorker
worker = AnalysisWorker()
asyncio.run(worker.analyse(1, None, "{ hello }"))
print(worker.process_id(), flush=True)
os._exit(0)  # no close(): the way a crashed window goes
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has exited (its reaper is elsewhere)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_child_exits_with_its_parent() -> None:
    out = subprocess.run([sys.executable, "-c", _PARENT], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=True)
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _frames(*messages: dict[str, Any]) -> io.BytesIO:
    data = b""
    for message in messages:
        raw = json.dumps(message).encode()
        data += struct.pack(">I", len(raw)) + raw
    return io.BytesIO(data)


def _replies(data: bytes) -> list[dict[str, Any]]:
    replies = []
    while data:
        (size,) = struct.unpack(">I", data[:4])
        replies.append(json.loads(data[4:4 + size]))
        data = data[4 + size:]
    return replies


def test_the_childs_loop_asks_for_a_schema_it_lacks_and_reports_bad_requests() -> None:
    ask = {"op": "analyse", "version": 5, "schema": 1, "query": "{ hell }", "operation": "",
           "variables": ""}
    out = io.BytesIO()
    assert worker_main(_frames(ask, {"op": "schema", "id": 1, "sdl": print_schema(SCHEMA)},
                               ask, {"op": "schema", "id": 2, "sdl": "type {"},
                               {"op": "analyse", "version": "x"}, {"op": "dance"}),
                       out) == 0
    need, built, answer, bad_sdl, bad_version, unknown = _replies(out.getvalue())
    assert need == {"need_schema": True} and built == {"ok": True}
    assert answer["version"] == 5 and "Cannot query field 'hell'" in answer["problems"][0][2]
    assert bad_sdl["error"].startswith("GraphQLSyntaxError")
    assert bad_version["error"].startswith("ValueError: invalid literal for int()")
    assert unknown == {"error": "Unknown request 'dance'"}


def test_the_childs_loop_ends_at_garbage() -> None:
    out = io.BytesIO()
    garbage = io.BytesIO(struct.pack(">I", 3) + b"{{{" + _frames({"op": "dance"}).getvalue())
    assert worker_main(garbage, out) == 0
    assert out.getvalue() == b""
