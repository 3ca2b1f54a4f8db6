"""Postman collections v2.1 (and v2.0): folders, variables, auth and every body mode.

Import: item groups become folders; collection and folder ``variable`` lists become collection
variables (``type: secret`` ones secret); auth ``inherit`` (or none given) takes the nearest
folder's or the collection's; ``{{var}}`` is Spyglass's syntax too and stays as it is; path
variables (``:id``) become ``{{id}}`` with their value as a folder variable. A request's
test script becomes asserts and captures where it uses the common ``pm.test`` forms
(``app.interchange.postman_tests``); what is not translated, and pre-request scripts, are
kept in the request's ``notes`` and listed in the warnings. Collection and folder scripts
and descriptions are left out. Export writes the same shape back (without scripts).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from app import __version__
from app.interchange.common import (
    comment_text,
    drop_implied_content_type,
    folder_name,
    make_safe,
    request_name,
    take_authorization,
    withhold_auth,
    withhold_headers,
)
from app.interchange.document import load_document, within_bounds
from app.interchange.model import Folder, ImportResult, InterchangeError, Variable
from app.interchange.postman_auth import auth_from_postman, auth_to_postman
from app.interchange.postman_tests import script_text, translate_tests
from app.model.http import canonical_method, media_type
from app.model.request import (
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    RequestOptions,
    query_of,
    with_query,
)

__all__ = ["SCHEMA_V21", "export_postman", "import_postman", "postman_collection"]

SCHEMA_V21 = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"

_LANGUAGES = {BodyKind.JSON: "json", BodyKind.XML: "xml", BodyKind.TEXT: "text"}
_RAW_TYPES = {"javascript": "application/javascript", "html": "text/html"}
#: How much of an untranslated statement a warning quotes.
QUOTED_SCRIPT_CHARS = 80
#: The line a script kept in a request's notes starts with (group 1: Postman's ``listen``).
_NOTE_HEADER = re.compile(r"^// Postman (\S+) script: .*$\n?", re.MULTILINE)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Reader:
    """One import: the warnings, counted by what was left out."""

    def __init__(self) -> None:
        self.left_out: Counter[str] = Counter()

    def warnings(self) -> list[str]:
        return [f"{what} ({n} time{'s' if n != 1 else ''})" if n > 1 else what
                for what, n in self.left_out.items()]

    # folders

    def items(self, items: Any, folder: Folder, inherited: AuthModel) -> None:
        for item in _list(items):
            if not isinstance(item, dict):
                self.left_out["An item that is not an object was left out"] += 1
            elif "item" in item:
                if _list(item.get("event")):
                    self.left_out["Folder scripts were left out"] += 1
                child = Folder(folder_name(_text(item.get("name")), "Folder"))
                child.variables = self.variables(item.get("variable"))
                auth = self.auth(item.get("auth"))
                self.items(item.get("item"), child, inherited if auth is None else auth)
                folder.folders.append(child)
            elif "request" in item:
                folder.requests.append(self.request(item, inherited, folder))
            else:
                self.left_out["An item with neither a request nor items was left out"] += 1

    def variables(self, spec: Any) -> dict[str, Variable]:
        out: dict[str, Variable] = {}
        for var in _list(spec):
            if not isinstance(var, dict) or var.get("disabled"):
                continue
            key = _text(var.get("key", var.get("id")))
            if key:
                out[key] = Variable(key, _text(var.get("value")), var.get("type") == "secret")
        return out

    # auth

    def auth(self, spec: Any) -> AuthModel | None:
        """The auth ``spec`` says, or None where it inherits."""
        if not isinstance(spec, dict):
            return None
        kind = _text(spec.get("type")).lower()
        if kind in ("", "inherit"):
            return None
        if kind == "noauth":
            return AuthModel()
        raw = spec.get(kind)
        params: dict[str, str] = {}
        if isinstance(raw, list):
            params = {_text(p.get("key")): _text(p.get("value")) for p in raw
                      if isinstance(p, dict)}
        elif isinstance(raw, dict):
            params = {str(k): _text(v) for k, v in raw.items()}
        found = auth_from_postman(kind, params)
        if isinstance(found, AuthModel):
            return found
        self.left_out[f"{found}: imported without auth"] += 1
        return AuthModel()

    # requests

    def request(self, item: dict[str, Any], inherited: AuthModel, folder: Folder) -> RequestModel:
        spec = item.get("request")
        if isinstance(spec, str):
            spec = {"url": spec}
        if not isinstance(spec, dict):
            spec = {}
        method = _text(spec.get("method")) or "GET"
        url, params = self.url(spec.get("url"), folder)
        headers = self.headers(spec.get("header"))
        body = self.body(spec.get("body"), headers)
        auth = self.auth(spec.get("auth"))
        behaviour = item.get("protocolProfileBehavior")
        options = RequestOptions()
        if isinstance(behaviour, dict):
            if behaviour.get("followRedirects") is False:
                options.follow_redirects = False
            if behaviour.get("strictSSL") is False:
                options.verify_tls = False
        model = RequestModel(
            name=_text(item.get("name")) or request_name(method, url),
            method=canonical_method(method),
            url=url, params=params, headers=headers, body=body,
            auth=copy.copy(inherited) if auth is None else auth, options=options,
        )
        take_authorization(model)
        drop_implied_content_type(model)
        self.scripts(_list(item.get("event")), model)
        return model

    def scripts(self, events: list[Any], model: RequestModel) -> None:
        """A request's test script as asserts and captures; what is not translated, and
        any other script, kept in its notes (as JavaScript under a ``// Postman <listen>
        script`` line, which the export turns back into the script) and said in the
        warnings."""
        notes: list[str] = []
        for event in events:
            script = event.get("script") if isinstance(event, dict) else None
            text = script_text(script.get("exec")) if isinstance(script, dict) else ""
            text = _NOTE_HEADER.sub("", text).strip()  # a script this export wrote
            if not text:
                continue
            listen = re.sub(r"\W+", "-", _text(event.get("listen"))) or "unnamed"
            if listen != "test":
                notes.append(f"// Postman {listen} script: Spyglass runs no scripts\n{text}")
                self.left_out[f"Postman {listen} scripts were not run or translated: kept "
                              "in the requests' notes"] += 1
                continue
            found = translate_tests(text)
            model.asserts += found.asserts
            model.captures += found.captures
            if found.kept:
                notes.append("// Postman test script: not translated into asserts\n"
                             + "\n".join(found.kept))
                first = comment_text(found.kept[0])
                if len(first) > QUOTED_SCRIPT_CHARS:
                    first = first[:QUOTED_SCRIPT_CHARS - 1] + "…"
                more = f" and {len(found.kept) - 1} more" if len(found.kept) > 1 else ""
                self.left_out[f"{model.name!r}: test script not translated, kept in its "
                              f"notes: {first}{more}"] += 1
        model.notes = "\n\n".join(notes)

    def url(self, spec: Any, folder: Folder) -> tuple[str, list[KeyValue]]:
        if isinstance(spec, str):
            return spec, query_of(spec)
        if not isinstance(spec, dict):
            return "", []
        raw = _text(spec.get("raw"))
        if not raw:
            raw = _url_from_parts(spec)
        for var in _list(spec.get("variable")):
            if not isinstance(var, dict) or not _text(var.get("key")):
                continue
            key = _text(var["key"])
            base, sep, rest = raw.partition("?")
            base = re.sub(rf"(?<=/):{re.escape(key)}(?=/|#|$)", "{{" + key + "}}", base)
            raw = base + sep + rest
            value = _text(var.get("value"))
            if value and key not in folder.variables:
                folder.variables[key] = Variable(key, value)
        query = spec.get("query")
        if not isinstance(query, list):
            return raw, query_of(raw)
        rows = [KeyValue(_text(q.get("key")), _text(q.get("value")), not q.get("disabled"))
                for q in query if isinstance(q, dict)]
        if query_of(raw) != [KeyValue(r.name, r.value) for r in rows if r.enabled]:
            raw = with_query(raw, rows)
        return raw, rows

    def headers(self, spec: Any) -> list[KeyValue]:
        if isinstance(spec, str):
            rows = []
            for line in spec.splitlines():
                name, colon, value = line.partition(":")
                if colon and name.strip():
                    rows.append(KeyValue(name.strip(), value.strip()))
            return rows
        return [KeyValue(_text(h.get("key")), _text(h.get("value")), not h.get("disabled"))
                for h in _list(spec) if isinstance(h, dict)]

    def body(self, spec: Any, headers: list[KeyValue]) -> BodyModel:
        if not isinstance(spec, dict) or spec.get("disabled"):
            return BodyModel()
        mode = _text(spec.get("mode"))
        if mode == "raw":
            return _raw_body(spec, headers)
        if mode == "urlencoded":
            return BodyModel(BodyKind.FORM, form=[
                KeyValue(_text(r.get("key")), _text(r.get("value")), not r.get("disabled"))
                for r in _list(spec.get("urlencoded")) if isinstance(r, dict)])
        if mode == "formdata":
            return BodyModel(BodyKind.MULTIPART, multipart=_parts(spec.get("formdata")))
        if mode == "file":
            file = spec.get("file")
            file = file if isinstance(file, dict) else {}
            if not file.get("src") and file.get("content"):
                return BodyModel(BodyKind.TEXT, text=_text(file["content"]))
            return BodyModel(BodyKind.BINARY, file_path=_text(file.get("src")))
        if mode == "graphql":
            graphql = spec.get("graphql")
            return _graphql(graphql if isinstance(graphql, dict) else {})
        if mode:
            self.left_out[f"Postman body mode {mode!r} is not supported: left out"] += 1
        return BodyModel()


def _url_from_parts(spec: Mapping[str, Any]) -> str:
    protocol = _text(spec.get("protocol"))
    host = spec.get("host")
    host_text = ".".join(_text(h) for h in host) if isinstance(host, list) else _text(host)
    port = _text(spec.get("port"))
    path = spec.get("path")
    if isinstance(path, list):
        segments = [_text(p.get("value")) if isinstance(p, dict) else _text(p) for p in path]
        path_text = "/".join(segments)
    else:
        path_text = _text(path).lstrip("/")
    url = (f"{protocol}://" if protocol else "") + host_text + (f":{port}" if port else "")
    if path_text:
        url += "/" + path_text
    rows = [KeyValue(_text(q.get("key")), _text(q.get("value")), not q.get("disabled"))
            for q in _list(spec.get("query")) if isinstance(q, dict)]
    return with_query(url, rows)


def _raw_body(spec: Mapping[str, Any], headers: list[KeyValue]) -> BodyModel:
    text = _text(spec.get("raw"))
    if not text:  # Postman sends no body for an empty raw one, whatever its language
        return BodyModel()
    options = spec.get("options")
    raw_options = options.get("raw") if isinstance(options, dict) else None
    language = _text(raw_options.get("language")).lower() if isinstance(raw_options, dict) else ""
    if not language:
        declared = [media_type(h.value) for h in headers
                    if h.enabled and h.name.lower() == "content-type"]
        media = declared[-1] if declared else ""
        if media == "application/json" or media.endswith("+json"):
            language = "json"
        elif media.endswith("/xml") or media.endswith("+xml"):
            language = "xml"
    if language == "json":
        return BodyModel(BodyKind.JSON, text=text)
    if language == "xml":
        return BodyModel(BodyKind.XML, text=text)
    if language in _RAW_TYPES and not any(h.name.lower() == "content-type" for h in headers):
        headers.append(KeyValue("Content-Type", _RAW_TYPES[language]))
    return BodyModel(BodyKind.TEXT, text=text)


def _parts(spec: Any) -> list[MultipartField]:
    parts: list[MultipartField] = []
    for row in _list(spec):
        if not isinstance(row, dict):
            continue
        name, enabled = _text(row.get("key")), not row.get("disabled")
        content_type = _text(row.get("contentType"))
        if row.get("type") == "file":
            sources = row.get("src")
            paths = [_text(s) for s in sources] if isinstance(sources, list) else [_text(sources)]
            for path in paths or [""]:
                parts.append(MultipartField(name, path, True, content_type, enabled))
        else:
            parts.append(MultipartField(name, _text(row.get("value")), False, content_type,
                                        enabled))
    return parts


def _graphql(spec: Mapping[str, Any]) -> BodyModel:
    """Postman's ``graphql`` mode: the query, the variables' text as typed (``{{variables}}``
    inside kept), and the operation name Spyglass's own export adds (Postman has none)."""
    return BodyModel(BodyKind.GRAPHQL, text=_text(spec.get("query")),
                     graphql_variables=_text(spec.get("variables")).strip(),
                     graphql_operation=_text(spec.get("operationName")))


