"""AWS Signature Version 4 in the ``Authorization`` header, as botocore's ``SigV4Auth`` signs.

The canonical request is built from what will be sent: the method, the path (dot segments and
repeated slashes removed, then percent-encoded again as AWS wants outside S3), the query (each
name and value decoded, re-encoded with only ``A-Z a-z 0-9 - _ . ~`` left bare, pairs sorted),
every header the request carries except those botocore leaves out (``User-Agent`` among them),
and the body's SHA-256, which is also sent as ``x-amz-content-sha256``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from ._models import PreparedRequest, host_header
from .auth_base import Auth, AuthFlow, AuthWait, header_safe
from .content import BytesBody, StreamBody

__all__ = ["UNSIGNED_PAYLOAD", "AWSSigV4Auth", "canonical_path", "canonical_query"]

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
#: The headers botocore never signs (botocore.auth.SIGNED_HEADERS_BLACKLIST): hop-by-hop ones
#: a proxy may change, and the ones clients rewrite (User-Agent, tracing).
_UNSIGNED_HEADERS = frozenset({
    "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "te", "traceparent", "tracestate", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
})
_HASH_CHUNK = 1 << 20


def canonical_path(raw_path: str) -> str:
    """The path as SigV4 signs it: dot segments and empty segments removed, then encoded
    again (a ``%`` already in the path becomes ``%25``, as AWS wants outside S3)."""
    parts: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if parts:
                parts.pop()
        elif segment and segment != ".":
            parts.append(segment)
    if not raw_path:
        return "/"
    path = ("/" if raw_path.startswith("/") else "") + "/".join(parts)
    if raw_path.endswith("/") and parts:
        path += "/"
    return quote(path, safe="/~")


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    """The query as SigV4 signs it from decoded pairs: each encoded, pairs sorted."""
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _trim(value: str) -> str:
    return " ".join(value.split())


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class AWSSigV4Auth(Auth):
    """Signs each request with AWS Signature Version 4 (``AWS4-HMAC-SHA256``).

    The body's SHA-256 is signed and sent as ``x-amz-content-sha256``: a body in memory is
    hashed at once, a seekable file is read through once off the event loop, a one-shot stream
    is sent as ``UNSIGNED-PAYLOAD``; a value the caller set in that header is signed as given
    (a hash computed beforehand). ``clock`` gives the signing time (UTC); tests freeze it.
    """

    signs = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        region: str,
        service: str,
        *,
        session_token: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        for value, what in ((access_key, "access key"), (region, "region"),
                            (service, "service")):
            if not value:
                raise ValueError(f"AWS SigV4 needs a {what}")
            header_safe(value, what)
        if session_token is not None:
            header_safe(session_token, "session token")
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.service = service
        self.session_token = session_token
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return (f"AWSSigV4Auth({self.access_key!r}, '***', {self.region!r}, "
                f"{self.service!r})")

    def auth_flow(self, request: PreparedRequest) -> AuthFlow:
        if "x-amz-content-sha256" not in request.headers:
            body = request.body
            if body is None:
                digest = _EMPTY_SHA256
            elif isinstance(body, BytesBody):
                digest = hashlib.sha256(body.data).hexdigest()
            elif isinstance(body, StreamBody) and body.replayable:
                # Reading a file through blocks: do it on a worker thread, not the loop.
                hashing = AuthWait(lambda: asyncio.to_thread(_hash_stream, body.stream))
                yield hashing
                digest = hashing.result
            else:
                digest = UNSIGNED_PAYLOAD  # a one-shot stream: it cannot be read twice
            request.headers["x-amz-content-sha256"] = digest
        self.sign(request)
        yield request

    def sign(self, request: PreparedRequest, now: datetime | None = None) -> None:
        """Set the date, token and ``Authorization`` headers on ``request`` for this moment
        (its body's hash must already be in ``x-amz-content-sha256``)."""
        now = now or self._clock()
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        headers = request.headers
        headers.popall("Authorization", None)
        if "Date" in headers:
            # As botocore: an explicit Date header carries the time instead of X-Amz-Date.
            headers.popall("Date")
            headers.popall("X-Amz-Date", None)
            headers["Date"] = formatdate(int(now.timestamp()))
        else:
            headers.popall("X-Amz-Date", None)
            headers["X-Amz-Date"] = stamp
        if self.session_token:
            headers.popall("X-Amz-Security-Token", None)
            headers["X-Amz-Security-Token"] = self.session_token
        if "Host" not in headers:
            # Signed, so set here rather than left to the transport.
            headers["Host"] = host_header(request.url)
        signed: dict[str, list[str]] = {}
        for name, value in headers.items():
            if name.lower() not in _UNSIGNED_HEADERS:
                signed.setdefault(name.lower(), []).append(value)
        names = sorted(signed)
        canonical = "\n".join([
            request.method.upper(),
            canonical_path(request.url.raw_path),
            canonical_query(list(request.url.query.items())),
            "".join(f"{n}:{','.join(_trim(v) for v in signed[n])}\n" for n in names),
            ";".join(names),
            headers["x-amz-content-sha256"],
        ])
        scope = f"{stamp[:8]}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256", stamp, scope,
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ])
        key = _hmac(f"AWS4{self.secret_key}".encode(), stamp[:8])
        for part in (self.region, self.service, "aws4_request"):
            key = _hmac(key, part)
        signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )


def _hash_stream(stream: Any) -> str:
    """The SHA-256 of what remains of a seekable stream, which is left where it was."""
    start = stream.tell()
    digest = hashlib.sha256()
    try:
        while chunk := stream.read(_HASH_CHUNK):
            digest.update(chunk)
    finally:
        stream.seek(start)
    return digest.hexdigest()
