"""Request inspection and plain HTTP behaviours: echo, status, delay, redirects, cookies,
content encodings and character sets."""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.cookies
import json
import re
import zlib
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ._common import (
    MiB,
    PlaygroundError,
    error_response,
    header_pairs,
    json_response,
    parse_float,
    parse_int,
    pause,
    query_int,
)
from .multipart import MultipartError, MultipartParser, get_param, parse_header_params
from .png import IMAGE_PNG

try:  # Brotli is a dependency of the project, but keep the playground usable without it.
    import brotli as _brotli  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

HAVE_BROTLI = _brotli is not None

#: Bodies up to this size are included in ``/echo`` answers; larger ones are summarised.
ECHO_BODY_LIMIT = 4 * MiB
#: Longest ``/delay``.
MAX_DELAY = 60.0
#: Longest redirect chain.
MAX_REDIRECTS = 100
REDIRECT_CODES = (301, 302, 303, 307, 308)

routes = web.RouteTableDef()


# --------------------------------------------------------------------------- echo


def _is_json_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def read_echo_body(request: web.Request) -> dict[str, Any]:
    """Stream the request body: hash it, keep it if small, parse multipart parts on the fly."""
    content_type = request.content_type
    parser: MultipartParser | None = None
    multipart_error: str | None = None
    if content_type.startswith("multipart/"):
        _, params = parse_header_params(request.headers.get(hdrs.CONTENT_TYPE, ""))
        boundary = get_param(params, "boundary")
        if boundary is None:
            multipart_error = "multipart Content-Type without a boundary parameter"
        else:
            try:
                parser = MultipartParser(boundary)
            except MultipartError as exc:
                multipart_error = str(exc)

    hasher = hashlib.sha256()
    size = 0
    kept: bytearray | None = bytearray()
    try:
        while True:
            chunk = await request.content.readany()
            if not chunk:
                break
            size += len(chunk)
            hasher.update(chunk)
            if kept is not None:
                if len(kept) + len(chunk) <= ECHO_BODY_LIMIT:
                    kept += chunk
                else:
                    kept = None
            if parser is not None and multipart_error is None:
                try:
                    parser.feed(chunk)
                except MultipartError as exc:
                    multipart_error = str(exc)
    except HttpProcessingError as exc:
        raise PlaygroundError(f"malformed request body: {exc.message}") from None
    if parser is not None and multipart_error is None:
        try:
            parser.finish()
        except MultipartError as exc:
            multipart_error = str(exc)

    result: dict[str, Any] = {
        "body": None,
        "body_encoding": None,
        "body_size": size,
        "body_sha256": hasher.hexdigest(),
        "body_summarized": kept is None,
        "json": None,
        "form": None,
        "form_dict": None,
        "parts": None,
    }
    if kept is not None:
        raw = bytes(kept)
        try:
            text: str | None = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            result["body"], result["body_encoding"] = text, "utf-8"
        else:
            result["body"] = base64.b64encode(raw).decode("ascii")
            result["body_encoding"] = "base64"
        if _is_json_type(content_type) and raw:
            try:
                result["json"] = json.loads(raw)
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                result["json_error"] = str(exc)
        elif content_type == "application/x-www-form-urlencoded":
            charset = request.charset or "utf-8"
            try:
                form_text = raw.decode(charset, errors="replace")
            except LookupError:
                form_text = raw.decode("utf-8", errors="replace")
            pairs = parse_qsl(form_text, keep_blank_values=True)
            result["form"] = [[k, v] for k, v in pairs]
            form_dict: dict[str, list[str]] = {}
            for k, v in pairs:
                form_dict.setdefault(k, []).append(v)
            result["form_dict"] = form_dict
    if parser is not None:
        result["parts"] = [part.describe() for part in parser.parts]
    if multipart_error is not None:
        result["multipart_error"] = multipart_error
    return result


async def echo_payload(request: web.Request) -> dict[str, Any]:
    query_dict: dict[str, list[str]] = {}
    for key, value in request.query.items():
        query_dict.setdefault(key, []).append(value)
    payload: dict[str, Any] = {
        "method": request.method,
        "url": str(request.url),
        "path": request.path,
        "raw_path": request.raw_path,
        "query": [[k, v] for k, v in request.query.items()],
        "query_dict": query_dict,
        "headers": header_pairs(request),
        "cookies": dict(request.cookies),
        "http_version": f"{request.version.major}.{request.version.minor}",
        "remote": request.remote,
    }
    payload.update(await read_echo_body(request))
    return payload


@routes.route("*", "/echo")
@routes.route("*", "/echo/{tail:.*}")
async def echo(request: web.Request) -> web.StreamResponse:
    return json_response(await echo_payload(request))


@routes.get("/headers")
async def headers(request: web.Request) -> web.StreamResponse:
    return json_response({"headers": header_pairs(request)})


# ----------------------------------------------------------------------- status, delay


def status_reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown Status"


@routes.route("*", "/status/{code}")
async def status(request: web.Request) -> web.StreamResponse:
    code = parse_int(request.match_info["code"], "status code", minimum=100, maximum=599)
    reason = status_reason(code)
    if code < 200:
        # An informational status cannot end an exchange in HTTP/1.1; send it anyway
        # (that is what was asked for) and close the connection so no client waits
        # forever for a final response.
        resp = web.Response(status=code, reason=reason)
        resp.force_close()
        return resp
    if code in (204, 304):
        return web.Response(status=code, reason=reason)
    return json_response({"code": code, "reason": reason}, status=code)