@within_bounds
def import_postman(source: str | Mapping[str, Any], *, name: str | None = None) -> ImportResult:
    """The collection in ``source`` (JSON text or the parsed document) as one top folder."""
    doc = load_document(source) if isinstance(source, str) else source
    if not isinstance(doc, Mapping) or not isinstance(doc.get("info"), dict):
        raise InterchangeError("Not a Postman collection: it has no 'info'")
    info = doc["info"]
    schema = _text(info.get("schema"))
    if "/v1." in schema:
        raise InterchangeError("Postman collection v1 is not supported: export it from "
                               "Postman as Collection v2.1")
    if not isinstance(doc.get("item"), list):
        raise InterchangeError("Not a Postman collection: 'item' is not a list")
    title = _text(info.get("name")) or name or "Postman collection"
    reader = _Reader()
    top = Folder(folder_name(name or title, "Postman collection"))
    top.variables = reader.variables(doc.get("variable"))
    if _list(doc.get("event")):
        reader.left_out["Collection scripts were left out"] += 1
    reader.items(doc["item"], top, reader.auth(doc.get("auth")) or AuthModel())
    result = ImportResult("postman", title=title, collections=[top],
                          warnings=reader.warnings())
    make_safe(result)
    return result


# -- export --------------------------------------------------------------------------------


