"""``{{playground_token}}``: the window's real playground gives its terminals' token to a
send, as a secret (masked in the hover, redacted from the history), and it opens a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from app.client import AsyncSession, Request
from app.model.compose import substitute
from app.model.getting_started import getting_started
from app.model.request import RequestMode
from app.storage.history import REDACTED, Outcome, entry_for
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace
from tests.ui.test_view_models import Answers, FakeHost
from ui.documents import DocumentsController
from ui.playground_control import PlaygroundControl
from ui.tasks import TaskRunner
from ui.workspace_controller import WorkspaceController


async def _shell_says_hello(url: str) -> str:
    async with AsyncSession() as session:
        async with Request(session, "GET", url).connect_websocket() as ws:
            await ws.send_bytes(b"printf 'x%sy\\n' 42; exit\n")
            output = b""
            async for message in ws:
                assert isinstance(message.data, bytes)
                output += message.data
            return output.decode("utf-8", "replace")


def test_the_token_is_a_secret_variable_that_opens_a_terminal(
        qtbot: QtBot, run_async: Callable[..., Any], tmp_path: Path) -> None:
    runner = TaskRunner()
    controller = WorkspaceController(runner, Workspace(tmp_path / "ws", MemorySecrets()))
    host = FakeHost()
    playground = PlaygroundControl()
    documents = DocumentsController(controller, host, playground, Answers())  # type: ignore[arg-type]
    host.controller = documents
    try:
        shell = next(m for m in getting_started() if m.name == "A shell (raw)")
        assert shell.mode is RequestMode.TERMINAL and shell.terminal.protocol == "raw"
        document = host.open_document(shell, None)

        hover = documents.lookup_for(document)()["playground_token"]
        assert hover.secret and playground.token is None  # not started yet: nothing to show

        resolution = run_async(documents.resolution(document, document.to_model()))
        token = playground.token
        assert token is not None and resolution.values["playground_token"] == token
        assert token in resolution.secrets
        hover = documents.lookup_for(document)()["playground_token"]
        assert hover.secret and hover.value == token

        url = substitute(shell.url, resolution.values, "URL")
        assert url == f"{playground.url}/terminal/raw?token={token}"
        assert "x42y" in run_async(_shell_says_hello(url))

        sent = shell.__class__.from_dict({**shell.to_dict(), "url": url})
        entry = entry_for(sent, Outcome(time.time(), 0.1, 101, url=url), resolution.secrets)
        assert token not in str(entry.request) and token not in entry.url
        assert REDACTED in entry.url

        # A request that does not name the playground starts nothing and gets no token.
        plain = host.open_document(shell.__class__(url="http://example.invalid/"), None)
        values = run_async(documents.resolution(plain, plain.to_model())).values
        assert "playground_token" not in values
    finally:
        playground.stop()
        runner.cancel_all()
    assert playground.token is None


def test_the_mtls_port_certificates_and_proxy_are_offered_as_variables(
        qtbot: QtBot, run_async: Callable[..., Any], tmp_path: Path) -> None:
    runner = TaskRunner()
    controller = WorkspaceController(runner, Workspace(tmp_path / "ws", MemorySecrets()))
    host = FakeHost()
    playground = PlaygroundControl()
    documents = DocumentsController(controller, host, playground, Answers())  # type: ignore[arg-type]
    host.controller = documents
    try:
        mtls = next(m for m in getting_started() if m.name.startswith("mTLS port"))
        document = host.open_document(mtls, None)
        hover = documents.lookup_for(document)()["playground_mtls"]
        assert "started on send" in hover.value  # not started yet
        assert documents.lookup_for(document)()["playground_grpc"].value == (
            "(set when the playground starts)")
        values = run_async(documents.resolution(document, document.to_model())).values
        assert playground.mtls_url is not None and playground.mtls_url.startswith("https://")
        assert values["playground_mtls"] == playground.mtls_url
        assert substitute(mtls.url, values, "URL") == playground.mtls_url + "/tls/client"
        assert documents.lookup_for(document)()["playground_mtls"].value == playground.mtls_url
        # The client certificate files and the proxy (its demo credentials masked on hover).
        cert, key = values["playground_client_cert"], values["playground_client_key"]
        assert Path(cert).is_file() and Path(key).is_file()
        assert values["playground_proxy"].startswith("http://spyglass:")
        hover_proxy = documents.lookup_for(document)()["playground_proxy"]
        assert hover_proxy.secret and hover_proxy.value == values["playground_proxy"]
        # The gRPC server's host:port, shown as it is.
        assert values["playground_grpc"].startswith("127.0.0.1:")
        hover_grpc = documents.lookup_for(document)()["playground_grpc"]
        assert not hover_grpc.secret and hover_grpc.value == values["playground_grpc"]
    finally:
        playground.stop()
        runner.cancel_all()
    assert playground.mtls_url is None
