"""The certificates of the playground's mTLS port, made fresh at each start with
``cryptography``: a CA, a server certificate for 127.0.0.1/localhost/::1 and a client
certificate (PEM, and PKCS#12 under a printed password), all signed by that CA.

They are written to a private folder (0700, files 0600) that :meth:`PlaygroundCertificates.
remove` deletes when the playground stops. EC P-256 keys: making the whole set takes
milliseconds, where RSA would take a noticeable part of a second.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CLIENT_NAME", "PlaygroundCertificates", "make_certificates", "server_context"]

#: The client certificate's common name (what the mTLS port reports it saw).
CLIENT_NAME = "Spyglass playground client"
#: How long the certificates are valid: the run is what they are for, a day is plenty.
LIFETIME = datetime.timedelta(days=1)


@dataclass(frozen=True)
class PlaygroundCertificates:
    """Where one run's certificates are; ``p12_password`` opens ``client_p12``."""

    folder: Path
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    client_p12: Path
    p12_password: str = field(repr=False)

    def remove(self) -> None:
        """Delete the folder and everything in it (harmless when it is gone)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Spyglass playground"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    usage: x509.ObjectIdentifier | None = None,
    names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a little clock skew
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                          content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, encipher_only=False,
                          decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _write(path: Path, data: bytes) -> None:
    # Created 0600 from the start: never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certificates(parent: str | None = None) -> PlaygroundCertificates:
    """Make a CA, a server and a client certificate in a new private folder (under
    ``parent``, by default the system's temporary folder)."""
    folder = Path(tempfile.mkdtemp(prefix="spyglass-playground-", dir=parent))  # 0700
    try:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _certificate("Spyglass playground CA", ca_key, _name("Spyglass playground CA"),
                          ca_key, ca=True)
        server_key = ec.generate_private_key(ec.SECP256R1())
        server = _certificate(
            "127.0.0.1", server_key, ca.subject, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH,
            names=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                   x509.IPAddress(ipaddress.ip_address("::1"))])
        client_key = ec.generate_private_key(ec.SECP256R1())
        client = _certificate(CLIENT_NAME, client_key, ca.subject, ca_key,
                              usage=ExtendedKeyUsageOID.CLIENT_AUTH)
        password = secrets.token_urlsafe(12)
        p12 = pkcs12.serialize_key_and_certificates(
            b"spyglass-playground-client", client_key, client, [ca],
            serialization.BestAvailableEncryption(password.encode()))
        pem = serialization.Encoding.PEM
        certs = PlaygroundCertificates(
            folder=folder, ca_cert=folder / "ca.pem", server_cert=folder / "server.pem",
            server_key=folder / "server-key.pem", client_cert=folder / "client.pem",
            client_key=folder / "client-key.pem", client_p12=folder / "client.p12",
            p12_password=password)
        _write(certs.ca_cert, ca.public_bytes(pem))
        _write(certs.server_cert, server.public_bytes(pem) + ca.public_bytes(pem))
        _write(certs.server_key, _key_pem(server_key))
        _write(certs.client_cert, client.public_bytes(pem))
        _write(certs.client_key, _key_pem(client_key))
        _write(certs.client_p12, p12)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return certs


def server_context(certs: PlaygroundCertificates) -> ssl.SSLContext:
    """The mTLS port's TLS context: its certificate, and a client certificate from the
    playground's CA demanded of every connection."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs.ca_cert))
    ctx.load_cert_chain(str(certs.server_cert), str(certs.server_key))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx
