"""HAR 1.2: the requests of a browser's (or proxy's) capture, and requests back as a HAR log.

Import keeps what a replay needs: HTTP/2 pseudo headers (``:authority``), hop-by-hop headers,
``Host`` and ``Content-Length`` are left out (the client writes its own), and so are cookies: a
captured ``Cookie`` header is a session credential and does not belong in a file that may end
up in git. An ``Authorization: Basic``/``Bearer`` header becomes the request's auth.

Export writes one entry per request with the request only and the smallest response the format
requires (status 0, as browsers record a request that got no answer). Collection folders become
pages, which a later import by Spyglass turns back into folders.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from app import __version__
from app.interchange.common import (
    drop_implied_content_type,
    folder_name,
    make_safe,
    request_name,
    take_authorization,
    withhold_secrets,
)
from app.interchange.curl import implied_content_type, parse_form
from app.interchange.document import load_document, within_bounds
from app.interchange.model import Folder, ImportResult, InterchangeError
from app.model.graphql_body import get_parameters, json_or_graphql, payload_text
from app.model.http import media_parameter, media_type
from app.model.request import (
    AuthKind,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestMode,
    RequestModel,
    query_of,
    with_query,
)

__all__ = ["export_har", "har_log", "import_har"]

CREATOR = "Spyglass"
_LEFT_OUT = frozenset({
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
    "trailer", "host", "content-length", "sec-websocket-key", "sec-websocket-version",
    "sec-websocket-extensions",
})


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _multipart_text(text: str, mime: str) -> list[MultipartField] | None:
    """The parts of a captured multipart body (Chrome records the body text, not params)."""
    boundary = media_parameter(mime, "boundary")
    if not boundary:
        return None
    parts: list[MultipartField] = []
    for chunk in text.split("--" + boundary)[1:]:
        if chunk.startswith("--"):
            break
        head, sep, content = chunk.lstrip("\r\n").partition("\r\n\r\n")
        if not sep:
            head, sep, content = chunk.lstrip("\n").partition("\n\n")
        headers = BytesHeaderParser().parsebytes(head.encode("utf-8", "replace"))
        disposition = headers.get("Content-Disposition", "")
        params = dict(headers.get_params(header="Content-Disposition") or [])
        if not disposition:
            continue
        name = _text(params.get("name"))
        content_type = headers.get("Content-Type", "")
        content = content.removesuffix("\r\n").removesuffix("\n")
        if "filename" in params:
            parts.append(MultipartField(name, _text(params["filename"]), True, content_type))
        else:
            parts.append(MultipartField(name, content, False, content_type))
    return parts


def _body(post: Any, headers: list[KeyValue]) -> BodyModel:
    if not isinstance(post, Mapping):
        return BodyModel()
    mime = _text(post.get("mimeType"))
    media = media_type(mime)
    text = _text(post.get("text"))
    params = [p for p in _list(post.get("params")) if isinstance(p, Mapping)]
    if post.get("_file"):
        return BodyModel(BodyKind.BINARY, file_path=_text(post["_file"]))
    if media == "application/x-www-form-urlencoded":
        rows = parse_form(text) if text else [
            KeyValue(_text(p.get("name")), _text(p.get("value"))) for p in params]
        if rows is not None:
            return BodyModel(BodyKind.FORM, form=rows)
    elif media == "multipart/form-data":
        parts: list[MultipartField] | None = [
            MultipartField(_text(p.get("name")), _text(p.get("fileName")), True,
                           _text(p.get("contentType")))
            if p.get("fileName") is not None else
            MultipartField(_text(p.get("name")), _text(p.get("value")), False,
                           _text(p.get("contentType")))
            for p in params]
        if not parts and text:
            parts = _multipart_text(text, mime)
        if parts is not None:
            return BodyModel(BodyKind.MULTIPART, multipart=parts)
    if not text:
        return BodyModel()
    if media == "application/json" or media.endswith("+json"):
        return json_or_graphql(text)
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return BodyModel(BodyKind.XML, text=text)
    if mime and not any(h.name.lower() == "content-type" for h in headers):
        headers.append(KeyValue("Content-Type", mime))
    return BodyModel(BodyKind.TEXT, text=text)


class _Reader:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.log = doc["log"]
        self.cookies = 0
        self.skipped: list[str] = []

    def request(self, spec: Mapping[str, Any]) -> RequestModel | None:
        url = _text(spec.get("url"))
        scheme = url.partition("://")[0].lower() if "://" in url else ""
        if scheme not in ("http", "https", "ws", "wss"):
            self.skipped.append(url[:60])
            return None
        method = _text(spec.get("method")) or "GET"
        headers: list[KeyValue] = []
        for header in _list(spec.get("headers")):
            if not isinstance(header, Mapping):
                continue
            name = _text(header.get("name"))
            if not name or name.startswith(":") or name.lower() in _LEFT_OUT:
                continue
            if name.lower() == "cookie":
                self.cookies += 1
                continue
            headers.append(KeyValue(name, _text(header.get("value"))))
        if "?" not in url:
            pairs = [KeyValue(quote(_text(q.get("name")), safe="{}"),
                              quote(_text(q.get("value")), safe="{}"))
                     for q in _list(spec.get("queryString")) if isinstance(q, Mapping)]
            url = with_query(url, pairs)
        model = RequestModel(
            name=_text(spec.get("comment")).strip() or request_name(method, url),
            method=method, url=url, params=query_of(url), headers=headers,
            body=_body(spec.get("postData"), headers),
        )
        if scheme in ("ws", "wss"):
            model.mode = RequestMode.WEBSOCKET
            for row in list(model.headers):
                if row.name.lower() == "sec-websocket-protocol":
                    model.ws_subprotocols = [p.strip() for p in row.value.split(",") if p.strip()]
                    model.headers.remove(row)
        take_authorization(model)
        drop_implied_content_type(model)
        return model

    def warnings(self) -> list[str]:
        out = []
        if self.cookies:
            out.append(f"Cookie headers were left out of {self.cookies} request"
                       f"{'s' if self.cookies != 1 else ''} (they are session credentials)")
        n = len(self.skipped)
        if n:
            what = "entries that are not HTTP requests were" if n != 1 else \
                "entry that is not an HTTP request was"
            out.append(f"{n} {what} left out (e.g. {self.skipped[0]!r})")
        return out


def _title(log: Mapping[str, Any], entries: list[Any]) -> str:
    for page in _list(log.get("pages")):
        title = _text(page.get("title")) if isinstance(page, Mapping) else ""
        if title and "://" not in title:
            return title
    for entry in entries:
        request = entry.get("request") if isinstance(entry, Mapping) else None
        url = _text(request.get("url")) if isinstance(request, Mapping) else ""
        if url.startswith(("http://", "https://")):
            try:
                host = urlsplit(url).hostname
            except ValueError:
                continue
            if host:
                return host
    return ""


@within_bounds
def import_har(source: str | Mapping[str, Any], *, name: str | None = None) -> ImportResult:
    """The requests of the HAR in ``source`` (JSON text or the parsed document), in one
    collection (or, for a HAR that Spyglass wrote, the collections it came from)."""
    doc = load_document(source) if isinstance(source, str) else source
    log = doc.get("log") if isinstance(doc, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(log.get("entries"), list):
        raise InterchangeError("Not a HAR file: 'log.entries' is missing")
    reader = _Reader(doc)
    entries = log["entries"]
    title = _text(name or _title(log, entries))
    creator = log.get("creator")
    ours = isinstance(creator, Mapping) and creator.get("name") == CREATOR
    pages = {_text(p.get("id")): _text(p.get("title")) for p in _list(log.get("pages"))
             if isinstance(p, Mapping)} if ours and not name else {}
    default = Folder(folder_name(title or "HAR import"))
    tops: dict[str, Folder] = {}
    result = ImportResult("har", title=title)
    for entry in entries:
        request = entry.get("request") if isinstance(entry, Mapping) else None
        if not isinstance(request, Mapping):
            continue
        model = reader.request(request)
        if model is None:
            continue
        path = pages.get(_text(entry.get("pageref")), "")
        parts = [folder_name(p) for p in path.split("/") if p.strip()]
        if not parts:
            folder = default
            if default.name not in tops:
                tops[default.name] = default
                result.collections.append(default)
        else:
            folder = tops.get(parts[0]) or Folder(parts[0])
            if parts[0] not in tops:
                tops[parts[0]] = folder
                result.collections.append(folder)
            for part in parts[1:]:
                child = next((f for f in folder.folders if f.name == part), None)
                if child is None:
                    child = Folder(part)
                    folder.folders.append(child)
                folder = child
        folder.requests.append(model)
    result.warnings = reader.warnings()
    if not result.collections:
        raise InterchangeError("The HAR file has no HTTP requests")
    make_safe(result)
    return result


# -- export --------------------------------------------------------------------------------


def _auth_headers(model: RequestModel) -> list[dict[str, str]]:
    auth = model.auth
    if auth.kind is AuthKind.BASIC:
        token = base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode()
        return [{"name": "Authorization", "value": f"Basic {token}"}]
    if auth.kind is AuthKind.BEARER:
        return [{"name": "Authorization", "value": f"Bearer {auth.token}"}]
    if auth.kind is AuthKind.API_KEY and auth.key_location == "header":
        return [{"name": auth.key_name, "value": auth.key_value}]
    return []


def _post_data(model: RequestModel, content_type: str) -> dict[str, Any] | None:
    body = model.body
    if body.kind in (BodyKind.JSON, BodyKind.TEXT, BodyKind.XML):
        return {"mimeType": content_type, "text": body.text}
    if body.kind is BodyKind.GRAPHQL:
        # A GET carries it in the URL (_entry).
        return None if model.method == "GET" else {"mimeType": content_type,
                                                   "text": payload_text(body)}
    if body.kind is BodyKind.FORM:
        rows = [(r.name, r.value) for r in body.form if r.enabled]
        return {"mimeType": content_type, "text": urlencode(rows),
                "params": [{"name": n, "value": v} for n, v in rows]}
    if body.kind is BodyKind.MULTIPART:
        params: list[dict[str, str]] = []
        for part in body.multipart:
            if not part.enabled:
                continue
            param = ({"name": part.name, "fileName": part.value} if part.is_file
                     else {"name": part.name, "value": part.value})
            if part.content_type:
                param["contentType"] = part.content_type
            params.append(param)
        return {"mimeType": content_type, "text": "", "params": params}
    if body.kind is BodyKind.BINARY:
        return {"mimeType": content_type, "text": "", "_file": body.file_path}
    return None


def _entry(model: RequestModel, started: str, pageref: str) -> dict[str, Any]:
    url = model.url
    if model.auth.kind is AuthKind.API_KEY and model.auth.key_location == "query":
        extra = KeyValue(quote(model.auth.key_name, safe=""),
                         quote(model.auth.key_value, safe="{}"))
        url = with_query(url, [*query_of(url), extra])
    graphql_get = model.body.kind is BodyKind.GRAPHQL and model.method == "GET"
    if graphql_get:  # as compose sends it: GraphQL over HTTP's query parameters
        url = with_query(url, [*query_of(url), *(
            KeyValue(name, quote(value, safe="{}")) for name, value
            in get_parameters(model.body))])
    headers = [{"name": h.name, "value": h.value} for h in model.headers if h.enabled and h.name]
    headers += _auth_headers(model)
    if model.ws_subprotocols:
        headers.append({"name": "Sec-WebSocket-Protocol",
                        "value": ", ".join(model.ws_subprotocols)})
    content_type = next((h["value"] for h in headers if h["name"].lower() == "content-type"),
                        "")
    if not content_type and model.body.kind is not BodyKind.NONE and not graphql_get:
        content_type = implied_content_type(model.body)
        headers.append({"name": "Content-Type", "value": content_type})
    request: dict[str, Any] = {
        "method": model.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [{"name": unquote(q.name), "value": unquote(q.value)}
                        for q in query_of(url)],
        "headersSize": -1,
        "bodySize": -1,
        "comment": model.name,
    }
    post = _post_data(model, content_type)
    if post is not None:
        request["postData"] = post
    return {
        "pageref": pageref,
        "startedDateTime": started,
        "time": 0,
        "request": request,
        "response": {
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
            "headersSize": -1, "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }


def har_log(folders: Sequence[Folder], *, include_secrets: bool = False) -> dict[str, Any]:
    """A HAR 1.2 document of every request in ``folders`` (one page per folder). Without
    ``include_secrets`` auth secrets are ``{{placeholders}}``."""
    started = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    pages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for top in folders:
        for path, folder in top.walk():
            if not folder.requests:
                continue
            pageref = f"page_{len(pages) + 1}"
            pages.append({"startedDateTime": started, "id": pageref, "title": path,
                          "pageTimings": {}})
            for model in folder.requests:
                if not include_secrets:
                    model = withhold_secrets(model)
                entries.append(_entry(model, started, pageref))
    return {"log": {"version": "1.2", "creator": {"name": CREATOR, "version": __version__},
                    "pages": pages, "entries": entries}}


def export_har(folders: Sequence[Folder], *, include_secrets: bool = False) -> str:
    """:func:`har_log` as JSON text."""
    return json.dumps(har_log(folders, include_secrets=include_secrets), indent=2,
                      ensure_ascii=False) + "\n"
