"""The playground's cookie endpoints, forward proxy and mTLS port, through the library's
sessions: cookies set, read and deleted; requests through the proxy with and without its
credentials (a 407 names the proxy); the mTLS port refusing a connection without a client
certificate and answering with the generated one, PEM and PKCS#12."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import ssl
import stat
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.client import (
    AsyncSession,
    ClientCertificate,
    ErrorKind,
    Request,
    RequestError,
    Session,
)
from app.playground import RunningPlayground, start_playground
from app.playground.background import BackgroundPlayground
from app.playground.certs import CLIENT_NAME
from app.playground.proxy import VIA, ProxySettings


async def get_json(session: AsyncSession, url: str) -> tuple[int, Any]:
    async with Request(session, "GET", url).fetch(check_status=False) as response:
        return response.status, await response.json()


# -- cookies -----------------------------------------------------------------------------------


async def test_cookies_set_read_and_deleted_through_a_session(pg: RunningPlayground) -> None:
    async with AsyncSession(pg.url) as session:
        status, body = await get_json(session, "/cookies/set?flavour=chocolate&size=large")
        assert (status, body) == (200, {"cookies": {"flavour": "chocolate", "size": "large"}})
        assert {c.name: c.value for c in session.cookies} == {"flavour": "chocolate",
                                                               "size": "large"}
        assert await get_json(session, "/cookies") == (
            200, {"cookies": {"flavour": "chocolate", "size": "large"}})
        status, body = await get_json(session, "/cookies/delete?size")
        assert body == {"cookies": {"flavour": "chocolate"}}
        assert [c.name for c in session.cookies] == ["flavour"]
        status, body = await get_json(session, "/cookies/set?bad%20name=1")
        assert status == 400 and "bad name" in body["error"]


def test_cookies_through_a_sync_session_on_the_background_playground() -> None:
    background = BackgroundPlayground()
    url = background.start()
    try:
        assert background.proxy_url and background.mtls_url
        with Session(url) as session:
            with Request(session, "GET", "/cookies/set?theme=dark").fetch() as response:
                assert response.json() == {"cookies": {"theme": "dark"}}
            assert session.cookies.get("theme") is not None
            with Request(session, "GET", "/cookies/delete?theme").fetch() as response:
                assert response.json() == {"cookies": {}}
        folder = background.certificates.folder if background.certificates else None
        assert folder is not None and folder.is_dir()
    finally:
        background.stop()
    assert not folder.exists()  # the certificates went with the playground
    assert background.proxy_url is None and background.mtls_url is None


# -- the forward proxy -------------------------------------------------------------------------


def proxy_auth(pg: RunningPlayground) -> tuple[str, str]:
    assert pg.proxy is not None
    return pg.proxy.settings.user, pg.proxy.settings.password


async def test_a_plain_request_goes_through_the_proxy(pg: RunningPlayground) -> None:
    assert pg.proxy is not None and pg.proxy_url is not None
    async with AsyncSession(pg.url, proxy=pg.proxy_url, proxy_auth=proxy_auth(pg)) as session:
        status, echo = await get_json(session, "/echo?via=proxy")
    assert status == 200
    headers = {name.lower(): value for name, value in echo["headers"]}
    assert headers["via"] == VIA and "proxy-authorization" not in headers
    assert pg.proxy.stats.forwarded == 1


async def test_a_tunnel_through_the_proxy_to_the_mtls_port(pg: RunningPlayground) -> None:
    assert pg.proxy is not None and pg.proxy_url and pg.mtls_url and pg.certificates
    certs = pg.certificates
    async with AsyncSession(pg.mtls_url, proxy=pg.proxy_url, proxy_auth=proxy_auth(pg),
                            ca_file=str(certs.ca_cert),
                            client_cert=(str(certs.client_cert), str(certs.client_key))
                            ) as session:
        status, body = await get_json(session, "/tls/client")
    assert status == 200 and body["subject"]["commonName"] == CLIENT_NAME
    assert pg.proxy.stats.tunnels == 1


@pytest.mark.parametrize("credentials", [None, ("spyglass", "wrong-secret")])
@pytest.mark.parametrize("tls", [False, True])
async def test_the_proxy_refuses_without_the_right_credentials(
    pg: RunningPlayground, credentials: tuple[str, str] | None, tls: bool
) -> None:
    assert pg.proxy is not None and pg.proxy_url and pg.mtls_url and pg.certificates
    target = pg.mtls_url if tls else pg.url  # CONNECT, or an absolute-URI GET
    async with AsyncSession(target, proxy=pg.proxy_url, proxy_auth=credentials,
                            ca_file=str(pg.certificates.ca_cert)) as session:
        with pytest.raises(RequestError) as error:
            await get_json(session, "/echo")
    message = str(error.value)
    assert error.value.kind is ErrorKind.PROXY
    assert "407" in message and pg.proxy_url.removeprefix("http://") in message
    assert "wrong-secret" not in message
    assert pg.proxy.stats.refused == 1 and pg.proxy.stats.forwarded == 0


async def test_the_proxy_challenge_and_its_clear_refusals(pg: RunningPlayground) -> None:
    assert pg.proxy is not None and pg.proxy_url is not None
    host, port = pg.proxy_url.removeprefix("http://").rsplit(":", 1)

    async def exchange(data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(data)
        answer = await reader.read()
        writer.close()
        return answer

    answer = await exchange(b"GET http://127.0.0.1:9/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 407 ")
    assert b'Proxy-Authenticate: Basic realm="Spyglass playground proxy"' in answer
    good = "Proxy-Authorization: Basic c3B5Z2xhc3M6cGxheWdyb3VuZA==\r\n"  # spyglass:playground
    answer = await exchange(f"GET /echo HTTP/1.1\r\n{good}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400 ") and b"forward proxy" in answer
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    answer = await exchange(f"CONNECT 127.0.0.1:{closed} HTTP/1.1\r\n{good}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 502 ") and b"could not reach" in answer
    answer = await exchange(b"GET http://x/ HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    answer = await exchange(b"nonsense\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


async def test_proxy_settings_and_its_absence() -> None:
    settings = ProxySettings(user="me", password="p@ss word")
    async with await start_playground(access_log=False, proxy_settings=settings,
                                      mtls_port=None) as pg:
        assert pg.mtls_url is None and pg.certificates is None and pg.proxy_url
        async with AsyncSession(pg.url, proxy=pg.proxy_url,
                                proxy_auth=("me", "p@ss word")) as session:
            assert (await get_json(session, "/echo"))[0] == 200
    async with await start_playground(access_log=False, proxy_port=None, mtls_port=None) as pg:
        assert pg.proxy_url is None and pg.proxy is None
    with pytest.raises(ValueError, match="proxy user"):
        ProxySettings(user="a:b")


async def test_stopping_closes_the_proxy_and_its_tunnels(pg: RunningPlayground) -> None:
    assert pg.proxy_url is not None
    host, port = pg.proxy_url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"CONNECT {pg.host}:{pg.port} HTTP/1.1\r\n"
                 "Proxy-Authorization: Basic c3B5Z2xhc3M6cGxheWdyb3VuZA==\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
    await pg.stop()
    assert await asyncio.wait_for(reader.read(), 5) == b""  # the tunnel was closed
    writer.close()
    with pytest.raises(OSError):
        await asyncio.open_connection(host, int(port))


# -- the mTLS port -----------------------------------------------------------------------------


async def test_mtls_answers_with_the_generated_pem_and_pkcs12(pg: RunningPlayground) -> None:
    certs = pg.certificates
    assert certs is not None and pg.mtls_url is not None
    for given in ((str(certs.client_cert), str(certs.client_key)),
                  ClientCertificate(certs.client_p12, password=certs.p12_password)):
        async with AsyncSession(pg.mtls_url, ca_file=str(certs.ca_cert),
                                client_cert=given) as session:
            status, body = await get_json(session, "/tls/client")
            assert status == 200
            assert body["subject"]["commonName"] == CLIENT_NAME
            assert (await get_json(session, "/echo"))[0] == 200  # the whole app is there


async def test_mtls_refuses_a_connection_without_a_client_certificate(
    pg: RunningPlayground,
) -> None:
    certs = pg.certificates
    assert certs is not None and pg.mtls_url is not None
    async with AsyncSession(pg.mtls_url, ca_file=str(certs.ca_cert)) as session:
        with pytest.raises(RequestError) as error:
            await get_json(session, "/tls/client")
    # TLS 1.3: the server refuses after the handshake, so a client only sees the connection
    # closed before an answer.
    assert "closed the connection before answering" in str(error.value)
    # Not a library quirk: a bare TLS client is refused as well.
    context = ssl.create_default_context(cafile=str(certs.ca_cert))
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.ClientError):
            async with client.get(pg.mtls_url + "/tls/client", ssl=context) as response:
                await response.read()


async def test_tls_client_on_the_plain_port_says_where_to_go(pg: RunningPlayground) -> None:
    async with AsyncSession(pg.url) as session:
        status, body = await get_json(session, "/tls/client")
    assert status == 400 and "mTLS port" in body["error"]


async def test_certificates_are_private_and_removed_on_stop() -> None:
    pg = await start_playground(access_log=False, proxy_port=None)
    certs = pg.certificates
    assert certs is not None
    assert stat.S_IMODE(os.stat(certs.folder).st_mode) == 0o700
    for path in (certs.ca_cert, certs.client_key, certs.client_p12, certs.server_key):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert certs.p12_password not in repr(certs)
    await pg.stop()
    assert not certs.folder.exists()


async def test_the_index_page_shows_the_credentials_and_paths(pg: RunningPlayground) -> None:
    assert pg.certificates is not None and pg.proxy_url and pg.mtls_url
    async with aiohttp.ClientSession() as client, client.get(pg.url + "/") as page:
        text = await page.text()
    for shown in ("spyglass-demo-secret", pg.proxy_url, pg.mtls_url, "spyglass / playground",
                  str(pg.certificates.client_p12), pg.certificates.p12_password, "ada / lovelace"):
        assert shown in text


# -- the command line --------------------------------------------------------------------------


async def test_command_line_prints_the_proxy_and_mtls_and_cleans_up() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.playground", "--quiet", "--proxy-credentials", "me:secret",
        "--oauth-expires-in", "5", cwd=Path(__file__).parents[2],
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        told = b""
        while b"PKCS#12" not in told:
            told += await asyncio.wait_for(proc.stderr.readline(), 30)
        text = told.decode()
        folder = Path(re.search(r"trust (\S+)/ca\.pem", text)[1])  # type: ignore[index]
        assert re.search(r"Proxy: http://127\.0\.0\.1:\d+ \(user me, password secret\)", text)
        assert folder.is_dir()
        async with aiohttp.ClientSession() as client:
            async with client.post(url + "/oauth/token", data={
                "grant_type": "password", "username": "ada", "password": "lovelace",
                "client_id": "spyglass-demo"}) as answer:
                assert (await answer.json())["expires_in"] == 5
        proc.send_signal(signal.SIGTERM)
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    assert proc.returncode == 0 and b"Traceback" not in rest
    assert not folder.exists()


@pytest.mark.parametrize("args", [["--oauth-expires-in", "0"], ["--proxy-credentials", "x"]])
def test_command_line_refuses_bad_settings(args: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from app.playground.__main__ import main

    try:
        code: object = main(args)
    except SystemExit as exc:  # argparse's way out
        code = exc.code
    assert code == 2
    assert "error:" in capsys.readouterr().err
