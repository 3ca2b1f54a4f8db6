"""A session's TLS context: certificate checks, a private CA, and the client certificate.

``client_cert=`` takes a PEM file holding the certificate and its key, a ``(cert, key)`` pair,
a ``(cert, key, passphrase)`` triple for an encrypted key, or a :class:`ClientCertificate`,
which also names a PKCS#12 file (``.p12``/``.pfx``) with its password.

Every form is read with ``cryptography`` first, so that what is wrong is said in words that
name the file: a wrong or missing passphrase, a file with no key, a key that does not belong
to its certificate. Python's ``ssl`` loads a certificate only from a file, and would prompt
on the terminal for the passphrase of an encrypted key; so the checked key and chain are
written to a private temporary file, the key encrypted under a random one-time passphrase,
loaded, and the file removed at once.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import ssl
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from .errors import CertificateError, UsageError
from .timings import TimedSSLContext

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = ["ClientCertArg", "ClientCertificate", "client_certificate_of", "client_certificate_pem",
           "ssl_context"]

PathArg: TypeAlias = "str | os.PathLike[str]"


@dataclass(frozen=True)
class ClientCertificate:
    """A client certificate for TLS.

    ``cert`` is a PEM file (the certificate, its chain, and the key when ``key`` is None) or a
    PKCS#12 file (which holds its own key: give no ``key``). ``password`` is the passphrase of
    an encrypted PEM key or of the PKCS#12 file; it is never shown in a ``repr``."""

    cert: str | os.PathLike[str]
    key: str | os.PathLike[str] | None = None
    password: str | bytes | None = field(default=None, repr=False)


ClientCertArg: TypeAlias = (
    "str | os.PathLike[str] | tuple[str, str] | tuple[str, str, str] | ClientCertificate"
)


def client_certificate_of(value: object) -> ClientCertificate | None:
    """The :class:`ClientCertificate` that a ``client_cert=`` argument means, or None."""
    if value is None or isinstance(value, ClientCertificate):
        return value
    if isinstance(value, str | os.PathLike):
        return ClientCertificate(value)
    if isinstance(value, tuple | list) and len(value) in (2, 3) and all(
        isinstance(part, str | os.PathLike) for part in value[:2]
    ):
        password = value[2] if len(value) == 3 else None
        if password is not None and not isinstance(password, str | bytes):
            raise UsageError("the passphrase in client_cert=(cert, key, passphrase) must be a str")
        return ClientCertificate(value[0], value[1], password)
    raise UsageError(
        "client_cert must be a PEM file, a (cert, key) pair, a (cert, key, passphrase) triple "
        f"or an app.client.ClientCertificate, not {type(value).__name__}"
    )


def ssl_context(
    verify: bool, ca_file: str | None, client_cert: ClientCertificate | None
) -> ssl.SSLContext:
    """The TLS context of a session (built once: a bad file fails where it is given)."""
    ctx = TimedSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
        if ca_file:
            ctx.load_verify_locations(cafile=str(ca_file))
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if client_cert is not None:
        _load_client_certificate(ctx, client_cert)
    return ctx


def _read(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CertificateError(f"Cannot read the {what} {os.fspath(path)}: {reason}",
                               path=os.fspath(path)) from exc


def _password_bytes(password: str | bytes | None) -> bytes | None:
    if password is None or password in ("", b""):
        return None
    return password.encode("utf-8") if isinstance(password, str) else password


def _load_client_certificate(ctx: ssl.SSLContext, given: ClientCertificate) -> None:
    key, chain = _read_client_certificate(given)
    _load_into(ctx, key, chain, os.fspath(given.cert))


def client_certificate_pem(given: ClientCertificate) -> tuple[bytes, bytes]:
    """``(key, chain)`` of ``given`` as PEM, the key decrypted (PKCS#8), checked as
    :func:`ssl_context` checks it; for TLS stacks that take a certificate in memory (grpcio),
    so the decrypted key is never written to a file."""
    from cryptography.hazmat.primitives import serialization

    key, chain = _read_client_certificate(given)
    path = os.fspath(given.cert)
    try:
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    except (TypeError, ValueError) as exc:  # e.g. a key type TLS has no use for
        raise CertificateError(f"Cannot use the private key of {path}: {exc}", path=path) from exc
    return pem, b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain)