def _row(key: str, value: str, enabled: bool, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "value": value, **extra}
    if not enabled:
        out["disabled"] = True
    return out


def _body_out(body: BodyModel) -> dict[str, Any] | None:
    if body.kind in _LANGUAGES:
        return {"mode": "raw", "raw": body.text,
                "options": {"raw": {"language": _LANGUAGES[body.kind]}}}
    if body.kind is BodyKind.FORM:
        return {"mode": "urlencoded", "urlencoded": [
            _row(r.name, r.value, r.enabled, type="text") for r in body.form]}
    if body.kind is BodyKind.MULTIPART:
        parts = []
        for p in body.multipart:
            extra = {"contentType": p.content_type} if p.content_type else {}
            if p.is_file:
                part: dict[str, Any] = {"key": p.name, "type": "file", "src": p.value, **extra}
                if not p.enabled:
                    part["disabled"] = True
                parts.append(part)
            else:
                parts.append(_row(p.name, p.value, p.enabled, type="text", **extra))
        return {"mode": "formdata", "formdata": parts}
    if body.kind is BodyKind.BINARY:
        return {"mode": "file", "file": {"src": body.file_path}}
    if body.kind is BodyKind.GRAPHQL:
        graphql = {"query": body.text, "variables": body.graphql_variables}
        if body.graphql_operation:  # not Postman's: it ignores it, a Spyglass import reads it
            graphql["operationName"] = body.graphql_operation
        return {"mode": "graphql", "graphql": graphql}
    return None


