"""Copy as Python: the generated scripts run, and send what the request says, to a real
local aiohttp server (the request library's test server)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.interchange import to_python_aiohttp, to_python_client
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
)
from tests.client.server import DIGEST_PASSWORD, DIGEST_USER, SECRET_KEYS

ROOT = Path(__file__).resolve().parents[2]
Generator = Callable[..., str]
GENERATORS = [pytest.param(to_python_client, id="app.client"),
              pytest.param(to_python_aiohttp, id="aiohttp")]


def run(script: str, tmp_path: Path, env: dict[str, str] | None = None) -> tuple[str, Any]:
    """Run ``script``; the status line and the parsed JSON body it printed."""
    path = tmp_path / "request.py"
    path.write_text(script, encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          cwd=tmp_path, env=environment, timeout=60)
    assert done.returncode == 0, script + "\n" + done.stderr
    assert "Traceback" not in done.stderr
    status, _, body = done.stdout.partition("\n")
    return status, json.loads(body)


def headers_of(echo: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v for k, v in echo["headers"]}


@pytest.mark.parametrize("generate", GENERATORS)
def test_json_body_headers_query_and_basic_auth(generate: Generator, base_url: str,
                                                tmp_path: Path) -> None:
    model = RequestModel(
        name="Create", method="POST", url="{{base}}/echo/items?a=1&b={{b}}",
        params=[KeyValue("a", "1"), KeyValue("b", "{{b}}")],
        headers=[KeyValue("Accept", "application/json"), KeyValue("X-Off", "1", False),
                 KeyValue("X-Multi", "line one")],
        body=BodyModel(BodyKind.JSON, text='{\n  "name": "{{name}}",\n  "n": 1\n}'),
        auth=AuthModel(AuthKind.BASIC, username="ada", password="pä ss"),
        options=RequestOptions(timeout=10),
    )
    script = generate(model, {"base": base_url, "b": "two", "name": "Ada"})
    status, echo = run(script, tmp_path)
    assert status == "200 OK"
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo/items"
    assert echo["query"] == [["a", "1"], ["b", "two"]]
    headers = headers_of(echo)
    assert headers["accept"] == "application/json"
    assert headers["x-multi"] == "line one"
    assert "x-off" not in headers
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Basic " + base64.b64encode("ada:pä ss".encode()).decode()
    assert base64.b64decode(echo["body"]).decode() == '{\n  "name": "Ada",\n  "n": 1\n}'


@pytest.mark.parametrize("generate", GENERATORS)
def test_multipart_with_a_file_part(generate: Generator, base_url: str, tmp_path: Path) -> None:
    picture = tmp_path / "me.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    model = RequestModel(
        method="PUT", url=f"{base_url}/echo/upload",
        body=BodyModel(BodyKind.MULTIPART, multipart=[
            MultipartField("caption", "On the sofa"),
            MultipartField("skip", "x", enabled=False),
            MultipartField("avatar", str(picture), is_file=True),
            MultipartField("meta", '{"w": 1}', content_type="application/json"),
        ]),
    )
    status, echo = run(generate(model), tmp_path)
    assert status == "200 OK"
    assert echo["method"] == "PUT"
    parts = {p["name"]: p for p in echo["parts"]}
    assert list(parts) == ["caption", "avatar", "meta"]
    assert parts["avatar"]["filename"] == "me.png"
    assert parts["avatar"]["content_type"] == "image/png"
    assert parts["avatar"]["sha256"] == hashlib.sha256(picture.read_bytes()).hexdigest()
    assert parts["caption"]["size"] == len("On the sofa")
    if generate is to_python_aiohttp:
        # app.client's set_multipart has no content type for a text part (nor has the window)
        assert parts["meta"]["content_type"] == "application/json"


@pytest.mark.parametrize("generate", GENERATORS)
def test_form_body_and_a_bearer_token_from_the_environment(generate: Generator, base_url: str,
                                                           tmp_path: Path) -> None:
    model = RequestModel(
        method="PATCH", url=f"{base_url}/echo",
        body=BodyModel(BodyKind.FORM, form=[KeyValue("a", "1"), KeyValue("b", "x y&z"),
                                            KeyValue("c", "off", enabled=False)]),
        auth=AuthModel(AuthKind.BEARER, token="never-in-the-script"),
    )
    script = generate(model, include_secrets=False)
    assert "never-in-the-script" not in script
    assert "SPYGLASS_TOKEN" in script
    status, echo = run(script, tmp_path, {"SPYGLASS_TOKEN": "from-env"})
    assert status == "200 OK"
    headers = headers_of(echo)
    assert headers["authorization"] == "Bearer from-env"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert base64.b64decode(echo["body"]).decode() == "a=1&b=x+y%26z"


@pytest.mark.parametrize("generate", GENERATORS)
def test_binary_body_and_an_api_key_in_the_query(generate: Generator, base_url: str,
                                                 tmp_path: Path) -> None:
    data = tmp_path / "blob.bin"
    data.write_bytes(os.urandom(70_000))
    model = RequestModel(
        method="POST", url=f"{base_url}/echo/blob",
        headers=[KeyValue("Content-Type", "application/x-custom")],
        body=BodyModel(BodyKind.BINARY, file_path=str(data)),
        auth=AuthModel(AuthKind.API_KEY, key_name="api_key", key_value="k 1",
                       key_location="query"),
    )
    status, echo = run(generate(model), tmp_path)
    assert status == "200 OK"
    assert echo["query"] == [["api_key", "k 1"]]
    assert echo["content_type"] == "application/x-custom"
    assert echo["length"] == 70_000
    assert echo["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()


@pytest.mark.parametrize("generate", GENERATORS)
def test_digest_auth(generate: Generator, base_url: str, tmp_path: Path) -> None:
    model = RequestModel(url=f"{base_url}/digest/MD5", auth=AuthModel(
        AuthKind.DIGEST, username=DIGEST_USER, password=DIGEST_PASSWORD))
    status, echo = run(generate(model), tmp_path)
    assert status == "200 OK"
    assert echo == {"authenticated": True, "method": "GET"}


def test_backend_ai_signing_with_app_client(base_url: str, tmp_path: Path) -> None:
    (access, secret), = SECRET_KEYS.items()
    model = RequestModel(url=f"{base_url}/backendai", auth=AuthModel(
        AuthKind.BACKENDAI, access_key=access, secret_key=secret))
    status, echo = run(to_python_client(model), tmp_path)
    assert status == "200 OK"
    assert echo["ok"] is True
    assert "Backend.AI signing is left out" in to_python_aiohttp(model)


@pytest.mark.parametrize("generate", GENERATORS)
def test_scripts_are_valid_python_for_every_body_and_auth_kind(generate: Generator) -> None:
    for kind in BodyKind:
        for auth in AuthKind:
            model = RequestModel(
                name='A "quoted" \\ name', url="example.com/x?q={{q}}",
                body=BodyModel(kind, text="a\r\nb\u2028'''\"\"\"",
                               form=[KeyValue("k", "v")],
                               multipart=[MultipartField("f", "/p/a b.txt", True)],
                               file_path="/p/data.bin"),
                auth=AuthModel(auth, username="u", password="p", token="t",
                               key_value="k", access_key="a", secret_key="s"),
                options=RequestOptions(timeout=None, ca_file="/etc/ca.pem"),
            )
            for secrets in (True, False):
                compile(generate(model, include_secrets=secrets), "<copy>", "exec")
