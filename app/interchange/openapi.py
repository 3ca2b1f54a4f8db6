"""OpenAPI 3.0 and 3.1 (JSON or YAML): one request per operation.

- Requests are grouped into folders by their first tag (untagged ones stay at the top) and
  named by ``summary``, else ``operationId``, else ``METHOD /path``.
- The URL is ``{{baseUrl}}`` + the path, ``{param}`` written ``{{param}}``; ``servers[0]``
  (its variables at their defaults) is the collection variable ``baseUrl``, and each path
  parameter a variable of the request's folder (its example, or empty).
- Query and header parameters (path-level, then operation-level) are rows: enabled when
  required, disabled otherwise, with their example as the value.
- The body is the media type's ``example``, else its first ``examples`` entry, else one made
  from the schema (local ``$ref``s resolved, recursion cut off), for JSON, forms and
  multipart; XML and text only from an example.
- Security schemes become the auth kind, with ``{{placeholders}}`` for the secrets (and those
  as empty secret collection variables to fill in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.interchange.common import folder_name, make_safe
from app.interchange.document import load_document, within_bounds
from app.interchange.model import Folder, ImportResult, InterchangeError, Variable
from app.model.http import media_type
from app.model.request import (
    AuthKind,
    AuthModel,
    BodyKind,
    BodyModel,
    KeyValue,
    MultipartField,
    RequestModel,
    with_query,
)

__all__ = ["MAX_EXAMPLE_BYTES", "MAX_EXAMPLE_NODES", "example_from_schema", "import_openapi"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "00:00:00",
    "email": "user@example.com", "uuid": "00000000-0000-0000-0000-000000000000",
    "uri": "https://example.com", "url": "https://example.com", "hostname": "example.com",
    "ipv4": "127.0.0.1", "ipv6": "::1", "binary": "", "byte": "", "password": "",
}
_MAX_DEPTH = 12
#: The most values one generated example holds, and about how many bytes of text it makes.
#: A schema that fans out without a cycle (ten properties, each an object of ten more...)
#: grows exponentially with its depth: past these the example is cut short, with a warning.
MAX_EXAMPLE_NODES = 10_000
MAX_EXAMPLE_BYTES = 1024 * 1024


class _Cycle:
    """What a schema that refers back to itself gives where it recurs: left out."""


_CYCLE = _Cycle()


def _plain(value: Any) -> str:
    """What JSON has no type for (a date a YAML parser made): its ISO text, else ``str``."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=_plain)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return _json(value)
    return _plain(value)


