"""``verify=False`` for gRPC: trust the certificate the server presents now.

grpcio has no switch to turn the server's certificate check off. What it does take is the
certificates to trust and the name to check (``grpc.ssl_target_name_override``). So, for a
channel that should not check, the server's own certificate is fetched first, by a TLS
handshake that checks nothing (:mod:`ssl`, offering ALPN ``h2`` as gRPC does), and then
trusted as the channel's only root, with a name it holds: the channel accepts that server and
no other. What this cannot get past is a certificate outside its dates (the check of dates
stays on), which is said in words naming the dates. Runs on the gRPC thread.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from app.client.errors import ErrorKind, RequestError, RequestTimeout, UsageError

from ._proxy import without_credentials

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["Pinned", "pin_server_certificate"]


@dataclass(frozen=True)
class Pinned:
    """The server's certificate (PEM) and a name in it to check it against."""

    pem: bytes
    name: str


def _host_port(target: str) -> tuple[str, int]:
    try:
        parts = urlsplit("//" + target)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise UsageError(f"Without the certificate check a gRPC target is host:port, not "
                         f"{target!r}")
    return host, port


def _names(cert: x509.Certificate) -> list[str]:
    """The DNS names and addresses the certificate is for (its subject's common name last)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names += [str(name) for name in san.get_values_for_type(x509.DNSName)]
        names += [str(address) for address in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    names += [str(attr.value) for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return names


def _name_for(host: str, names: list[str]) -> str:
    """The host itself when the certificate names it (no override needed), else a name the
    certificate holds that is not a wildcard."""
    if host.lower() in (name.lower() for name in names):
        return host
    plain = [name for name in names if "*" not in name]
    if plain:
        return plain[0]
    if names:  # "*.example.test" is matched by any one label under it
        return "pinned" + names[0].lstrip("*")
    raise RequestError(f"The certificate of {host} names no host, so gRPC cannot use it even "
                       "without the check: give its CA file instead", kind=ErrorKind.CERTIFICATE)


async def _tunnel(proxy: str, target: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to ``target`` through the HTTP proxy ``proxy`` (``CONNECT``, as grpcio
    makes it)."""
    parts = urlsplit(proxy)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    request = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request += f"Proxy-Authorization: Basic {base64.b64encode(pair).decode('ascii')}\r\n"
    writer.write((request + "\r\n").encode("latin-1"))
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
    if status.split(" ", 2)[1:2] != ["200"]:
        writer.transport.abort()
        raise RequestError(f"The proxy {without_credentials(proxy)} refused to connect to "
                           f"{target}: {status}", kind=ErrorKind.PROXY)
    return reader, writer


async def pin_server_certificate(target: str, timeout: float,
                                 proxy: str | None = None) -> Pinned:
    """What :mod:`app.grpc` trusts for ``target`` when it is not to check it: the
    certificate its server presents (reached through ``proxy`` when the channel goes
    through one). ``RequestError`` when the server cannot be reached (the call's
    ``UNAVAILABLE``), also for a certificate outside its dates."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    host, port = _host_port(target)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    server_hostname = None if address else host

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if proxy is None:
            return await asyncio.open_connection(host, port, ssl=context,
                                                 server_hostname=server_hostname)
        reader, writer = await _tunnel(proxy, target)
        await writer.start_tls(context, server_hostname=server_hostname)
        return reader, writer

    try:
        reader, writer = await asyncio.wait_for(connect(), timeout)
    except TimeoutError as exc:
        raise RequestTimeout(f"{target} did not answer in time") from exc
    except asyncio.IncompleteReadError as exc:
        raise RequestError(f"The proxy {without_credentials(proxy or '')} closed the "
                           f"connection to {target}", kind=ErrorKind.PROXY) from exc
    except OSError as exc:  # ssl.SSLError is one
        kind = ErrorKind.TLS if isinstance(exc, ssl.SSLError) else ErrorKind.CONNECT
        reason = getattr(exc, "reason", None) or exc.strerror or str(exc)
        where = f" through {without_credentials(proxy)}" if proxy is not None else ""
        raise RequestError(f"Cannot reach {target}{where}: {reason}", kind=kind) from exc
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        # At once: a TLS close waits for the server's own, which a gRPC server expecting
        # HTTP/2 may never send.
        writer.transport.abort()
    del reader
    if not der:
        raise RequestError(f"{target} presented no certificate", kind=ErrorKind.CERTIFICATE)
    cert = x509.load_der_x509_certificate(der)
    now = datetime.datetime.now(datetime.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise RequestError(
            f"The certificate of {target} is valid from {cert.not_valid_before_utc:%Y-%m-%d} "
            f"to {cert.not_valid_after_utc:%Y-%m-%d}: gRPC checks the dates even with the "
            "certificate check off", kind=ErrorKind.CERTIFICATE)
    return Pinned(cert.public_bytes(serialization.Encoding.PEM), _name_for(host, _names(cert)))
