"""Header names and values the headers table suggests as you type."""

from __future__ import annotations

__all__ = ["COMMON_HEADERS", "COMMON_HEADER_VALUES"]

COMMON_HEADERS = (
    "Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Authorization",
    "Cache-Control", "Connection", "Content-Disposition", "Content-Encoding", "Content-Language",
    "Content-MD5", "Content-Type", "Cookie", "DNT", "Expect", "Forwarded", "From", "Host",
    "Idempotency-Key", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
    "If-Unmodified-Since", "Last-Event-ID", "Max-Forwards", "Origin", "Pragma", "Prefer",
    "Range", "Referer", "TE", "Upgrade", "User-Agent", "Via", "X-API-Key", "X-CSRF-Token",
    "X-Correlation-ID", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
    "X-HTTP-Method-Override", "X-Request-ID", "X-Requested-With",
)

_MEDIA_TYPES = (
    "application/json", "application/xml", "application/x-www-form-urlencoded",
    "multipart/form-data", "text/plain", "text/html", "text/csv", "application/octet-stream",
)

COMMON_HEADER_VALUES: dict[str, tuple[str, ...]] = {
    "Accept": ("*/*", "application/json", "application/xml", "text/html", "text/plain",
               "text/event-stream", "application/octet-stream"),
    "Accept-Encoding": ("gzip, deflate, br", "gzip", "identity"),
    "Accept-Language": ("en-US,en;q=0.9", "en", "de", "fr", "ja", "ko", "zh-CN"),
    "Cache-Control": ("no-cache", "no-store", "max-age=0", "must-revalidate"),
    "Connection": ("keep-alive", "close"),
    "Content-Type": (*_MEDIA_TYPES, "application/json; charset=utf-8",
                     "text/plain; charset=utf-8"),
    "Prefer": ("return=representation", "return=minimal", "respond-async"),
    "X-Requested-With": ("XMLHttpRequest",),
}
