"""Hypothesis against every parser of what we read: curl, Postman, OpenAPI, HAR, the
workspace's YAML, an event stream's bytes and ``{{variable}}`` templates. Each either gives its
result or raises its documented error (``InterchangeError``, ``WorkspaceError``,
``EventTooLarge``, ``ComposeError``); never anything else, and never past its memory budget.
Examples are few and small, so the suite stays fast."""

from __future__ import annotations

import contextlib
import os
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.client.sse import EventTooLarge, SSEParser
from app.interchange import (
    InterchangeError,
    import_curl,
    import_har,
    import_openapi,
    import_postman,
    import_text,
)
from app.model.compose import ComposeError, substitute
from app.model.request import RequestModel
from app.model.templating import resolve_nested
from app.storage.secrets import MemorySecrets
from app.storage.workspace import Workspace, WorkspaceError

#: Python allocations one parse of a small input may peak at.
BUDGET_MIB = 32
FUZZ = settings(max_examples=int(os.environ.get("SPYGLASS_FUZZ_EXAMPLES", "80")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_KEYS = [
    # Postman
    "info", "name", "schema", "item", "request", "url", "raw", "host", "path", "query",
    "variable", "header", "key", "value", "body", "mode", "formdata", "urlencoded", "file",
    "src", "auth", "type", "bearer", "basic", "apikey", "disabled", "event", "options",
    "protocolProfileBehavior", "method", "graphql",
    # OpenAPI
    "openapi", "paths", "/a/{id}", "get", "post", "parameters", "in", "schema", "required",
    "requestBody", "content", "application/json", "multipart/form-data", "example",
    "examples", "$ref", "components", "schemas", "properties", "items", "allOf", "oneOf",
    "security", "securitySchemes", "servers", "variables", "default", "tags", "enum",
    "format", "scheme", "summary", "operationId", "encoding", "contentType",
    # HAR
    "log", "entries", "headers", "queryString", "postData", "mimeType", "text", "params",
    "pages", "pageref", "creator", "_file", "fileName", "title", "id", "comment",
]
_REFS = st.sampled_from(["#/components/schemas/A", "#/components/schemas/B", "#", "#/x/0",
                         "other.yaml#/A"])
_SCALARS = (st.none() | st.booleans() | st.integers(-3, 2**70) | st.floats(allow_nan=True)
            | st.text(max_size=12) | st.sampled_from(_KEYS) | _REFS
            | st.sampled_from(["3.0.0", "3.1.0", "http://127.0.0.1/{v}", "GET", "header",
                               "query", "path", "cookie", "object", "array", "string",
                               "http", "apiKey", "oauth2", "Cookie", "Authorization"]))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=40)


@contextlib.contextmanager
def _budget() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak < BUDGET_MIB, f"peaked at {peak:.1f} MiB"


def _only_interchange_error(importer: Callable[..., Any], source: Any) -> None:
    with _budget():
        with contextlib.suppress(InterchangeError):
            importer(source)


@FUZZ
@given(_VALUES, _VALUES)
def test_postman_documents(info: Any, items: Any) -> None:
    _only_interchange_error(import_postman, {"info": info if isinstance(info, dict) else {},
                                              "item": items, "variable": info})


@FUZZ
@given(_VALUES, _VALUES, _VALUES)
def test_openapi_documents(paths: Any, components: Any, rest: Any) -> None:
    doc = {"openapi": "3.0.0", "paths": paths, "components": components}
    if isinstance(rest, dict):
        doc = {**rest, **doc}
    _only_interchange_error(import_openapi, doc)


@FUZZ
@given(_VALUES, _VALUES)
def test_har_documents(entries: Any, log: Any) -> None:
    doc = {"log": {**(log if isinstance(log, dict) else {}), "entries": entries}}
    _only_interchange_error(import_har, doc)


_YAML_TEXT = st.lists(st.sampled_from([*"&*ab:-[]{}, \n'\"!|>#%@`?\t", "&a ", "*a", "<<: ",
                                        "\n  ", "\n- ", *_KEYS[:20]]),
                      max_size=60).map("".join)


@FUZZ
@given(_YAML_TEXT)
def test_json_and_yaml_text(text: str) -> None:
    _only_interchange_error(import_text, text)


_CURL_WORDS = st.sampled_from([
    "curl", " ", "\n", "\\\n", "-H", "-d", "--data-binary", "-F", "-u", "-X", "--url", "-b",
    "'", '"', "$'", "\\", "@", "=", ":", ";", "^", "#", "http://127.0.0.1/", "a", "{{v}}",
    "Cookie: a=b", "Authorization: Token x", "--json", "-G", "--compressed", "-k", "-T",
    "--form-string", "type=", "\x00", "é"])


@FUZZ
@given(st.lists(_CURL_WORDS, max_size=30).map("".join))
def test_curl_commands(text: str) -> None:
    _only_interchange_error(import_curl, "curl " + text)


@FUZZ
@given(_YAML_TEXT | _VALUES.map(repr), st.binary(max_size=40))
def test_workspace_yaml_files(text: str, tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(tmp, MemorySecrets())
        workspace.save_request("Shop", RequestModel(name="r"))
        folder = Path(tmp, "Shop")
        (folder / "fuzz.yaml").write_bytes(text.encode() + tail)
        (folder / "collection.yaml").write_text(text)
        with _budget():
            for call in (lambda: workspace.load_request(folder / "fuzz.yaml"),
                         lambda: workspace.list_requests("Shop"),
                         lambda: workspace.load_collection_variables("Shop"),
                         workspace.walk):
                with contextlib.suppress(WorkspaceError):
                    call()


_SSE_PIECES = st.sampled_from([
    b"data", b"data:", b"data: ", b"event: ", b"id: ", b"retry: ", b"retry: 10", b": c", b"x",
    b"\n", b"\r", b"\r\n", b"\n\n", b"\x00", b"\xe9", b"\xef\xbb\xbf", b"caf\xc3\xa9",
    b"0" * 100, b"y" * 700])


@FUZZ
@given(st.lists(_SSE_PIECES | st.binary(max_size=20), max_size=60), st.data())
def test_event_stream_bytes(pieces: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    parser = SSEParser(max_event_size=1024)
    with _budget(), contextlib.suppress(EventTooLarge):
        for start, stop in zip([0, *cuts], [*cuts, len(stream)], strict=True):
            for event in parser.feed(stream[start:stop]):
                assert len(event.data.encode("utf-8", "surrogatepass")) <= 3 * 1024


_NAMES = st.sampled_from(["a", "b", "c", "host", "a b", ""])
_TEMPLATE = st.lists(
    _NAMES.map(lambda n: "{{" + n + "}}") | st.sampled_from(["{{", "}}", "{", " ", "/"])
    | st.text(max_size=8) | st.sampled_from(["z" * 5000]), max_size=40).map("".join)


@FUZZ
@given(st.dictionaries(_NAMES, _TEMPLATE, max_size=5), _TEMPLATE)
def test_templates(variables: dict[str, str], text: str) -> None:
    with _budget():
        resolved = resolve_nested(variables)
        with contextlib.suppress(ComposeError):
            substitute(text, resolved, "url")
