"""The playground's gRPC server: started with it, described by reflection, every method,
listed on the index page, and its command-line options."""

from __future__ import annotations

import asyncio
import base64
import sys
from pathlib import Path

import aiohttp
import pytest

from app.grpc import call, describe, open_stream, template
from app.playground import start_playground
from app.playground.__main__ import build_parser
from app.playground.background import BackgroundPlayground
from app.playground.grpc_server import SERVICE, GrpcPlaygroundSettings

ROOT = Path(__file__).parents[2]


async def test_every_method_of_the_playground() -> None:
    async with await start_playground(access_log=False, proxy_port=None, mtls_port=None,
                                      grpc_settings=GrpcPlaygroundSettings(
                                          max_message_bytes=12 << 20)) as pg:
        target = pg.grpc_target
        assert target is not None and target.startswith("127.0.0.1:")
        services = await describe(target)
        assert [s.name for s in services] == [SERVICE]
        assert [m.name for m in services[0].methods] == [
            "Echo", "Count", "Sum", "Chat", "Fail", "Slow", "Large"]
        assert template(services, "spyglass.playground.CountRequest") == {
            "count": 0, "interval": "0s"}

        echo = await call(target, f"{SERVICE}/Echo", [{"text": "hi", "repeat": 2}],
                          metadata={"x-who": "me"})
        assert echo.responses[0]["text"] == "hihi"
        assert echo.responses[0]["metadata"]["x-who"] == "me"
        assert ("x-playground-method", "Echo") in echo.headers
        assert ("x-playground-trailer", "done") in echo.trailers

        count = await call(target, f"{SERVICE}/Count", [{"count": 4, "interval": "0.01s"}])
        assert [r["number"] for r in count.responses] == [1, 2, 3, 4]
        assert count.responses[-1]["total"] == "10"
        assert ("x-playground-method", "Count") in count.headers

        total = await call(target, f"{SERVICE}/Sum", [{"value": 1}, {"value": "2"}])
        assert total.responses == [{"sum": "3", "count": 2}]

        async with open_stream(target, f"{SERVICE}/Chat") as chat:
            await chat.send({"user": "ada", "text": "hello"})
            assert (await chat.__anext__())["text"] == "ada said: hello"
            assert chat.headers is not None
            assert ("x-playground-method", "Chat") in chat.headers

        fail = await call(target, f"{SERVICE}/Fail", [{"field": "email"}])
        assert fail.code == "INVALID_ARGUMENT"
        assert fail.error_details[0] == {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "field_violations": [{"field": "email",
                                  "description": "this field is wrong (on purpose)"}]}

        slow = await call(target, f"{SERVICE}/Slow", [{"delay": "5s"}], deadline=0.2)
        assert slow.code == "DEADLINE_EXCEEDED"
        quick = await call(target, f"{SERVICE}/Slow", [{"delay": "0.05s"}])
        assert quick.responses == [{"text": "answered after 0.05 s"}]

        # Past grpc's default 4 MiB both ways.
        payload = base64.b64encode(b"p" * (5 << 20)).decode()
        large = await call(target, f"{SERVICE}/Large", [{"size": 6 << 20, "payload": payload}])
        assert large.code == "OK", large.details
        assert large.responses[0]["received"] == 5 << 20
        assert len(base64.b64decode(large.responses[0]["data"])) == 6 << 20
        too_large = await call(target, f"{SERVICE}/Large", [{"size": 20 << 20}])
        assert too_large.code == "INVALID_ARGUMENT"

        async with aiohttp.ClientSession() as client, client.get(pg.url + "/") as page:
            text = await page.text()
        assert target in text and f"{SERVICE}/Chat" in text
    # Stopped with the playground.
    assert (await call(target, f"{SERVICE}/Echo", [{}])).code == "UNAVAILABLE"


async def test_without_grpc() -> None:
    async with await start_playground(access_log=False, proxy_port=None, mtls_port=None,
                                      grpc_port=None) as pg:
        assert pg.grpc_target is None
        async with aiohttp.ClientSession() as client, client.get(pg.url + "/") as page:
            assert "<h2>gRPC</h2><p><i>not running</i>" in await page.text()


def test_background_playground_has_a_grpc_target() -> None:
    background = BackgroundPlayground()
    background.start()
    try:
        target = background.grpc_target
        assert target is not None
        result = asyncio.run(call(target, f"{SERVICE}/Echo", [{"text": "bg"}]))
        assert result.responses[0]["text"] == "bg"
    finally:
        background.stop()
    assert background.grpc_target is None


def test_command_line_options() -> None:
    args = build_parser().parse_args(["--grpc-port", "5050"])
    assert args.grpc_port == 5050 and not args.no_grpc
    assert build_parser().parse_args(["--no-grpc"]).no_grpc
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--grpc-port", "70000"])


async def test_command_line_prints_the_grpc_target() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.playground", "--quiet", "--no-proxy", "--no-mtls",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        await asyncio.wait_for(proc.stdout.readline(), 30)
        told = b""
        while b"gRPC:" not in told:
            told += await asyncio.wait_for(proc.stderr.readline(), 30)
        target = told.decode().split("gRPC: ")[1].split()[0]
        assert (await call(target, f"{SERVICE}/Echo", [{"text": "cli"}])).code == "OK"
        proc.terminate()
        await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 0
