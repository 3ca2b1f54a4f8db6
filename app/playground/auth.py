"""Authentication endpoints: HTTP Basic, Bearer tokens and RFC 7616 Digest."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ._common import PlaygroundError, json_response

routes = web.RouteTableDef()

REALM = "Spyglass playground"

#: Secret used to sign digest nonces (one per application).
DIGEST_SECRET: web.AppKey[bytes] = web.AppKey("playground_digest_secret", bytes)
#: How long a digest nonce stays valid, in seconds.
NONCE_LIFETIME = 300

_HashFactory = Callable[[bytes], Any]
DIGEST_ALGORITHMS: dict[str, _HashFactory] = {
    "MD5": hashlib.md5,
    "MD5-sess": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-256-sess": hashlib.sha256,
}
DIGEST_QOPS = ("auth", "auth-int")


def _unauthorized(challenge: str, message: str) -> web.Response:
    return json_response(
        {"authenticated": False, "error": message},
        status=401,
        headers={hdrs.WWW_AUTHENTICATE: challenge},
    )


# ------------------------------------------------------------------------------ basic


def _decode_basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user, sep, password = text.partition(":")
    if not sep:
        return None
    return user, password


@routes.route("*", "/basic-auth/{user}/{password}")
async def basic_auth(request: web.Request) -> web.StreamResponse:
    expected_user = request.match_info["user"]
    expected_password = request.match_info["password"]
    challenge = f'Basic realm="{REALM}", charset="UTF-8"'
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return _unauthorized(challenge, "credentials required (HTTP Basic)")
    credentials = _decode_basic(header)
    if credentials is None:
        return _unauthorized(challenge, "malformed Basic Authorization header")
    user, password = credentials
    ok_user = hmac.compare_digest(user.encode(), expected_user.encode())
    ok_password = hmac.compare_digest(password.encode(), expected_password.encode())
    if not (ok_user and ok_password):
        return _unauthorized(challenge, "wrong user name or password")
    return json_response({"authenticated": True, "user": user})


# ----------------------------------------------------------------------------- bearer

_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@routes.route("*", "/bearer")
async def bearer(request: web.Request) -> web.StreamResponse:
    challenge = f'Bearer realm="{REALM}"'
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return _unauthorized(challenge, "a Bearer token is required")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized(
            challenge + ', error="invalid_request"',
            "expected 'Authorization: Bearer <token>'",
        )
    return json_response(
        {"authenticated": True, "token": token, "token68": bool(_TOKEN68.fullmatch(token))}
    )


# ----------------------------------------------------------------------------- digest


def parse_auth_params(value: str) -> dict[str, str]:
    """Parse ``k=v, k2="quoted, \\"value\\""`` auth parameters (names lower-cased)."""
    params: dict[str, str] = {}
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t,":
            i += 1
        start = i
        while i < n and value[i] not in "=, \t":
            i += 1
        name = value[start:i].lower()
        while i < n and value[i] in " \t":
            i += 1
        if i >= n or value[i] != "=":
            continue  # a bare token; not expected in credentials, skip it
        i += 1
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            i += 1
            param = "".join(chars)
        else:
            start = i
            while i < n and value[i] != ",":
                i += 1
            param = value[start:i].strip()
        if name:
            params[name] = param
    return params


def _hexdigest(factory: _HashFactory, data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest: str = factory(raw).hexdigest()
    return digest


def digest_response(
    *,
    algorithm: str,
    user: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    nc: str,
    cnonce: str,
    qop: str,
    body: bytes = b"",
) -> str:
    """The expected ``response`` value of RFC 7616 section 3.4.1."""
    factory = DIGEST_ALGORITHMS[algorithm]
    ha1 = _hexdigest(factory, f"{user}:{realm}:{password}")
    if algorithm.endswith("-sess"):
        ha1 = _hexdigest(factory, f"{ha1}:{nonce}:{cnonce}")
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        a2 += ":" + _hexdigest(factory, body)
    ha2 = _hexdigest(factory, a2)
    return _hexdigest(factory, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:32]


def make_nonce(secret: bytes, now: float | None = None) -> str:
    stamp = str(int(time.time() if now is None else now))
    return f"{stamp}-{secrets.token_hex(8)}-{_sign(secret, stamp)}"


def nonce_state(secret: bytes, nonce: str, now: float | None = None) -> str:
    """ "valid", "stale" (well signed but expired) or "invalid"."""
    parts = nonce.split("-")
    if len(parts) != 3 or not parts[0].isdigit():
        return "invalid"
    stamp, _, mac = parts
    if not hmac.compare_digest(mac, _sign(secret, stamp)):
        return "invalid"
    age = (time.time() if now is None else now) - int(stamp)
    return "valid" if -5 <= age <= NONCE_LIFETIME else "stale"


def _digest_challenge(secret: bytes, qop: str, algorithm: str, *, stale: bool) -> str:
    challenge = (
        f'Digest realm="{REALM}", qop="{qop}", algorithm={algorithm}, '
        f'nonce="{make_nonce(secret)}", opaque="{_sign(secret, "opaque")}"'
    )
    if stale:
        challenge += ", stale=true"
    return challenge


def _canonical_algorithm(name: str) -> str | None:
    for known in DIGEST_ALGORITHMS:
        if known.lower() == name.lower():
            return known
    return None


@routes.route("*", "/digest-auth/{qop}/{user}/{password}")
@routes.route("*", "/digest-auth/{qop}/{user}/{password}/{algorithm}")
async def digest_auth(request: web.Request) -> web.StreamResponse:
    qop = request.match_info["qop"].lower()
    if qop not in DIGEST_QOPS:
        raise PlaygroundError(f"qop must be one of {', '.join(DIGEST_QOPS)}, got {qop!r}")
    algorithm_raw = request.match_info.get("algorithm", "MD5")
    algorithm = _canonical_algorithm(algorithm_raw)
    if algorithm is None:
        raise PlaygroundError(
            f"algorithm must be one of {', '.join(DIGEST_ALGORITHMS)}, got {algorithm_raw!r}"
        )
    user = request.match_info["user"]
    password = request.match_info["password"]
    secret = request.app[DIGEST_SECRET]

    body = b""
    if qop == "auth-int":
        try:
            body = await request.read()
        except HttpProcessingError as exc:
            raise PlaygroundError(f"malformed request body: {exc.message}") from None

    def refuse(message: str, *, stale: bool = False) -> web.Response:
        return _unauthorized(_digest_challenge(secret, qop, algorithm, stale=stale), message)

    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return refuse("credentials required (HTTP Digest)")
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return refuse(f"expected a Digest Authorization header, got scheme {scheme!r}")
    params = parse_auth_params(rest)
    missing = [
        name
        for name in ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if name not in params
    ]
    if missing:
        return refuse(f"Digest credentials lack {', '.join(missing)}")
    if params.get("algorithm", "MD5").lower() != algorithm.lower():
        return refuse(f"algorithm must be {algorithm}")
    if params["qop"].lower() != qop:
        return refuse(f"qop must be {qop}")
    if params["realm"] != REALM:
        return refuse("wrong realm")
    if params["uri"] != request.raw_path:
        return refuse(f"uri {params['uri']!r} does not match the request target")
    if params.get("opaque", _sign(secret, "opaque")) != _sign(secret, "opaque"):
        return refuse("wrong opaque value")
    state = nonce_state(secret, params["nonce"])
    if state == "invalid":
        return refuse("unknown nonce")
    expected = digest_response(
        algorithm=algorithm,
        user=user,
        realm=REALM,
        password=password,
        method=request.method,
        uri=params["uri"],
        nonce=params["nonce"],
        nc=params["nc"],
        cnonce=params["cnonce"],
        qop=qop,
        body=body,
    )
    user_ok = hmac.compare_digest(params["username"].encode(), user.encode())
    response_ok = hmac.compare_digest(params["response"].lower().encode(), expected.encode())
    if not (user_ok and response_ok):
        return refuse("wrong user name or password")
    if state == "stale":
        return refuse("nonce expired, retry with the new one", stale=True)
    return json_response({"authenticated": True, "user": user, "algorithm": algorithm, "qop": qop})