def _url_out(model: RequestModel) -> dict[str, Any]:
    raw = model.url
    out: dict[str, Any] = {"raw": raw}
    base = raw.split("#", 1)[0].split("?", 1)[0]
    protocol, sep, rest = base.partition("://")
    if sep:
        out["protocol"] = protocol
    else:
        rest = base
    host, slash, path = rest.partition("/")
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit():
        host = name
        out["port"] = port
    out["host"] = [host] if host.startswith("{{") else host.split(".")
    if slash:
        out["path"] = path.split("/")
    if model.params:
        out["query"] = [_row(r.name, r.value, r.enabled) for r in model.params]
    return out


def _item(model: RequestModel, include_secrets: bool) -> dict[str, Any]:
    auth = model.auth if include_secrets else withhold_auth(model.auth)
    request: dict[str, Any] = {
        "auth": auth_to_postman(auth),
        "method": model.method,
        "header": [_row(h.name, h.value, h.enabled, type="text")
                   for h in (model.headers if include_secrets
                             else withhold_headers(model.headers))],
    }
    body = _body_out(model.body)
    if body is not None:
        request["body"] = body
    request["url"] = _url_out(model)
    item: dict[str, Any] = {"name": model.name, "request": request}
    behaviour: dict[str, bool] = {}
    if not model.options.follow_redirects:
        behaviour["followRedirects"] = False
    if not model.options.verify_tls:
        behaviour["strictSSL"] = False
    if behaviour:
        item["protocolProfileBehavior"] = behaviour
    events = _events_out(model.notes)
    if events:
        item["event"] = events
    return item


