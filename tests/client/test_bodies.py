"""Request bodies of every kind, streamed, with byte-accurate upload progress."""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import io
import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from app.client import AsyncSession, AttachedFile, Request, Session, UsageError


def _echo(base_url: str, rqst_setup: Any, method: str = "POST", **kw: Any) -> dict[str, Any]:
    with Session(base_url) as session:
        rqst = Request(session, method, "/echo", **kw)
        rqst_setup(rqst)
        with rqst.fetch() as resp:
            return resp.json()  # type: ignore[no-any-return]


def _body(data: dict[str, Any]) -> bytes:
    return base64.b64decode(data["body"])


def test_str_is_utf8_text_plain(base_url: str) -> None:
    data = _echo(base_url, lambda r: r.set_content("h\u00e9llo"))
    assert data["content_type"] == "text/plain"
    assert _body(data) == "h\u00e9llo".encode()


def test_bytes_and_bytearray_are_octet_stream(base_url: str) -> None:
    data = _echo(base_url, lambda r: r.set_content(bytearray(b"\x00\xff")))
    assert (data["content_type"], _body(data)) == ("application/octet-stream", b"\x00\xff")
    data = _echo(base_url, lambda r: r.set_content(b"x", content_type="image/png"))
    assert data["content_type"] == "image/png"


def test_constructor_content_and_content_type(base_url: str) -> None:
    with Session(base_url) as session:
        rqst = Request(session, "PUT", "/echo", b"abc", content_type="application/x-thing")
        assert rqst.content == b"abc" and rqst.content_type == "application/x-thing"
        with rqst.fetch() as resp:
            data = resp.json()
    assert data["content_type"] == "application/x-thing" and _body(data) == b"abc"


def test_none_sends_no_body_and_no_content_type(base_url: str) -> None:
    data = _echo(base_url, lambda r: r.set_content(None))
    assert data["content_type"] is None and data["length"] == 0


def test_set_json_encodes_paths_decimals_uuids_and_dates(base_url: str) -> None:
    value = {
        "path": PurePosixPath("/tmp/x"),
        "dec": decimal.Decimal("1.10"),
        "id": uuid.UUID(int=1),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 1, 2),
        "text": "\u00fc",
    }
    holder: dict[str, Any] = {}

    def setup(r: Request) -> None:
        r.set_json(value)
        holder["content"] = r.content

    data = _echo(base_url, setup)
    assert holder["content"] is value
    assert data["content_type"] == "application/json"
    assert json.loads(_body(data)) == {
        "path": "/tmp/x", "dec": "1.10", "id": "00000000-0000-0000-0000-000000000001",
        "when": "2026-01-02T03:04:05+00:00", "day": "2026-01-02", "text": "\u00fc",
    }


def test_set_form_from_mapping_and_pairs(base_url: str) -> None:
    data = _echo(base_url, lambda r: r.set_form({"a": "1 2", "b": ["x", "y"]}))
    assert data["content_type"] == "application/x-www-form-urlencoded"
    assert _body(data) == b"a=1+2&b=x&b=y"
    data = _echo(base_url, lambda r: r.set_form([("k", "v"), ("k", "w&")]))
    assert _body(data) == b"k=v&k=w%26"


@pytest.mark.parametrize("value", [{"a": 1}, [1, 2], {}])
def test_dict_and_list_content_are_refused(base_url: str, value: Any) -> None:
    with Session(base_url) as session:
        with pytest.raises(TypeError, match=r"set_json.*set_form"):
            Request(session, "POST", "/echo", value)
        rqst = Request(session, "POST", "/echo")
        with pytest.raises(UsageError):
            rqst.set_content(value)