@routes.route("*", "/delay/{seconds}")
async def delay(request: web.Request) -> web.StreamResponse:
    seconds = parse_float(request.match_info["seconds"], "delay", minimum=0.0, maximum=MAX_DELAY)
    if not await pause(request, seconds):
        return error_response("the playground is shutting down", 503)
    payload = await echo_payload(request)
    payload["delay"] = seconds
    return json_response(payload)


# -------------------------------------------------------------------------- redirects


def _redirect_code(request: web.Request, name: str) -> int:
    code = query_int(request, name, 302, minimum=300, maximum=399)
    if code not in REDIRECT_CODES:
        raise PlaygroundError(
            f"{name} must be one of {', '.join(map(str, REDIRECT_CODES))}, got {code}"
        )
    return code


def _redirect(location: str, code: int) -> web.Response:
    return json_response(
        {"redirect": location, "code": code},
        status=code,
        headers={hdrs.LOCATION: location},
    )


@routes.route("*", "/redirect/{n}")
async def redirect(request: web.Request) -> web.StreamResponse:
    n = parse_int(request.match_info["n"], "redirect count", minimum=1, maximum=MAX_REDIRECTS)
    code = _redirect_code(request, "status")
    target = f"/redirect/{n - 1}" if n > 1 else "/echo"
    if request.query_string:
        target += "?" + request.query_string
    if request.query.get("absolute", "").lower() in ("1", "true", "yes"):
        target = str(request.url.origin()) + target
    return _redirect(target, code)


@routes.route("*", "/redirect-to")
async def redirect_to(request: web.Request) -> web.StreamResponse:
    url = request.query.get("url")
    if not url:
        raise PlaygroundError("the url query parameter is required")
    if any(c in url for c in "\r\n\0"):
        raise PlaygroundError("url must not contain control characters")
    code = query_int(request, "status_code", 302, minimum=300, maximum=399)
    return _redirect(url, code)


# ---------------------------------------------------------------------------- cookies


@routes.get("/cookies")
async def cookies(request: web.Request) -> web.StreamResponse:
    return json_response({"cookies": dict(request.cookies)})


@routes.get("/cookies/set")
async def cookies_set(request: web.Request) -> web.StreamResponse:
    resp = _redirect("/cookies", 302)
    for name, value in request.query.items():
        try:
            resp.set_cookie(name, value, path="/")
        except http.cookies.CookieError as exc:
            raise PlaygroundError(f"cannot set cookie {name!r}: {exc}") from None
    return resp


@routes.get("/cookies/delete")
async def cookies_delete(request: web.Request) -> web.StreamResponse:
    resp = _redirect("/cookies", 302)
    for name in request.query:
        try:
            resp.del_cookie(name, path="/")
        except http.cookies.CookieError as exc:
            raise PlaygroundError(f"cannot delete cookie {name!r}: {exc}") from None
    return resp


# ------------------------------------------------------------- encodings and charsets


def _encoded_json(request: web.Request, flag: str, encoding: str) -> web.Response:
    payload = {flag: True, "method": request.method, "headers": header_pairs(request)}
    raw = json.dumps(payload, indent=2).encode("utf-8")
    if encoding == "gzip":
        data = gzip.compress(raw)
    elif encoding == "deflate":
        data = zlib.compress(raw)
    else:
        assert _brotli is not None
        data = _brotli.compress(raw)
    return web.Response(
        body=data,
        headers={
            hdrs.CONTENT_TYPE: "application/json; charset=utf-8",
            hdrs.CONTENT_ENCODING: encoding,
        },
    )


@routes.get("/gzip")
async def gzip_endpoint(request: web.Request) -> web.StreamResponse:
    return _encoded_json(request, "gzipped", "gzip")


@routes.get("/deflate")
async def deflate_endpoint(request: web.Request) -> web.StreamResponse:
    return _encoded_json(request, "deflated", "deflate")


async def brotli_endpoint(request: web.Request) -> web.StreamResponse:
    return _encoded_json(request, "brotli", "br")


if HAVE_BROTLI:
    routes.get("/brotli")(brotli_endpoint)


CHARSET_SAMPLE = "Spyglass charset test: café, naïve, façade, Größe, Ærøskøbing, ¡Olé!, £5, 10°C.\n"
_CHARSET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,39}")


@routes.get("/charset/{name}")
async def charset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if not _CHARSET_RE.fullmatch(name):
        raise PlaygroundError(f"invalid charset name {name!r}")
    text = request.query.get("text", CHARSET_SAMPLE)
    try:
        body = text.encode(name, errors="replace")
    except LookupError:
        raise PlaygroundError(f"unknown text encoding {name!r}") from None
    except UnicodeError as exc:
        raise PlaygroundError(f"cannot encode the text as {name}: {exc}") from None
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: f"text/plain; charset={name}"})


BAD_UTF8 = (
    b"This body claims to be UTF-8.\n"
    b"Invalid start byte: \xff\xfe\n"
    b"Truncated sequence: \xc3(\n"
    b"Overlong slash: \xc0\xaf\n"
    b"Lone continuation: \x80\n"
    b"Valid again: caf\xc3\xa9\n"
)


@routes.get("/bad-utf8")
async def bad_utf8(request: web.Request) -> web.StreamResponse:
    return web.Response(body=BAD_UTF8, headers={hdrs.CONTENT_TYPE: "text/plain; charset=utf-8"})


@routes.get("/image.png")
async def image_png(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=IMAGE_PNG,
        headers={hdrs.CONTENT_TYPE: "image/png", hdrs.CACHE_CONTROL: "max-age=3600"},
    )