class _Document:
    """The parsed document, with local ``$ref`` resolution."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.external: set[str] = set()
        self.nodes_left = MAX_EXAMPLE_NODES
        self.bytes_left = MAX_EXAMPLE_BYTES
        #: Whether the last :meth:`example` was cut short by the budget.
        self.cut = False

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            self.external.add(ref)
            return None
        node: Any = self.doc
        for raw in ref[1:].split("/")[1:] if ref != "#" else []:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return None
        return node

    def deref(self, node: Any) -> Any:
        """``node`` with its ``$ref`` chain followed (None where it leads nowhere)."""
        for _ in range(32):
            if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)):
                return node
            node = self.pointer(node["$ref"])
        return None

    def example(self, schema: Any, *, writing: bool = True) -> Any:
        """An example value for ``schema``: its own example, default, enum or const, else
        one built from its type (read-only properties left out of what is written). At most
        :data:`MAX_EXAMPLE_NODES` values and about :data:`MAX_EXAMPLE_BYTES` of text: past
        those, what is left is left out and :attr:`cut` says so."""
        self.nodes_left = MAX_EXAMPLE_NODES
        self.bytes_left = MAX_EXAMPLE_BYTES
        self.cut = False
        return self._example(schema, writing=writing)

    def _spend(self, value: Any) -> bool:
        """Count ``value`` (a value the document gives) against the budget; False when the
        budget is spent."""
        if self.cut:
            return False
        self.bytes_left -= len(value) if isinstance(value, str) else len(_json(value))
        if self.bytes_left < 0:
            self.cut = True
        return not self.cut

    def _example(self, schema: Any, depth: int = 0, seen: frozenset[str] = frozenset(),
                 *, writing: bool = True) -> Any:
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        self.nodes_left -= 1
        if self.nodes_left < 0 or self.bytes_left < 0:
            self.cut = True
        if self.cut:
            return _CYCLE  # left out, as a recurring schema is
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return _CYCLE
            return self._example(self.pointer(ref), depth + 1, seen | {ref}, writing=writing)
        given = _given(schema)
        if given is not _CYCLE:
            return given if self._spend(given) else _CYCLE
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {}
            for sub in schema["allOf"]:
                value = self._example(sub, depth + 1, seen, writing=writing)
                if isinstance(value, dict):
                    merged.update(value)
                elif value is not None and value is not _CYCLE and not merged:
                    return value
            return merged
        for key in ("oneOf", "anyOf"):
            choices = schema.get(key)
            if isinstance(choices, list) and choices:
                return self._example(choices[0], depth + 1, seen, writing=writing)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = ("object" if "properties" in schema
                    else "array" if "items" in schema else None)
        if kind == "object":
            out: dict[str, Any] = {}
            properties = schema.get("properties")
            for name, sub in (properties.items() if isinstance(properties, Mapping) else ()):
                if writing and isinstance(sub, Mapping) and sub.get("readOnly"):
                    continue
                value = self._example(sub, depth + 1, seen, writing=writing)
                if value is not _CYCLE:
                    self.bytes_left -= len(str(name)) + 4  # "name": , roughly
                    out[str(name)] = value
            return out
        if kind == "array":
            item = self._example(schema.get("items"), depth + 1, seen, writing=writing)
            return [] if item is None or item is _CYCLE else [item]
        if kind == "string":
            text = _STRING_FORMATS.get(str(schema.get("format")), "string")
            return text if self._spend(text) else _CYCLE
        if kind in ("integer", "number"):
            return 0
        if kind == "boolean":
            return False
        return None


def _given(schema: Mapping[str, Any]) -> Any:
    """The value ``schema`` gives itself (example, const, default, first of examples or
    enum), or ``_CYCLE`` when it gives none."""
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    for key in ("examples", "enum"):
        values = schema.get(key)
        if isinstance(values, list) and values:
            return values[0]
    return _CYCLE


def example_from_schema(schema: Mapping[str, Any],
                        document: Mapping[str, Any] | None = None) -> Any:
    """An example value for ``schema`` (``$ref``s resolved in ``document``)."""
    value = _Document(document or {}).example(schema)
    return None if value is _CYCLE else value


class _Reader:
    def __init__(self, doc: Mapping[str, Any], top: Folder) -> None:
        self.doc = _Document(doc)
        self.top = top
        self.folders: dict[str, Folder] = {}
        self.warnings: list[str] = []
        #: The operation being read, for warnings.
        self.where = ""
        components = doc.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
        self.schemes: Mapping[str, Any] = schemes if isinstance(schemes, Mapping) else {}

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def folder(self, operation: Mapping[str, Any]) -> Folder:
        tags = operation.get("tags")
        if not (isinstance(tags, list) and tags and str(tags[0]).strip()):
            return self.top
        name = folder_name(str(tags[0]), "Folder")
        if name not in self.folders:
            self.folders[name] = Folder(name)
        return self.folders[name]

    def example_of(self, holder: Mapping[str, Any], *, writing: bool = True) -> Any:
        """The example of a parameter or media type: ``example``, then the first of
        ``examples``, then the schema's."""
        if "example" in holder:
            return holder["example"]
        examples = holder.get("examples")
        if isinstance(examples, Mapping):
            for entry in examples.values():
                entry = self.doc.deref(entry)
                if isinstance(entry, Mapping) and "value" in entry:
                    return entry["value"]
        value = self.doc.example(holder.get("schema"), writing=writing)
        self.note_cut()
        return None if value is _CYCLE else value

    def note_cut(self) -> None:
        """Warn when the example just made was cut short by its budget."""
        if self.doc.cut:
            self.warn(f"The example made for {self.where} was cut short: its schema expands "
                      f"past {MAX_EXAMPLE_NODES:,} values or {MAX_EXAMPLE_BYTES // 1024:,} "
                      "KiB")

    def param_example(self, param: Mapping[str, Any]) -> Any:
        """A parameter's value: its example, or its schema's example, default or first enum
        value; never a made-up placeholder (an empty value says "fill me in" better)."""
        if "example" in param or "examples" in param:
            return self.example_of({k: v for k, v in param.items() if k != "schema"})
        schema = self.doc.deref(param.get("schema"))
        if not isinstance(schema, Mapping):
            return None
        for key in ("example", "default", "const"):
            if key in schema:
                return schema[key]
        for key in ("examples", "enum"):
            values = schema.get(key)
            if isinstance(values, list) and values:
                return values[0]
        return None

    def parameters(self, path_item: Mapping[str, Any], operation: Mapping[str, Any]
                   ) -> list[Mapping[str, Any]]:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for source in (path_item.get("parameters"), operation.get("parameters")):
            for param in source if isinstance(source, list) else ():
                param = self.doc.deref(param)
                if isinstance(param, Mapping) and param.get("name") and param.get("in"):
                    merged[(str(param["name"]), str(param["in"]))] = param
        return list(merged.values())

    def operation(self, path: str, method: str, path_item: Mapping[str, Any],
                  operation: Mapping[str, Any]) -> None:
        self.where = f"{method.upper()} {path}"
        folder = self.folder(operation)
        url = "{{baseUrl}}" + re.sub(r"\{([^{}]+)\}", r"{{\1}}", path)
        query: list[KeyValue] = []
        headers: list[KeyValue] = []
        cookies: list[str] = []
        for param in self.parameters(path_item, operation):
            name, where = str(param["name"]), str(param["in"])
            required = bool(param.get("required")) or where == "path"
            value = _text(self.param_example(param))
            if where == "path":
                if name not in folder.variables:
                    folder.variables[name] = Variable(name, value)
            elif where == "query":
                query.append(KeyValue(name, value, required))
            elif where == "header" and name.lower() not in _IGNORED_HEADERS:
                headers.append(KeyValue(name, value, required))
            elif where == "cookie":
                cookies.append(f"{name}={value}")
        if cookies:
            headers.append(KeyValue("Cookie", "; ".join(cookies)))
        url = with_query(url, query)
        body = self.body(operation.get("requestBody"), headers)
        name = (_text(operation.get("summary")).strip()
                or _text(operation.get("operationId")).strip() or f"{method.upper()} {path}")
        folder.requests.append(RequestModel(
            name=" ".join(name.split()), method=method.upper(), url=url, params=query,
            headers=headers, body=body, auth=self.auth(operation)))

    # bodies

    def body(self, spec: Any, headers: list[KeyValue]) -> BodyModel:
        spec = self.doc.deref(spec)
        content = spec.get("content") if isinstance(spec, Mapping) else None
        if not isinstance(content, Mapping) or not content:
            return BodyModel()
        types = {media_type(str(k)): v for k, v in content.items()}

        def pick() -> str:
            for media in types:
                if media == "application/json" or media.endswith("+json"):
                    return media
            for wanted in ("application/x-www-form-urlencoded", "multipart/form-data",
                           "application/xml", "text/xml", "text/plain"):
                if wanted in types:
                    return wanted
            return next(iter(types))

        media = pick()
        holder = types[media] if isinstance(types[media], Mapping) else {}
        example = self.example_of(holder)
        if media == "application/json" or media.endswith("+json"):
            if media != "application/json":
                headers.append(KeyValue("Content-Type", media))
            text = example if isinstance(example, str) else _json(example, indent=2)
            return BodyModel(BodyKind.JSON, text=text)
        if media == "application/x-www-form-urlencoded":
            fields = example if isinstance(example, Mapping) else {}
            return BodyModel(BodyKind.FORM, form=[KeyValue(str(k), _text(v))
                                                  for k, v in fields.items()])
        if media == "multipart/form-data":
            return BodyModel(BodyKind.MULTIPART, multipart=self.parts(holder, example))
        if media.endswith("/xml") or media.endswith("+xml"):
            if media != "application/xml":
                headers.append(KeyValue("Content-Type", media))
            return BodyModel(BodyKind.XML, text=example if isinstance(example, str) else "")
        if media.startswith("text/"):
            if media != "text/plain":
                headers.append(KeyValue("Content-Type", media))
            return BodyModel(BodyKind.TEXT, text=_text(example))
        if media not in ("application/octet-stream", "*/*"):
            headers.append(KeyValue("Content-Type", media))
        return BodyModel(BodyKind.BINARY)

    def parts(self, holder: Mapping[str, Any], example: Any) -> list[MultipartField]:
        schema = self.doc.deref(holder.get("schema"))
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        encoding = holder.get("encoding") if isinstance(holder.get("encoding"), Mapping) else {}
        values = example if isinstance(example, Mapping) else {}
        parts: list[MultipartField] = []
        names = list(properties) if isinstance(properties, Mapping) else list(values)
        for name in names:
            prop = self.doc.deref(properties.get(name)) if isinstance(properties, Mapping) \
                else None
            prop = prop if isinstance(prop, Mapping) else {}
            enc = encoding.get(name) if isinstance(encoding, Mapping) else None
            content_type = _text(enc.get("contentType")) if isinstance(enc, Mapping) else ""
            items = self.doc.deref(prop.get("items"))
            is_file = (prop.get("format") in ("binary", "base64")
                       or "contentMediaType" in prop
                       or (isinstance(items, Mapping) and items.get("format") == "binary"))
            if is_file:
                parts.append(MultipartField(str(name), "", True, content_type))
            else:
                value = values.get(name, None)
                if value is None:
                    value = self.doc.example(prop)
                    self.note_cut()
                parts.append(MultipartField(str(name), _text(None if value is _CYCLE
                                                             else value), False, content_type))
        return parts

    # auth

    def auth(self, operation: Mapping[str, Any]) -> AuthModel:
        requirements = operation.get("security", self.doc.doc.get("security"))
        if not isinstance(requirements, list):
            return AuthModel()
        for requirement in requirements:
            if not isinstance(requirement, Mapping) or not requirement:
                return AuthModel()  # {} makes auth optional: send without
            for scheme_name in requirement:
                auth = self.scheme(str(scheme_name))
                if auth is not None:
                    return auth
        return AuthModel()

    def secret(self, name: str, *, secret: bool = True) -> str:
        if name not in self.top.variables:
            self.top.variables[name] = Variable(name, "", secret)
        return "{{" + name + "}}"

    def scheme(self, name: str) -> AuthModel | None:
        scheme = self.doc.deref(self.schemes.get(name))
        if not isinstance(scheme, Mapping):
            return None
        kind = _text(scheme.get("type")).lower()
        if kind == "http":
            http = _text(scheme.get("scheme")).lower()
            if http in ("basic", "digest"):
                return AuthModel(AuthKind.BASIC if http == "basic" else AuthKind.DIGEST,
                                 username=self.secret("username", secret=False),
                                 password=self.secret("password"))
            if http == "bearer":
                return AuthModel(AuthKind.BEARER, token=self.secret(name))
            self.warn(f"The HTTP auth scheme {http!r} of {name!r} is not supported")
            return None
        if kind == "apikey":
            where = _text(scheme.get("in")).lower()
            if where in ("header", "query"):
                return AuthModel(AuthKind.API_KEY, key_name=_text(scheme.get("name")),
                                 key_value=self.secret(name), key_location=where)
            self.warn(f"The API key {name!r} is sent in a cookie: add it to the Cookie header")
            return None
        if kind in ("oauth2", "openidconnect"):
            self.warn(f"{name!r} is {scheme.get('type')}: its flows are not run; put an "
                      f"access token into the variable {{{{{name}}}}}")
            return AuthModel(AuthKind.BEARER, token=self.secret(name))
        return None


