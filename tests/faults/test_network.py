"""Fault cases: the network and the server fail (refused, no such host, TLS, timeouts, resets,
lying lengths, bodies that are not what they claim).

Each case runs under ``Session`` and ``AsyncSession`` where it applies (the ``kind`` fixture),
records what the window says (``shown``), and checks that the same session still answers a
normal request afterwards: one failure never poisons the next request.
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from app.body.pretty import PrettyError, pretty_print
from app.body.store import BodyStore
from app.client import ErrorKind, Request, RequestError, RequestTimeout, Timeout
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread
from tests.client.test_failures import assert_ours
from tests.faults.raw_server import RawServer
from tests.faults.table import Witness, fault, shown

MIB = 1 << 20


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    srv = RawServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port on 127.0.0.1 whose accept queue is full: a new connection's SYN goes
    unanswered, as behind a firewall that drops packets."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = int(server.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


# -- connecting ----------------------------------------------------------------------------


@fault("Network", "Connection refused (nothing listens on the port)", sees="Could not connect",
       kept="the URL is named; the session still works")
async def test_refused_connection(witness: Witness, kind: SessionKind, base_url: str,
                                  closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/nothing"
    async with kind.open(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, "GET", url)):
                pass
        assert_ours(info.value, RequestError)
        assert url in str(info.value) and info.value.url == url
        assert info.value.kind is ErrorKind.CONNECT
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Network", "A host name that does not resolve (DNS)", sees="Host not found",
       kept="the host is named; the session still works")
async def test_unknown_host(witness: Witness, kind: SessionKind, base_url: str) -> None:
    url = "http://nonexistent.invalid/"
    async with kind.open(base_url, timeout=5) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, "GET", url)):
                pass
        assert_ours(info.value, RequestError)
        assert "nonexistent.invalid" in str(info.value)
        assert info.value.__cause__ is not None
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Timeouts", "Connect timeout: the SYN goes unanswered", sees="Timed out connecting to",
       kept="gives up after the connect timeout (0.5 s), not the read one")
async def test_connect_timeout(witness: Witness, kind: SessionKind, base_url: str,
                               black_hole: int) -> None:
    url = f"http://127.0.0.1:{black_hole}/"
    # 2 s: the same session then reaches the live server, which a loaded machine may take
    # more than half a second to accept.
    async with kind.open(base_url, timeout=Timeout(connect=2, read=30)) as session:
        with pytest.raises(RequestTimeout) as info:
            async with kind.fetch(Request(session, "GET", url)):
                pass
        assert info.value.kind is ErrorKind.TIMEOUT
        witness.saw(shown(info.value))
        await kind.works(session)


# -- TLS -----------------------------------------------------------------------------------


@fault("TLS", "A certificate from an unknown CA", sees="Certificate not trusted",
       kept="nothing sent; the same session still reaches a trusted origin")
async def test_untrusted_certificate(witness: Witness, kind: SessionKind,
                                     tls_server: ServerThread, base_url: str) -> None:
    url = f"{tls_server.url}/echo"
    async with kind.open() as session:
        with pytest.raises(RequestError) as info:
            await _get(kind, session, url)
        assert_ours(info.value, RequestError)
        assert "certificate" in str(info.value).lower()
        assert info.value.url == url
        witness.saw(shown(info.value))
        assert await _get(kind, session, f"{base_url}/echo") == 200


def _tls_server(ca: trustme.CA, *names: str, expired: bool = False) -> ServerThread:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    now = datetime.datetime.now(datetime.UTC)
    dates = ({"not_before": now - datetime.timedelta(days=30),
              "not_after": now - datetime.timedelta(days=1)} if expired else {})
    ca.issue_cert(*names, **dates).configure_cert(ctx)
    return ServerThread(ssl_context=ctx).start()


@pytest.fixture(scope="module")
def other_name_server(tls_ca: trustme.CA) -> Iterator[ServerThread]:
    """On 127.0.0.1, with a certificate for ``api.example.test`` only."""
    srv = _tls_server(tls_ca, "api.example.test")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def expired_server(tls_ca: trustme.CA) -> Iterator[ServerThread]:
    srv = _tls_server(tls_ca, "127.0.0.1", expired=True)
    yield srv
    srv.stop()


@fault("TLS", "A trusted certificate for another host name", sees="Certificate not trusted",
       kept="nothing sent; names the mismatch; the right host still works")
async def test_certificate_for_another_host(witness: Witness, kind: SessionKind,
                                            other_name_server: ServerThread,
                                            tls_server: ServerThread, ca_file: str) -> None:
    """The CA is trusted but the certificate names another host than the one asked for."""
    async with kind.open(ca_file=ca_file, timeout=5) as session:
        with pytest.raises(RequestError) as info:
            await _get(kind, session, f"{other_name_server.url}/echo")
        assert_ours(info.value, RequestError)
        assert info.value.kind is ErrorKind.CERTIFICATE
        assert "mismatch" in str(info.value).lower()
        witness.saw(shown(info.value))
        assert await _get(kind, session, f"{tls_server.url}/echo") == 200


@fault("TLS", "An expired certificate from a trusted CA", sees="certificate has expired",
       kept="nothing sent; the title is the untrusted-certificate one")
async def test_expired_certificate(witness: Witness, kind: SessionKind,
                                   expired_server: ServerThread, ca_file: str) -> None:
    async with kind.open(ca_file=ca_file) as session:
        with pytest.raises(RequestError) as info:
            await _get(kind, session, f"{expired_server.url}/echo")
    assert info.value.kind is ErrorKind.CERTIFICATE
    assert shown(info.value).startswith("Certificate not trusted")
    witness.saw(shown(info.value))


async def _get(kind: SessionKind, session: Any, url: str) -> int:
    async with kind.fetch(Request(session, "GET", url)) as response:
        await response.read()
        return int(response.status)


# -- waiting -------------------------------------------------------------------------------


@fault("Timeouts", "Read timeout: the server never answers", sees="Timed out waiting for data",
       kept="the session's or the fetch's timeout; the session still works")
async def test_read_timeout(witness: Witness, kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url, timeout=0.5) as session:
        with pytest.raises(RequestTimeout) as info:
            async with kind.fetch(Request(session, "GET", "/delay/5")):
                pass
        assert_ours(info.value, RequestTimeout)
        assert info.value.url == f"{base_url}/delay/5"
        witness.saw(shown(info.value))
        await kind.works(session)
    async with kind.open(base_url) as session:
        with pytest.raises(RequestTimeout):
            async with kind.fetch(Request(session, "GET", "/delay/5"), timeout=0.5):
                pass
        await kind.works(session)


@fault("Timeouts", "Read timeout in the middle of the body", sees="Timed out",
       kept="the session still works")
async def test_read_timeout_in_the_body(witness: Witness, kind: SessionKind,
                                        base_url: str) -> None:
    async with kind.open(base_url, timeout=0.5) as session:
        request = Request(session, "GET", "/slow-body", params={"pause": 5})
        async with kind.fetch(request) as response:
            with pytest.raises(RequestTimeout) as info:
                await response.read()
        assert_ours(info.value, RequestTimeout)
        witness.saw(shown(info.value))
        await kind.works(session)


# -- connections cut -----------------------------------------------------------------------


@fault("Network", "Connection reset in the middle of the body", sees="Response cut short",
       kept="the URL is named; the session still works")
async def test_reset_mid_body(witness: Witness, kind: SessionKind, base_url: str) -> None:
    async with kind.open(base_url) as session:
        async with kind.fetch(Request(session, "GET", "/reset-mid-body")) as response:
            assert response.status == 200
            with pytest.raises(RequestError) as info:
                await response.read()
        assert_ours(info.value, RequestError)
        assert info.value.__cause__ is not None
        assert info.value.url == f"{base_url}/reset-mid-body"
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Network", "Connection reset while the body is streamed chunk by chunk",
       sees="Response cut short", kept="the session still works")
async def test_reset_mid_body_while_streaming(witness: Witness, kind: SessionKind,
                                              base_url: str) -> None:
    async with kind.open(base_url) as session:
        async with kind.fetch(Request(session, "GET", "/reset-mid-body")) as response:
            with pytest.raises(RequestError) as info:
                await response.chunks(100)
        assert_ours(info.value, RequestError)
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Network", "The server closes the connection without answering",
       sees="Server disconnected", kept="for GET and for POST; the session still works")
@pytest.mark.parametrize(("method", "content"), [("GET", None), ("POST", b"x")])
async def test_server_drops_the_connection(witness: Witness, kind: SessionKind, base_url: str,
                                           method: str, content: bytes | None) -> None:
    async with kind.open(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, method, "/drop", content)):
                pass
        assert_ours(info.value, RequestError)
        assert info.value.url == f"{base_url}/drop"
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Network", "The server dies in the middle of an 8 MiB upload (\"a file may have "
       "vanished\" before)", sees="Connection reset",
       kept="the server's reset, not blamed on the file; the session still works")
async def test_server_dies_mid_upload(witness: Witness, kind: SessionKind, base_url: str,
                                      raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        request = Request(session, "PUT", f"{raw.url}/dies-mid-upload", b"u" * (8 * MIB))
        with pytest.raises(RequestError) as info:
            async with kind.fetch(request):
                pass
        assert info.value.kind is ErrorKind.RESET
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Network", "A file that shrinks while it is uploaded", sees="Could not send the body",
       kept="the caller's file left open; the session still works")
async def test_file_that_shrinks_mid_upload(witness: Witness, kind: SessionKind, base_url: str,
                                            tmp_path: Path) -> None:
    big_file = tmp_path / "big.bin"
    with big_file.open("wb") as f:
        for i in range(20):
            f.write(bytes([i]) * MIB)
    seen: list[int] = []

    def hook(sent: int, total: int | None) -> None:
        if not seen and sent >= MIB:
            os.truncate(big_file, 3 * MIB)
        seen.append(sent)

    async with kind.open(base_url) as session:
        with big_file.open("rb") as f:
            request = Request(session, "PUT", "/echo", f, reporthook=hook)
            with pytest.raises(RequestError) as info:
                async with kind.fetch(request):
                    pass
            assert_ours(info.value, RequestError)
            shrank = re.compile(r"chang|shr[iu]nk|early|truncat|short", re.IGNORECASE)
            assert shrank.search(str(info.value)), str(info.value)
            assert info.value.url == f"{base_url}/echo"
            assert info.value.__cause__ is not None
            assert seen and max(seen) < 20 * MIB
            assert not f.closed  # the caller's file is not closed by the library
            witness.saw(shown(info.value))
        await kind.works(session)


# -- answers that lie ----------------------------------------------------------------------


@fault("Responses", "An answer that is not HTTP at all", sees="Invalid response",
       kept="the session still works")
async def test_garbage_response(witness: Witness, kind: SessionKind, base_url: str,
                                raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, "GET", f"{raw.url}/garbage")):
                pass
        assert_ours(info.value, RequestError)
        assert info.value.__cause__ is not None
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Responses", "Content-Length promises 100 bytes, 10 arrive", sees="Response cut short",
       kept="says how many of how many bytes arrived")
async def test_content_length_too_long(witness: Witness, kind: SessionKind, base_url: str,
                                       raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, "GET",
                                          f"{raw.url}/content-length-too-long")) as response:
                await response.read()
        assert info.value.kind is ErrorKind.TRUNCATED
        assert "received 10 of 100 bytes" in str(info.value)
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Responses", "Content-Length says 5 bytes, more follow", sees="Invalid response",
       kept="the extra bytes never pass for the next answer; the session still works")
async def test_content_length_too_short(witness: Witness, kind: SessionKind, base_url: str,
                                        raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        with pytest.raises(RequestError) as info:
            async with kind.fetch(Request(session, "GET",
                                          f"{raw.url}/content-length-too-short")) as response:
                await response.read()
        assert info.value.kind is ErrorKind.PROTOCOL
        witness.saw(shown(info.value))
        await kind.works(session)


@fault("Responses", "A JSON answer cut off in the middle", sees="Not valid JSON",
       kept="the raw body shown byte for byte; json() raises ValueError")
async def test_bad_json(witness: Witness, kind: SessionKind, base_url: str,
                        raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        async with kind.fetch(Request(session, "GET", f"{raw.url}/bad-json")) as response:
            body = await response.read()
        async with kind.fetch(Request(session, "GET", f"{raw.url}/bad-json")) as response:
            with pytest.raises(ValueError):
                await response.json()
    with BodyStore() as raw_body, BodyStore() as pretty:
        raw_body.append(body)
        raw_body.finish()
        with pytest.raises(PrettyError) as caught:
            pretty_print("json", raw_body, pretty)
        witness.saw(str(caught.value))
        assert raw_body.read(0, raw_body.size) == b'{"items": [1, 2, '


@fault("Responses", "A body labelled UTF-8 that is not", sees="caf\ufffd cr\ufffdme",
       kept="text() replaces bad bytes; read() and the body view keep every byte")
async def test_body_that_is_not_utf8(witness: Witness, kind: SessionKind, base_url: str,
                                     raw: RawServer) -> None:
    async with kind.open(base_url) as session:
        async with kind.fetch(Request(session, "GET", f"{raw.url}/not-utf8")) as response:
            body = await response.read()
        async with kind.fetch(Request(session, "GET", f"{raw.url}/not-utf8")) as response:
            witness.saw(await response.text())
    assert body == b"caf\xe9 cr\xe8me \xff\xfe"
    with BodyStore() as store:
        store.append(body)
        store.finish()
        assert store.line(0) == body