def test_binary_file_is_streamed_from_where_it_stands_and_not_closed(
    base_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "data.bin"
    payload = os.urandom(3 * 1024 * 1024 + 17)
    path.write_bytes(b"HEADER" + payload)
    with path.open("rb") as f:
        f.seek(6)
        data = _echo(base_url, lambda r: r.set_content(f))
        assert not f.closed
    assert data["length"] == len(payload)
    assert data["sha256"] == hashlib.sha256(payload).hexdigest()
    assert not data["chunked"]


async def test_async_iterator_is_streamed_chunked(base_url: str) -> None:
    async def produce() -> AsyncIterator[bytes]:
        for i in range(5):
            yield bytes([i]) * 1000

    async with AsyncSession(base_url) as session:
        rqst = Request(session, "POST", "/echo", produce())
        async with rqst.fetch() as resp:
            data = await resp.json()
    assert data["length"] == 5000 and data["chunked"]
    assert data["content_type"] == "application/octet-stream"


def test_attach_files_multipart_filenames_as_given(base_url: str, tmp_path: Path) -> None:
    disk = tmp_path / "a.bin"
    disk.write_bytes(os.urandom(2_500_000))
    with disk.open("rb") as f1:
        files = [
            AttachedFile("dir/sub dir/\u00fcber \"q\".txt", io.BytesIO(b"hello"), "text/plain"),
            AttachedFile("a.bin", f1, "application/octet-stream"),
        ]
        data = _echo(base_url, lambda r: r.attach_files(files))
        assert not f1.closed
    assert data["content_type"].startswith("multipart/form-data; boundary=")
    parts = data["parts"]
    assert [p["name"] for p in parts] == ["src", "src"]
    assert parts[0]["filename"] == "dir/sub dir/\u00fcber \"q\".txt"
    assert (parts[0]["content_type"], parts[0]["size"]) == ("text/plain", 5)
    assert parts[1]["size"] == 2_500_000
    assert parts[1]["sha256"] == hashlib.sha256(disk.read_bytes()).hexdigest()


def test_set_multipart_mixes_text_and_file_parts(base_url: str) -> None:
    fields = [("title", "caf\u00e9"), ("doc", AttachedFile("d.json", io.BytesIO(b"{}"),
                                                          "application/json"))]
    data = _echo(base_url, lambda r: r.set_multipart(fields))
    assert [(p["name"], p["filename"], p["size"]) for p in data["parts"]] == [
        ("title", None, 5), ("doc", "d.json", 2)]


def test_multipart_refuses_other_values(base_url: str) -> None:
    with Session(base_url) as session:
        rqst = Request(session, "POST", "/echo")
        with pytest.raises(UsageError, match="str or an AttachedFile"):
            rqst.set_multipart([("n", 5)])  # type: ignore[list-item]
        with pytest.raises(UsageError, match="AttachedFile"):
            rqst.attach_files([("a", b"", "x")])  # type: ignore[list-item]


def _check_progress(calls: list[tuple[int, int | None]], total: int | None) -> None:
    sents = [s for s, _ in calls]
    assert sents == sorted(sents), "sent never decreases"
    assert all(t == total for _, t in calls)
    if total is not None:
        assert calls[-1] == (total, total)
    # at least once per MiB written
    assert len(calls) >= (sents[-1] >> 20)
    gaps = [b - a for a, b in zip([0, *sents], sents, strict=False)]
    assert max(gaps) <= 1 << 20


def test_reporthook_multipart_counts_framing_and_ends_at_total(
    base_url: str, tmp_path: Path
) -> None:
    disk = tmp_path / "big.bin"
    with disk.open("wb") as f:
        f.truncate(20 * 1024 * 1024)
    calls: list[tuple[int, int | None]] = []
    with disk.open("rb") as f, Session(base_url) as session:
        rqst = Request(session, "POST", "/echo", reporthook=lambda s, t: calls.append((s, t)))
        rqst.attach_files([AttachedFile("big.bin", f, "application/octet-stream")])
        with rqst.fetch() as resp:
            data = resp.json()
    total = calls[-1][1]
    assert total is not None and total > 20 * 1024 * 1024  # the framing is counted
    assert total == data["length"]  # the Content-Length the server saw
    _check_progress(calls, total)


async def test_reporthook_bytes_and_unknown_total(base_url: str) -> None:
    calls: list[tuple[int, int | None]] = []

    async def produce() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"z" * (1 << 20)

    async with AsyncSession(base_url) as session:
        rqst = Request(session, "POST", "/echo", b"y" * 5_000_000,
                       reporthook=lambda s, t: calls.append((s, t)))
        async with rqst.fetch():
            pass
        _check_progress(calls, 5_000_000)
        calls.clear()
        rqst = Request(session, "POST", "/echo", produce(),
                       reporthook=lambda s, t: calls.append((s, t)))
        async with rqst.fetch():
            pass
    _check_progress(calls, None)
    assert calls[-1] == (3 << 20, None)


def test_reporthook_restarts_from_zero_on_a_307(base_url: str) -> None:
    calls: list[tuple[int, int | None]] = []
    with Session(base_url) as session:
        rqst = Request(session, "POST", "/redirect/307?to=/echo", b"q" * 3_000_000,
                       reporthook=lambda s, t: calls.append((s, t)))
        with rqst.fetch() as resp:
            assert resp.json()["length"] == 3_000_000
    ends = [i for i, c in enumerate(calls) if c == (3_000_000, 3_000_000)]
    assert len(ends) == 2
    _check_progress(calls[: ends[0] + 1], 3_000_000)
    _check_progress(calls[ends[0] + 1 :], 3_000_000)


async def test_one_shot_stream_cannot_follow_a_307(base_url: str) -> None:
    from app.client import RequestError

    async def produce() -> AsyncIterator[bytes]:
        yield b"once"

    async with AsyncSession(base_url) as session:
        rqst = Request(session, "POST", "/redirect/307?to=/echo", produce())
        with pytest.raises(RequestError, match="one-shot"):
            async with rqst.fetch():
                pass
        async with Request(session, "GET", "/echo").fetch() as resp:
            assert resp.status == 200