def _events_out(notes: str) -> list[dict[str, Any]]:
    """The scripts an import kept in ``notes``, as Postman events again (the user's own
    notes around them are not a script: left out)."""
    headers = list(_NOTE_HEADER.finditer(notes))
    events = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(notes)
        lines = notes[header.start():end].rstrip("\n").split("\n")
        events.append({"listen": header.group(1), "script": {"type": "text/javascript",
                                                             "exec": lines}})
    return events


def _variables_out(variables: Mapping[str, Variable], include_secrets: bool
                   ) -> list[dict[str, Any]]:
    return [{"key": name, "value": var.value if include_secrets or not var.secret else "",
             "type": "secret" if var.secret else "string"}
            for name, var in variables.items()]


def _folder_items(folder: Folder, include_secrets: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for child in folder.folders:
        entry: dict[str, Any] = {"name": child.name,
                                 "item": _folder_items(child, include_secrets)}
        if child.variables:
            entry["variable"] = _variables_out(child.variables, include_secrets)
        items.append(entry)
    items += [_item(m, include_secrets) for m in folder.requests]
    return items


def postman_collection(folders: Sequence[Folder], *, name: str | None = None,
                       include_secrets: bool = False) -> dict[str, Any]:
    """A Postman v2.1 collection: one top folder is the collection itself; several become
    its folders (the collection named ``name``)."""
    if len(folders) == 1 and name is None:
        top = folders[0]
    else:
        top = Folder(name or "Spyglass export", folders=list(folders))
    doc: dict[str, Any] = {
        "info": {"name": top.name, "schema": SCHEMA_V21,
                 "description": f"Exported by Spyglass {__version__}"},
        "item": _folder_items(top, include_secrets),
    }
    if top.variables:
        doc["variable"] = _variables_out(top.variables, include_secrets)
    return doc


def export_postman(folders: Sequence[Folder], *, name: str | None = None,
                   include_secrets: bool = False) -> str:
    """:func:`postman_collection` as JSON text. Without ``include_secrets`` auth secrets are
    ``{{placeholders}}`` and secret variables are empty."""
    return json.dumps(postman_collection(folders, name=name, include_secrets=include_secrets),
                      indent=2, ensure_ascii=False) + "\n"