def _read_client_certificate(
    given: ClientCertificate,
) -> tuple[PrivateKeyTypes, list[x509.Certificate]]:
    """The key and chain (leaf first) of ``given``; :class:`CertificateError` naming the file
    for one that cannot be used."""
    cert_path = os.fspath(given.cert)
    data = _read(given.cert, "client certificate")
    password = _password_bytes(given.password)
    if b"-----BEGIN" in data:
        key_path = os.fspath(given.key) if given.key is not None else cert_path
        key_data = _read(given.key, "private key") if given.key is not None else data
        chain = _pem_certificates(data, cert_path)
        key = _pem_key(key_data, key_path, password)
    else:
        if given.key is not None:
            raise CertificateError(
                f"{cert_path} is not a PEM file; as a PKCS#12 file it holds its own key, "
                "so give no key file", path=cert_path)
        key, chain = _pkcs12(data, cert_path, password)
        key_path = cert_path
    return key, _leaf_first(key, chain, cert_path, key_path)


def _pem_certificates(data: bytes, path: str) -> list[x509.Certificate]:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(f"The file {path} holds no readable certificate: {exc}",
                               path=path) from exc


def _pem_key(data: bytes, path: str, password: bytes | None) -> PrivateKeyTypes:
    from cryptography.hazmat.primitives import serialization

    if b"PRIVATE KEY" not in data:
        raise CertificateError(
            f"The file {path} holds no private key: give the key file too, as "
            "client_cert=(cert, key)", path=path)
    try:
        return serialization.load_pem_private_key(data, password)
    except TypeError as exc:
        if password is None:
            raise CertificateError(
                f"The private key in {path} is encrypted: give its passphrase", path=path
            ) from exc
        # A passphrase for a key that has none: the key is usable as it is.
        return serialization.load_pem_private_key(data, None)
    except ValueError as exc:
        message = (f"Cannot decrypt the private key in {path}: wrong passphrase"
                   if password is not None else f"Cannot read the private key in {path}: {exc}")
        raise CertificateError(message, path=path) from exc
    except Exception as exc:  # cryptography's UnsupportedAlgorithm and kin
        raise CertificateError(f"Cannot use the private key in {path}: {exc}",
                               path=path) from exc


def _pkcs12(
    data: bytes, path: str, password: bytes | None
) -> tuple[PrivateKeyTypes, list[x509.Certificate]]:
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as exc:
        message = (f"Cannot open the PKCS#12 file {path}: wrong password, or not a "
                   "PKCS#12 file" if password is not None else
                   f"Cannot open {path}: it is neither a PEM file nor a PKCS#12 file without "
                   "a password (give its password)")
        raise CertificateError(message, path=path) from exc
    if key is None or cert is None:
        missing = "private key" if key is None else "certificate"
        raise CertificateError(f"The PKCS#12 file {path} holds no {missing}", path=path)
    return key, [cert, *extra]


def _leaf_first(
    key: PrivateKeyTypes, chain: list[x509.Certificate], cert_path: str, key_path: str
) -> list[x509.Certificate]:
    """The chain with the key's own certificate first, or an error when none is the key's."""
    from cryptography.hazmat.primitives import serialization

    def spki(public: object) -> bytes:
        encoded: bytes = public.public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return encoded

    mine = spki(key.public_key())
    for index, cert in enumerate(chain):
        if spki(cert.public_key()) == mine:
            return [cert, *chain[:index], *chain[index + 1:]]
    where = cert_path if key_path == cert_path else f"{key_path} and {cert_path}"
    raise CertificateError(
        f"The private key does not match the certificate ({where})", path=key_path)


def _load_into(
    ctx: ssl.SSLContext, key: PrivateKeyTypes, chain: list[x509.Certificate], path: str
) -> None:
    from cryptography.hazmat.primitives import serialization

    one_time = secrets.token_hex(32).encode()
    try:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(one_time),
        )
    except (TypeError, ValueError) as exc:  # e.g. a key type TLS has no use for
        raise CertificateError(f"Cannot use the private key of {path}: {exc}", path=path) from exc
    pem += b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain)
    fd, temp = tempfile.mkstemp(prefix="spyglass-cert-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        ctx.load_cert_chain(temp, password=one_time)
    except ssl.SSLError as exc:
        raise CertificateError(f"Cannot use the client certificate {path}: {exc.reason or exc}",
                               path=path) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