def _base_url(doc: Mapping[str, Any]) -> str:
    servers = doc.get("servers")
    server = servers[0] if isinstance(servers, list) and servers else None
    if not isinstance(server, Mapping):
        return ""
    url = _text(server.get("url"))
    variables = server.get("variables")
    if isinstance(variables, Mapping):
        for name, spec in variables.items():
            default = _text(spec.get("default")) if isinstance(spec, Mapping) else ""
            url = url.replace("{" + str(name) + "}", default)
    return url.rstrip("/")


@within_bounds
def import_openapi(source: str | Mapping[str, Any], *, name: str | None = None) -> ImportResult:
    """The operations of the OpenAPI 3 document in ``source`` (JSON or YAML text, or the
    parsed document) as one collection."""
    doc = load_document(source) if isinstance(source, str) else source
    if not isinstance(doc, Mapping) or not re.match(r"3\.", _text(doc.get("openapi"))):
        raise InterchangeError("Not an OpenAPI 3 document: 'openapi: 3.x' is missing")
    info = doc.get("info")
    title = (_text(info.get("title")) if isinstance(info, Mapping) else "").strip()
    title = title or name or "OpenAPI"
    top = Folder(folder_name(name or title, "OpenAPI"))
    base = _base_url(doc)
    top.variables["baseUrl"] = Variable("baseUrl", base)
    reader = _Reader(doc, top)
    if not base:
        reader.warn("The document names no server: set the variable baseUrl")
    elif "://" not in base:
        reader.warn(f"The server URL {base!r} is relative: make baseUrl a full address")
    tags = doc.get("tags")
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, Mapping) and tag.get("name"):
            tag_name = folder_name(str(tag["name"]), "Folder")
            reader.folders.setdefault(tag_name, Folder(tag_name))
    paths = doc.get("paths")
    if not isinstance(paths, Mapping):
        paths = {}
    for path, path_item in paths.items():
        path_item = reader.doc.deref(path_item)
        if not isinstance(path_item, Mapping):
            continue
        for method in _METHODS:
            operation = path_item.get(method)
            if isinstance(operation, Mapping):
                reader.operation(str(path), method, path_item, operation)
    top.folders = [f for f in reader.folders.values() if f.requests]
    for ref in sorted(reader.doc.external):
        reader.warn(f"The reference {ref!r} points outside the document: not resolved")
    if not top.requests and not top.folders:
        reader.warn("The document has no operations")
    # Header examples can be real keys someone pasted into a spec: the same rule as elsewhere.
    return make_safe(ImportResult("openapi", title=title, collections=[top],
                                  warnings=reader.warnings))
