"""Client certificates in every form ``client_cert=`` takes (SPEC 7.3), against an aiohttp
server on 127.0.0.1 that demands one (``verify_mode=CERT_REQUIRED``, trustme's CA), and the
errors for files that cannot be used: each names the file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from app.client import (
    AsyncSession,
    CertificateError,
    ClientCertificate,
    ClientError,
    Request,
    Session,
    UsageError,
)
from tests.client.conftest import SessionKind
from tests.client.server import ServerThread

PASSPHRASE = "correct horse"


class Files:
    """A client certificate from the test CA, written in every form."""

    def __init__(self, ca: trustme.CA, folder: Path) -> None:
        leaf = ca.issue_cert("client@spyglass.test")
        self.key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
        self.certs = [c.bytes() for c in leaf.cert_chain_pems]
        self.folder = folder
        self.cert = self.write("client.crt", b"".join(self.certs))
        self.plain_key = self.write("plain.key", leaf.private_key_pem.bytes())
        self.encrypted_key = self.write("encrypted.key", self.key_pem(PASSPHRASE))
        self.encrypted_both = self.write("both.pem", self.key_pem(PASSPHRASE) + self.certs[0])
        from cryptography import x509

        chain = [x509.load_pem_x509_certificate(c) for c in self.certs]
        self.p12 = self.write("client.p12", pkcs12.serialize_key_and_certificates(
            b"client", self.key, chain[0], chain[1:],  # type: ignore[arg-type]
            serialization.BestAvailableEncryption(PASSPHRASE.encode())))
        self.p12_open = self.write("open.p12", pkcs12.serialize_key_and_certificates(
            b"client", self.key, chain[0], None,  # type: ignore[arg-type]
            serialization.NoEncryption()))

    def key_pem(self, passphrase: str) -> bytes:
        return self.key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()))

    def write(self, name: str, data: bytes) -> str:
        path = self.folder / name
        path.write_bytes(data)
        return str(path)


@pytest.fixture
def files(tls_ca: trustme.CA, tmp_path: Path) -> Files:
    return Files(tls_ca, tmp_path)


async def status_with(kind: SessionKind, server: ServerThread, ca_file: str,
                      client_cert: object) -> int:
    async with kind.open(server.url, ca_file=ca_file, client_cert=client_cert,
                         timeout=10) as session:
        async with kind.fetch(Request(session, "GET", "/echo")) as response:
            await response.read()
            return int(response.status)


@pytest.mark.parametrize("form", ["pair", "triple", "object", "one_file", "p12", "p12_open"])
async def test_every_form_is_accepted_by_a_server_that_demands_one(
    kind: SessionKind, mtls_server: ServerThread, ca_file: str, files: Files, form: str
) -> None:
    given = {
        "pair": (files.cert, files.plain_key),
        "triple": (files.cert, files.encrypted_key, PASSPHRASE),
        "object": ClientCertificate(files.cert, files.encrypted_key, password=PASSPHRASE),
        "one_file": ClientCertificate(Path(files.encrypted_both), password=PASSPHRASE),
        "p12": ClientCertificate(files.p12, password=PASSPHRASE),
        "p12_open": files.p12_open,
    }[form]
    assert await status_with(kind, mtls_server, ca_file, given) == 200


def test_a_passphrase_for_a_key_that_has_none_is_ignored(files: Files) -> None:
    Session(client_cert=(files.cert, files.plain_key, "unneeded")).close()


def check(error: pytest.ExceptionInfo[CertificateError], path: str, words: str) -> None:
    assert isinstance(error.value, ClientError) and isinstance(error.value, ValueError)
    assert error.value.path == path
    assert path in str(error.value) and words in str(error.value), str(error.value)


def test_a_wrong_passphrase_names_the_key_file(files: Files) -> None:
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=(files.cert, files.encrypted_key, "wrong"))
    check(error, files.encrypted_key, "wrong passphrase")


def test_a_missing_passphrase_says_the_key_is_encrypted(files: Files) -> None:
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=(files.cert, files.encrypted_key))
    check(error, files.encrypted_key, "is encrypted: give its passphrase")
    with pytest.raises(CertificateError) as error:
        Session(client_cert=files.encrypted_both)
    check(error, files.encrypted_both, "is encrypted")


def test_a_wrong_pkcs12_password_names_the_file(files: Files) -> None:
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=ClientCertificate(files.p12, password="wrong"))
    check(error, files.p12, "wrong password")
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=files.p12)
    check(error, files.p12, "give its password")


def test_a_key_that_does_not_match_its_certificate(
    files: Files, tls_ca: trustme.CA, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    other.write_bytes(tls_ca.issue_cert("someone-else").private_key_pem.bytes())
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=(files.cert, str(other)))
    check(error, str(other), "does not match the certificate")
    assert files.cert in str(error.value)


def test_files_that_cannot_be_used(files: Files, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=missing)
    check(error, missing, "Cannot read the client certificate")
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=files.cert)  # a certificate without its key
    check(error, files.cert, "holds no private key")
    junk = files.write("junk.bin", b"\x00\x01not a certificate at all")
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=junk)
    check(error, junk, "neither a PEM file nor a PKCS#12 file")
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=(files.p12, files.plain_key))
    check(error, files.p12, "holds its own key")
    no_cert = files.write("key-only.pem", Path(files.plain_key).read_bytes())
    with pytest.raises(CertificateError) as error:
        AsyncSession(client_cert=no_cert)
    check(error, no_cert, "holds no readable certificate")


def test_a_bad_argument_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="client_cert must be"):
        AsyncSession(client_cert=42)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="passphrase"):
        AsyncSession(client_cert=("a", "b", 3))  # type: ignore[arg-type]


def test_the_passphrase_stays_out_of_reprs_and_no_key_file_is_left(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = ClientCertificate(files.cert, files.encrypted_key, password=PASSPHRASE)
    assert PASSPHRASE not in repr(given)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    Session(client_cert=given).close()
    Session(client_cert=ClientCertificate(files.p12, password=PASSPHRASE)).close()
    assert list(scratch.iterdir()) == []
