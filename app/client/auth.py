"""Authentication: each kind is a flow that prepares a request and may answer a challenge.

A flow is a generator (as in httpx): it yields the request to send, receives the response's
:class:`~app.client._models.ResponseInfo`, and may yield a second request (Digest answers a
401 challenge that way), or steps of its own (OAuth 2.0's token requests: see
:mod:`app.client.auth_base`). The sessions drive the same flows for ``fetch``, event streams
and WebSocket handshakes, on every redirect hop and every reconnect.

Here are the simple kinds; OAuth 2.0 (:mod:`app.client.oauth2`,
:mod:`app.client.oauth2_browser`) and AWS Signature V4 (:mod:`app.client.sigv4`) live in
their own modules and are re-exported here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import UTC, datetime

from app.model.http import is_token

from ._models import PreparedRequest, host_header
from .auth_base import Auth, AuthFlow
from .auth_base import header_safe as _header_safe
from .oauth2 import (
    OAuth2ClientCredentials,
    OAuth2DeviceCode,
    OAuth2Password,
    TokenError,
    TokenSet,
)
from .oauth2_browser import OAuth2AuthorizationCode
from .sigv4 import AWSSigV4Auth

__all__ = [
    "APIKeyAuth",
    "AWSSigV4Auth",
    "Auth",
    "AuthFlow",
    "BackendAIAuth",
    "BasicAuth",
    "BearerAuth",
    "DigestAuth",
    "OAuth2AuthorizationCode",
    "OAuth2ClientCredentials",
    "OAuth2DeviceCode",
    "OAuth2Password",
    "TokenError",
    "TokenSet",
]

class BasicAuth(Auth):
    """HTTP Basic (RFC 7617), user and password encoded as UTF-8."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password

    def __repr__(self) -> str:
        return f"BasicAuth({self.user!r}, '***')"

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        request.headers["Authorization"] = f"Basic {token}"
        yield request


class BearerAuth(Auth):
    """``Authorization: Bearer <token>``."""

    def __init__(self, token: str) -> None:
        self.token = _header_safe(token, "bearer token")

    def __repr__(self) -> str:
        return "BearerAuth('***')"

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


class APIKeyAuth(Auth):
    """An API key sent as a header or as a query parameter."""

    def __init__(self, name: str, value: str, location: str = "header") -> None:
        if location not in ("header", "query"):
            raise ValueError(f"location must be 'header' or 'query', not {location!r}")
        if not name:
            raise ValueError("the API key needs a name")
        if location == "header":
            if not is_token(name):
                raise ValueError(f"the API key's name {name!r} is not a valid header name")
            _header_safe(value, "API key's value")
        else:
            _header_safe(name, "API key's name")
        self.name = name
        self.value = value
        self.location = location

    def __repr__(self) -> str:
        return f"APIKeyAuth({self.name!r}, '***', location={self.location!r})"

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        if self.location == "header":
            request.headers[self.name] = self.value
        elif self.name not in request.url.query:
            request.url = request.url.extend_query({self.name: self.value})
        yield request


_DIGEST_HASHES = {"MD5": "md5", "SHA-256": "sha256"}
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _digest_challenges(header_values: list[str]) -> list[dict[str, str]]:
    """The Digest challenges in WWW-Authenticate values, each as lower-cased params."""
    found: list[dict[str, str]] = []
    for value in header_values:
        for chunk in re.split(r"(?i)(?:^|,)\s*(?=digest\s)", value):
            if not chunk.lower().startswith("digest "):
                continue
            params = {
                m.group(1).lower(): re.sub(r"\\(.)", r"\1", m.group(2))
                if m.group(2) is not None
                else m.group(3)
                for m in _PARAM.finditer(chunk[7:])
            }
            found.append(params)
    return found


class DigestAuth(Auth):
    """HTTP Digest (RFC 7616): answers a 401 challenge; MD5 and SHA-256, qop ``auth``."""

    def __init__(self, user: str, password: str) -> None:
        self.user = _header_safe(user, "user name")  # sent as it is, quoted, in the header
        self.password = password
        self._nonce_count: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"DigestAuth({self.user!r}, '***')"

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        retry = request.copy()
        response = yield request
        if response.status != 401:
            return
        challenges = [
            c
            for c in _digest_challenges(response.headers.getall("WWW-Authenticate", []))
            if c.get("algorithm", "MD5").upper().removesuffix("-SESS") in _DIGEST_HASHES
            and "nonce" in c
        ]
        if not challenges:
            return
        # Prefer the strongest algorithm the server offers.
        challenges.sort(key=lambda c: c.get("algorithm", "MD5").upper().startswith("SHA-256"))
        retry.headers["Authorization"] = self._authorization(retry, challenges[-1])
        yield retry

    def _authorization(self, request: PreparedRequest, challenge: dict[str, str]) -> str:
        algorithm = challenge.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        name = _DIGEST_HASHES[base]

        def h(text: str) -> str:
            return hashlib.new(name, text.encode()).hexdigest()

        realm = challenge.get("realm", "")
        nonce = challenge["nonce"]
        uri = request.url.raw_path_qs
        cnonce = os.urandom(8).hex()
        count = self._nonce_count.get(nonce, 0) + 1
        self._nonce_count[nonce] = count
        nc = f"{count:08x}"
        ha1 = h(f"{self.user}:{realm}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{request.method}:{uri}")
        qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        parts = [
            f'username="{self.user}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f"algorithm={algorithm}",
        ]
        if "auth" in qops:
            digest = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            parts += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            digest = h(f"{ha1}:{nonce}:{ha2}")
        parts.append(f'response="{digest}"')
        if "opaque" in challenge:
            parts.append(f'opaque="{challenge["opaque"]}"')
        return "Digest " + ", ".join(parts)


class BackendAIAuth(Auth):
    """Signs each request the way a Backend.AI manager checks it (HMAC over a canonical string)."""

    signs = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        api_version: str = "v9.20250722",
        hash_type: str = "sha256",
        domain: str = "default",
    ) -> None:
        hashlib.new(hash_type)  # fail early on an unknown hash
        for value, what in ((access_key, "access key"), (api_version, "API version"),
                            (domain, "domain")):
            _header_safe(value, what)
        self.access_key = access_key
        self.secret_key = secret_key
        self.api_version = api_version
        self.hash_type = hash_type.lower()
        self.domain = domain

    def __repr__(self) -> str:
        return f"BackendAIAuth({self.access_key!r}, '***', api_version={self.api_version!r})"

    def sign(self, request: PreparedRequest, now: datetime | None = None) -> None:
        """Set Date, version, domain and Authorization headers on ``request`` for this moment."""
        # The Date and the key's day are UTC whatever zone ``now`` is given in (naive = UTC).
        now = (now or datetime.now(UTC))
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        date = now.isoformat()
        host = request.headers.get("Host") or host_header(request.url)
        request.headers["Host"] = host
        request.headers["Date"] = date
        request.headers["X-BackendAI-Version"] = self.api_version
        request.headers["X-BackendAI-Domain"] = self.domain
        content_type = request.content_media_type or "application/octet-stream"
        body_hash = hashlib.new(self.hash_type, b"").hexdigest()
        to_sign = "\n".join(
            [
                request.method.upper(),
                request.url.raw_path_qs,
                date,
                f"host:{host}",
                f"content-type:{content_type}",
                f"x-backendai-version:{self.api_version}",
                body_hash,
            ]
        )
        key = hmac.new(self.secret_key.encode(), now.strftime("%Y%m%d").encode(), self.hash_type)
        key = hmac.new(key.digest(), host.encode(), self.hash_type)
        signature = hmac.new(key.digest(), to_sign.encode(), self.hash_type).hexdigest()
        request.headers["Authorization"] = (
            f"BackendAI signMethod=HMAC-{self.hash_type.upper()}, "
            f"credential={self.access_key}:{signature}"
        )

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        self.sign(request)
        yield request
