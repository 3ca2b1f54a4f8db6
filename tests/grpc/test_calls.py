"""call: every kind, metadata both ways, deadlines, rich error details, TLS and mTLS,
refusals before sending, unreachable and vanishing servers, other loops, cancelling."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import app.grpc
from app.client.errors import CertificateError, ErrorKind, RequestError, UsageError
from app.client.tls import ClientCertificate
from app.grpc import GrpcClient, GrpcSettings, call, describe, open_stream, template

from .servers import CHILD_SERVER, IMPORT_PATHS, INVENTORY, PYTHON, SERVICE, InventoryServer


async def test_unary_with_metadata_both_ways(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": "hammer"}],
                        metadata={"X-Token": "secret", "x-raw-bin": b"\x01\x02"})
    assert result.code == "OK" and result.details == ""
    [item] = result.responses
    # Original field names, int64 as a string, well-known types in their JSON form.
    assert item == {"sku": "hammer", "quantity": str(2**40), "tags": ["a", "b"],
                    "price": {"currency": "EUR", "units": "5"},
                    "updated": "1970-01-01T00:00:00Z", "shelf": "A1"}
    assert ("x-seen-token", "secret") in result.headers
    assert ("x-raw-bin", base64.b64encode(b"\x00\x01\xff").decode()) in result.headers
    assert ("x-trailer", "goodbye") in result.trailers
    name, sent = inventory.calls[-1]
    assert name == "GetItem" and sent["x-token"] == "secret" and sent["x-raw-bin"] == b"\x01\x02"


async def test_metadata_as_pairs_and_base64_binary(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}],
                        metadata=[("x-token", "a"), ("x-raw-bin", "AQI=")])
    assert result.code == "OK"
    assert inventory.calls[-1][1]["x-raw-bin"] == b"\x01\x02"
    # Unpadded, as gRPC sends -bin values itself.
    await call(inventory.target, f"{SERVICE}/GetItem", [{}], metadata={"x-raw-bin": "aGVsbG8"})
    assert inventory.calls[-1][1]["x-raw-bin"] == b"hello"
    for wrong in ("a$b", "héllo"):  # (the second is not ASCII: a ValueError, not a bug)
        with pytest.raises(UsageError, match="wants base64"):
            await call(inventory.target, f"{SERVICE}/GetItem", [{}],
                       metadata={"x-raw-bin": wrong})


async def test_server_streaming(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/ListItems", [{"count": 5}],
                        metadata={"x-token": "streamed"})
    assert result.code == "OK"
    assert [r["sku"] for r in result.responses] == [f"sku-{n}" for n in range(5)]
    assert ("x-seen-token", "streamed") in result.headers
    assert ("x-trailer", "listed") in result.trailers
    assert ("x-raw-bin", "AP8=") in result.trailers  # binary values in base64
    # Defaults are left out, as protobuf's JSON mapping does.
    assert result.responses[0] == {"sku": "sku-0"}


async def test_the_size_received_is_the_responses_on_the_wire(
        inventory: InventoryServer) -> None:
    from google.protobuf import json_format

    def wire(responses: list[dict[str, Any]]) -> int:
        return sum(json_format.ParseDict(r, inventory.Item()).ByteSize() for r in responses)

    one = await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": "hammer"}])
    assert one.received_bytes == wire(one.responses) > 20
    five = await call(inventory.target, f"{SERVICE}/ListItems", [{"count": 5}])
    assert five.received_bytes == wire(five.responses) > 5 * 7
    async with open_stream(inventory.target, f"{SERVICE}/ListItems") as stream:
        assert stream.received_bytes == 0
        await stream.send({"count": 2})
        async for _item in stream:
            pass
    assert stream.received_bytes == wire(five.responses[:2])
    failed = await call(inventory.target, f"{SERVICE}/Explode", [{"sku": "x"}])
    assert failed.code != "OK" and failed.received_bytes == 0


async def test_client_streaming(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/AddItems",
                        [{"quantity": 2}, {"quantity": "40"}, {}])
    assert result.code == "OK"
    assert result.responses == [{"count": 3, "total_quantity": "42"}]


async def test_client_streaming_with_no_message(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/AddItems", [])
    assert result.responses == [{}] and result.code == "OK"


async def test_bidirectional(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"/{SERVICE}/Trade",
                        [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 2}])
    assert result.code == "OK"
    assert result.responses == [{"sku": "a!", "quantity": "2"}, {"sku": "b!", "quantity": "4"}]


async def test_with_protos_instead_of_reflection(no_reflection: InventoryServer) -> None:
    result = await call(no_reflection.target, f"{SERVICE}/Trade", [{"sku": "x"}],
                        protos=[INVENTORY], import_paths=IMPORT_PATHS)
    assert result.responses == [{"sku": "x!"}]


async def test_without_reflection_or_protos_nothing_is_called(
    no_reflection: InventoryServer,
) -> None:
    # Not a result: its UNIMPLEMENTED was the reflection's, and no method was called (a
    # runner's `status eq UNIMPLEMENTED` passed on it), as grpcurl and Postman say too.
    calls = len(no_reflection.calls)
    with pytest.raises(UsageError, match=r"give \.proto files"):
        await call(no_reflection.target, f"{SERVICE}/GetItem", [{}])
    assert len(no_reflection.calls) == calls
    with pytest.raises(UsageError, match=r"give \.proto files"):
        async with open_stream(no_reflection.target, f"{SERVICE}/Trade"):
            pass


async def test_deadline_exceeded(inventory: InventoryServer) -> None:
    started = time.monotonic()
    result = await call(inventory.target, f"{SERVICE}/Wait", [{"ms": 3000}], deadline=0.3)
    assert result.code == "DEADLINE_EXCEEDED"
    assert result.responses == []
    assert time.monotonic() - started < 2


async def test_rich_error_details(inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/Explode", [{"sku": "tnt"}])
    assert result.code == "FAILED_PRECONDITION"
    assert result.details == "cannot explode tnt"
    assert result.error_details == [
        {"@type": "type.googleapis.com/google.rpc.BadRequest",
         "field_violations": [{"field": "sku", "description": "unknown"}]},
        # A type of the server's own, known from its descriptors.
        {"@type": "type.googleapis.com/test.common.Shortage", "sku": "tnt", "missing": 3},
        # A type nobody here knows: kept as it came.
        {"@type": "type.googleapis.com/nowhere.Unknown", "value": "CAE="},
    ]
    assert any(name == "grpc-status-details-bin" for name, _ in result.trailers)


async def test_a_message_that_does_not_fit_is_refused_before_sending(
    inventory: InventoryServer,
) -> None:
    await describe(inventory.target)
    before = len(inventory.calls)
    with pytest.raises(UsageError, match="quantity"):
        await call(inventory.target, f"{SERVICE}/AddItems", [{"quantity": 1}, {"quantity": "x"}])
    with pytest.raises(UsageError, match="sku"):
        await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": 5}],
                   protos=[INVENTORY], import_paths=IMPORT_PATHS)
    with pytest.raises(UsageError, match='has no field "colour"; its fields: sku'):
        await call(inventory.target, f"{SERVICE}/GetItem", [{"colour": "red"}])
    with pytest.raises(UsageError, match="JSON object"):
        await call(inventory.target, f"{SERVICE}/GetItem", ["sku"])
    with pytest.raises(UsageError, match="takes one message, not 2"):
        await call(inventory.target, f"{SERVICE}/GetItem", [{}, {}])
    assert len(inventory.calls) == before


async def test_the_method_may_be_written_as_grpcurl_takes_it(inventory: InventoryServer) -> None:
    # grpcurl takes pkg.Service.Method as well as pkg.Service/Method.
    for written in (f"{SERVICE}.GetItem", f"/{SERVICE}/GetItem", f" {SERVICE}/GetItem "):
        result = await call(inventory.target, written, [{"sku": "hammer"}])
        assert result.code == "OK" and result.responses[0]["sku"] == "hammer"
    with pytest.raises(UsageError, match=f"No method {SERVICE}/Nope in"):
        await call(inventory.target, f"{SERVICE}.Nope", [{}])


async def test_bad_arguments_are_usage_errors(inventory: InventoryServer) -> None:
    target = inventory.target
    with pytest.raises(UsageError, match=r"pkg\.Service/Method"):
        await call(target, "GetItem", [{}])
    with pytest.raises(UsageError, match=r"pkg\.Service/Method"):
        await call(target, "a b.GetItem", [{}])
    with pytest.raises(UsageError, match=f"No method {SERVICE}/Nope in {target}"):
        await call(target, f"{SERVICE}/Nope", [{}])
    with pytest.raises(UsageError, match="deadline"):
        await call(target, f"{SERVICE}/GetItem", [{}], deadline=-1)
    with pytest.raises(UsageError, match="list of JSON objects"):
        await call(target, f"{SERVICE}/GetItem", {"sku": "a"})  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="metadata"):
        await call(target, f"{SERVICE}/GetItem", [{}], metadata={"x-bad": "line\nbreak"})
    with pytest.raises(UsageError, match="base64"):
        await call(target, f"{SERVICE}/GetItem", [{}], metadata={"x-raw-bin": "!!"})
    for name in ("x@y", "x y", "caf\u00e9", ":path"):  # grpc raised a bare ExecuteBatchError
        with pytest.raises(UsageError, match="Not a metadata name"):
            await call(target, f"{SERVICE}/GetItem", [{}], metadata={name: "1"})


async def test_an_unreachable_target_is_an_unavailable_result(closed_port: int) -> None:
    result = await call(f"127.0.0.1:{closed_port}", f"{SERVICE}/GetItem", [{}])
    assert result.code == "UNAVAILABLE" and result.responses == []
    assert "Cannot reach" in result.details
    # The same with .proto files: the call itself fails.
    result = await call(f"127.0.0.1:{closed_port}", f"{SERVICE}/GetItem", [{}],
                        protos=[INVENTORY], import_paths=IMPORT_PATHS)
    assert result.code == "UNAVAILABLE"


async def test_tls_with_a_ca_file(tls_inventory: InventoryServer, ca_file: str) -> None:
    services = await describe(tls_inventory.target, ca_file=ca_file)
    assert services[0].name == SERVICE
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{"sku": "s"}],
                        tls=True, ca_file=ca_file)
    assert result.code == "OK"
    # Without trusting the CA, the handshake fails.
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}], tls=True)
    assert result.code == "UNAVAILABLE"
    # Plaintext to a TLS port.
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}])
    assert result.code == "UNAVAILABLE"


async def test_a_der_ca_file_works_and_one_with_no_certificate_is_named(
        tls_inventory: InventoryServer, ca_file: str, tmp_path: Path) -> None:
    der = tmp_path / "ca.cer"
    der.write_bytes(x509.load_pem_x509_certificate(Path(ca_file).read_bytes())
                    .public_bytes(serialization.Encoding.DER))
    result = await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=der)
    assert result.code == "OK"
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    # Not "Cannot reach ...: Failed to create security handshaker", as if the network.
    with pytest.raises(CertificateError, match=r"junk\.pem holds no certificate"):
        await call(tls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=junk)


async def test_mtls_with_a_client_certificate(
    mtls_inventory: InventoryServer, ca_file: str, client_pair: tuple[str, str],
) -> None:
    result = await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{"sku": "m"}],
                        ca_file=ca_file, client_cert=client_pair)
    assert result.code == "OK" and result.responses[0]["sku"] == "m"
    result = await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=ca_file)
    # (grpc's words, which the window adds the usual reasons to: grpc_log.status_details.)
    assert result.code == "UNAVAILABLE" and result.details.endswith(": Socket closed")
    # A server stream is read on a channel of its own (app.grpc._reader): the same TLS.
    result = await call(mtls_inventory.target, f"{SERVICE}/ListItems", [{"count": 3}],
                        ca_file=ca_file, client_cert=client_pair)
    assert result.code == "OK" and [r["sku"] for r in result.responses] == [
        "sku-0", "sku-1", "sku-2"]
    result = await call(mtls_inventory.target, f"{SERVICE}/ListItems", [{"count": 3}],
                        ca_file=ca_file)
    assert result.code == "UNAVAILABLE" and result.responses == []


async def test_mtls_with_an_encrypted_key_or_pkcs12(
    mtls_inventory: InventoryServer, ca_file: str, tls_ca: trustme.CA, tmp_path: Path,
) -> None:
    """Every form a session's ``client_cert=`` takes (SPEC 7.3) works for gRPC too; the
    decrypted key stays in memory."""
    folder = tmp_path / "mine"
    folder.mkdir()
    leaf = tls_ca.issue_cert("client@example.test")
    key = serialization.load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    secret = serialization.BestAvailableEncryption(b"open sesame")
    (folder / "client.crt").write_bytes(leaf.cert_chain_pems[0].bytes())
    (folder / "locked.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, secret))
    (folder / "client.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"client", key, cert, None, secret))  # type: ignore[arg-type]
    forms: list[object] = [
        (str(folder / "client.crt"), str(folder / "locked.key"), "open sesame"),
        ClientCertificate(folder / "client.p12", password="open sesame"),
    ]
    for form in forms:
        result = await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{"sku": "k"}],
                            ca_file=ca_file, client_cert=form)  # type: ignore[arg-type]
        assert result.code == "OK" and result.responses[0]["sku"] == "k", form
    assert not [p for p in folder.iterdir() if p.name not in
                {"client.crt", "locked.key", "client.p12"}]
    # What cannot be used is said before any call, naming the file.
    with pytest.raises(CertificateError, match=r"locked\.key.*wrong passphrase"):
        await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=ca_file,
                   client_cert=(str(folder / "client.crt"), str(folder / "locked.key"),
                                "nope"))
    with pytest.raises(CertificateError, match=r"locked\.key is encrypted"):
        await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{}], ca_file=ca_file,
                   client_cert=(str(folder / "client.crt"), str(folder / "locked.key")))
    with pytest.raises(CertificateError, match=r"client\.p12"):
        await describe(mtls_inventory.target, ca_file=ca_file,
                       client_cert=ClientCertificate(folder / "client.p12", password="no"))
    with pytest.raises(UsageError, match="client_cert must be"):
        await call(mtls_inventory.target, f"{SERVICE}/GetItem", [{}],
                   client_cert=42)  # type: ignore[arg-type]


def _tls_server(cert: trustme.LeafCert, port: int = 0) -> InventoryServer:
    return InventoryServer(port=port, credentials=grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]))


async def test_a_servers_status_that_mentions_a_handshake_is_not_sent_again() -> None:
    """Without ``verify``, a call whose handshake failed (a server with a new certificate)
    is made again once the certificate is fetched anew: nothing went. A status the server
    sent, a proxy's UNAVAILABLE naming a TLS handshake of its own, went: it is not sent
    twice."""
    server = _tls_server(trustme.CA().issue_cert("somewhere-else.test"))
    try:
        warm = await call(server.target, f"{SERVICE}/GetItem", [{"sku": "w"}], tls=True,
                          verify=False)
        assert warm.code == "OK"
        for _ in range(2):  # the first from grpc's thread, the next from the caller's loop
            before = len(server.calls)
            result = await call(server.target, f"{SERVICE}/GetItem", [{"sku": "proxy"}],
                                tls=True, verify=False)
            assert result.code == "UNAVAILABLE" and "handshake" in result.details
            assert len(server.calls) == before + 1
    finally:
        server.stop()


def test_a_script_that_never_closes_still_exits() -> None:
    """A script's calls and describe without ``verify`` left their channels open, and a
    thread of grpcio's watching one: its exit hung for good as grpcio closed it while
    collecting it (``spyglass run`` did the same). The clients close at exit now."""
    server = _tls_server(trustme.CA().issue_cert("somewhere-else.test"))
    script = (
        "import asyncio, app.grpc\n"
        "async def main():\n"
        f"    r = await app.grpc.call({server.target!r}, '{SERVICE}/GetItem', [{{}}],"
        " tls=True, verify=False)\n"
        f"    s = await app.grpc.describe({server.target!r}, tls=True, verify=False)\n"
        "    print(r.code, s[0].name, flush=True)\n"
        "asyncio.run(main())\n"
    )
    try:
        done = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True,
                              timeout=30, cwd=Path(__file__).resolve().parents[2])
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["OK", SERVICE]


async def test_without_the_check_the_servers_own_certificate_is_trusted(
    inventory: InventoryServer,
) -> None:
    """A CA nobody trusts and a name that is not the target's: ``verify=False`` calls it
    anyway, every kind of call (the server stream's synchronous channel too)."""
    server = _tls_server(trustme.CA().issue_cert("somewhere-else.test"))
    try:
        target = server.target
        # Checked, it is refused, as a certificate not trusted (without the ": OK" grpc's
        # core ends such words with).
        refused_call = await call(target, f"{SERVICE}/GetItem", [{}], tls=True)
        assert refused_call.code == "UNAVAILABLE"
        assert refused_call.details.endswith("CERTIFICATE_VERIFY_FAILED: unable to get local "
                                             "issuer certificate"), refused_call.details
        with pytest.raises(RequestError) as refused:
            await describe(target, tls=True)
        assert refused.value.kind == ErrorKind.CERTIFICATE
        services = await describe(target, tls=True, verify=False)
        assert services[0].name == SERVICE
        result = await call(target, f"{SERVICE}/GetItem", [{"sku": "v"}], tls=True,
                            verify=False)
        assert result.code == "OK" and result.responses[0]["sku"] == "v"
        result = await call(target, f"{SERVICE}/ListItems", [{"count": 2}], verify=False)
        assert result.code == "OK" and len(result.responses) == 2
        async with app.grpc.open_stream(target, f"{SERVICE}/Trade", verify=False) as stream:
            await stream.send({"sku": "t"})
            await stream.done_writing()
            answers = [response async for response in stream]
        assert stream.result is not None and stream.result.code == "OK" and answers
        # A plaintext server: the handshake fails, said as UNAVAILABLE.
        result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], verify=False)
        assert result.code == "UNAVAILABLE" and inventory.target in result.details
    finally:
        server.stop()


async def test_without_the_check_the_dates_are_still_checked(closed_port: int) -> None:
    import datetime

    expired = trustme.CA().issue_cert(
        "127.0.0.1", not_before=datetime.datetime(2020, 1, 1),
        not_after=datetime.datetime(2021, 1, 1))
    server = _tls_server(expired)
    try:
        result = await call(server.target, f"{SERVICE}/GetItem", [{}], verify=False)
        assert result.code == "UNAVAILABLE"
        assert "valid from 2020-01-01 to 2021-01-01" in result.details
        with pytest.raises(RequestError, match="valid from 2020-01-01"):
            await describe(server.target, verify=False)
    finally:
        server.stop()
    result = await call(f"127.0.0.1:{closed_port}", f"{SERVICE}/GetItem", [{}], verify=False)
    assert result.code == "UNAVAILABLE" and "Cannot reach" in result.details


async def test_an_unreadable_certificate_names_the_file(
    inventory: InventoryServer, tmp_path: object,
) -> None:
    with pytest.raises(CertificateError, match=r"nowhere\.pem"):
        await call(inventory.target, f"{SERVICE}/GetItem", [{}], ca_file="/nowhere.pem")


async def test_a_server_that_disappears_mid_stream() -> None:
    with subprocess.Popen([PYTHON, "-c", CHILD_SERVER], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        target = child.stdout.readline().strip()
        method = "spyglass.playground.Playground/Count"
        task = asyncio.ensure_future(call(target, method, [{"count": 1000, "interval": "0.05s"}]))
        async with app.grpc.open_stream(target, method) as stream:
            await stream.send({"count": 1000, "interval": "0.05s"})
            seen = [await stream.__anext__(), await stream.__anext__()]
            child.kill()
            seen += [response async for response in stream]
        assert stream.result is not None and stream.result.code == "UNAVAILABLE"
        assert [r["number"] for r in seen[:2]] == [1, 2]
        assert stream.result.responses == seen
        result = await asyncio.wait_for(task, 10)
        assert result.code == "UNAVAILABLE"
        assert len(result.responses) >= 1


async def test_calls_from_other_loops_and_threads(inventory: InventoryServer) -> None:
    method = f"{SERVICE}/GetItem"
    found: dict[str, str] = {}

    def elsewhere(name: str) -> None:
        result = asyncio.run(call(inventory.target, method, [{"sku": name}]))
        found[name] = result.responses[0]["sku"]

    threads = [threading.Thread(target=elsewhere, args=(f"t{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    here = await asyncio.gather(*(call(inventory.target, method, [{"sku": f"h{n}"}])
                                  for n in range(5)))
    for thread in threads:
        thread.join(10)
    assert found == {"t0": "t0", "t1": "t1", "t2": "t2"}
    assert [r.responses[0]["sku"] for r in here] == [f"h{n}" for n in range(5)]


async def test_cancelling_the_caller_cancels_the_call(inventory: InventoryServer) -> None:
    inventory.cancelled.clear()
    task = asyncio.ensure_future(call(inventory.target, f"{SERVICE}/Wait", [{"ms": 10000}]))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(inventory.cancelled.wait, 5)


async def test_messages_past_a_limit_are_a_result(inventory: InventoryServer) -> None:
    # This server keeps grpc's default of 4 MiB (the playground's Large test goes beyond).
    blob = base64.b64encode(b"z" * (6 << 20)).decode()
    result = await call(inventory.target, f"{SERVICE}/Trade", [{"sku": "big", "blob": blob}])
    assert result.code == "RESOURCE_EXHAUSTED"
    # The client's own limit is a setting (.proto files: reflection's answers pass it too).
    small = GrpcClient(GrpcSettings(max_message_bytes=1024))
    files = {"protos": [INVENTORY], "import_paths": IMPORT_PATHS}
    try:
        with pytest.raises(UsageError, match="more than the limit of 1024"):
            await small.call(inventory.target, f"{SERVICE}/Trade", [{"sku": "x" * 2000}],
                             **files)
        result = await small.call(inventory.target, f"{SERVICE}/ListItems", [{"count": 200}],
                                  **files)
        assert result.code == "OK" and len(result.responses) == 200
        # A reply past it (GetItem adds some 40 bytes to the sku).
        result = await small.call(inventory.target, f"{SERVICE}/GetItem",
                                  [{"sku": "x" * 1000}], **files)
        assert result.code == "RESOURCE_EXHAUSTED"
        result = await small.call(inventory.target, f"{SERVICE}/Trade", [{"sku": "x"}], **files)
        assert result.code == "OK"
    finally:
        await small.close()


async def test_close_then_call_again(inventory: InventoryServer) -> None:
    await asyncio.to_thread(app.grpc.close)
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": "again"}])
    assert result.responses[0]["sku"] == "again"


async def test_a_server_back_with_a_new_certificate_is_pinned_again() -> None:
    """Without the check, the certificate is fetched once per channel. A development server
    that makes a new one at each start: a call whose handshake fails with the old one
    fetches the new one and goes again at once (nothing was sent); so does describe (the
    picker's Refresh). A stream (the window's way) finds its channel not connected and
    fetches the certificate again first, its types known already (by reflection or from
    .proto files) or not."""
    first = _tls_server(trustme.CA().issue_cert("dev.test"))
    target, port = first.target, int(first.target.rpartition(":")[2])
    assert (await call(target, f"{SERVICE}/GetItem", [{}], verify=False)).code == "OK"
    first.stop()

    def restarted() -> InventoryServer:  # the same port, a new certificate
        return _tls_server(trustme.CA().issue_cert("dev.test"), port)

    async def stream_codes(**keywords: Any) -> list[str]:
        codes = []
        for _ in range(2):
            async with app.grpc.open_stream(target, f"{SERVICE}/GetItem", verify=False,
                                            **keywords) as stream:
                await stream.send({"sku": "s"})
            assert stream.result is not None
            codes.append(stream.result.code)
        return codes

    second = restarted()
    try:
        result = await call(target, f"{SERVICE}/GetItem", [{"sku": "new"}], verify=False)
        assert result.code == "OK" and result.responses[0]["sku"] == "new"
    finally:
        second.stop()
    third = restarted()
    try:  # the types known already (by reflection)
        assert await stream_codes() == ["OK", "OK"]
    finally:
        third.stop()
    files = {"protos": [INVENTORY], "import_paths": IMPORT_PATHS}
    fifth = restarted()
    try:
        assert await stream_codes(**files) == ["OK", "OK"]
    finally:
        fifth.stop()
    sixth = restarted()
    try:
        for method, message in (("ListItems", {"count": 2}), ("Trade", {"sku": "a"})):
            sixth.stop()  # a server stream, a bidi stream: each after a restart
            sixth = restarted()
            async with app.grpc.open_stream(target, f"{SERVICE}/{method}", verify=False,
                                            **files) as stream:
                await stream.send(message)
                await stream.done_writing()
                answers = [data async for data in stream]
            assert stream.result is not None and stream.result.code == "OK", stream.result
            assert answers, method
    finally:
        sixth.stop()
    fourth = restarted()
    try:  # describe re-pins at once: the streams after it reach the server
        assert [s.name for s in await describe(target, verify=False)] == [SERVICE]
        assert await stream_codes(protos=[INVENTORY], import_paths=IMPORT_PATHS) == ["OK", "OK"]
    finally:
        fourth.stop()
    import datetime

    expired = _tls_server(trustme.CA().issue_cert(
        "dev.test", not_before=datetime.datetime(2020, 1, 1),
        not_after=datetime.datetime(2021, 1, 1)), port)
    try:  # back with a certificate past its dates: the stream says so in words
        async with app.grpc.open_stream(target, f"{SERVICE}/GetItem", verify=False,
                                        **files) as stream:
            pass
        assert stream.result is not None and stream.result.code == "UNAVAILABLE"
        assert "valid from 2020-01-01 to 2021-01-01" in stream.result.details
    finally:
        expired.stop()


async def _forwarder(backend: list[str]) -> tuple[str, asyncio.Server]:
    """A TCP port that passes each connection on to ``backend[0]`` as it is when the
    connection comes (a rolling restart: new connections reach another server)."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = backend[0].rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    return f"127.0.0.1:{server.sockets[0].getsockname()[1]}", server


@pytest.mark.parametrize("from_files", [False, True], ids=["reflection", "proto-files"])
async def test_a_connected_channel_is_kept_when_new_connections_meet_another_certificate(
        from_files: bool) -> None:
    """Without the check: a stream under way on a connection to one server, while new
    connections reach another with its own certificate. A stream opened meanwhile goes on
    the connected channel, and the first stream is not cut (its channel is not let go for
    the other server's certificate)."""
    first_server = _tls_server(trustme.CA().issue_cert("dev.test"))
    second_server = _tls_server(trustme.CA().issue_cert("dev.test"))
    backend = [first_server.target]
    target, forwarder = await _forwarder(backend)
    files: dict[str, Any] = (
        {"protos": [INVENTORY], "import_paths": IMPORT_PATHS} if from_files else {})
    client = GrpcClient()
    try:
        async with app.grpc.open_stream(target, f"{SERVICE}/Trade", verify=False,
                                        client=client, **files) as first:
            await first.send({"sku": "one"})
            assert await first.__anext__() == {"sku": "one!"}
            backend[0] = second_server.target
            async with app.grpc.open_stream(target, f"{SERVICE}/GetItem", verify=False,
                                            client=client, **files) as second:
                await second.send({"sku": "two"})
            assert second.result is not None and second.result.code == "OK", second.result
            await first.send({"sku": "again"})
            assert await first.__anext__() == {"sku": "again!"}
        assert first.result is not None and first.result.code == "OK", first.result
    finally:
        await client.close()
        forwarder.close()
        first_server.stop()
        second_server.stop()


async def test_a_call_whose_ending_races_its_messages_keeps_its_status(
        inventory: InventoryServer) -> None:
    # The server ends a bidi stream while messages are still being written: each time its
    # own status (grpc.aio gave "INTERNAL: Internal error from Core" now and then).
    messages = [{"sku": "a"}, {"sku": "stop"}] + [{"sku": str(n)} for n in range(200)]
    for _ in range(5):
        result = await call(inventory.target, f"{SERVICE}/Trade", messages)
        assert (result.code, result.details) == ("ABORTED", "closing early")
        assert result.responses == [{"sku": "a!"}]


async def test_a_response_json_cannot_show_is_an_internal_result(
        inventory: InventoryServer) -> None:
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{"sku": "nan"}])
    assert result.code == "INTERNAL"
    assert result.details.startswith("A response could not be read:")
    assert "NaN" in result.details and result.responses == []


async def test_a_deadline_past_grpcs_reach_is_refused(inventory: InventoryServer) -> None:
    with pytest.raises(UsageError, match="at most"):
        await call(inventory.target, f"{SERVICE}/GetItem", [{}], deadline=1e10)
    result = await call(inventory.target, f"{SERVICE}/GetItem", [{}], deadline=1e9)
    assert result.code == "OK"


async def test_a_method_taking_a_well_known_type_takes_its_json_form(
        inventory: InventoryServer) -> None:
    # Stamp(google.protobuf.Timestamp) returns (google.protobuf.StringValue): as grpcurl's
    # -d '"2024-…"', not an object (which protobuf's JSON mapping refuses for a Timestamp).
    services = await describe(inventory.target)
    assert template(services, "google.protobuf.Timestamp") == "1970-01-01T00:00:00Z"
    result = await call(inventory.target, f"{SERVICE}/Stamp", ["2024-05-06T07:08:09Z"])
    assert result.code == "OK" and result.responses == ["2024-05-06T07:08:09Z"]
    with pytest.raises(UsageError, match="Timestamp"):
        await call(inventory.target, f"{SERVICE}/Stamp", [{}])
    with pytest.raises(UsageError, match=r"test\.inventory\.ItemRequest message is a JSON object"):
        await call(inventory.target, f"{SERVICE}/GetItem", ["sku-1"])


async def test_large_trailers_are_read_up_to_a_setting(inventory: InventoryServer) -> None:
    # A status whose message and rich details take some 14 KB: grpc's own limits failed
    # such a call now and then (8-16 KiB), and always past 16 KiB, as RESOURCE_EXHAUSTED.
    for _ in range(10):
        result = await call(inventory.target, f"{SERVICE}/Explode", [{"sku": "s" * 5000}])
        assert result.code == "FAILED_PRECONDITION", result.details[:200]
        assert result.error_details[1]["sku"] == "s" * 5000
    result = await call(inventory.target, f"{SERVICE}/Explode", [{"sku": "s" * 20000}])
    assert result.code == "FAILED_PRECONDITION" and len(result.details) > 20000
    small = GrpcClient(GrpcSettings(max_metadata_bytes=4096))
    try:
        result = await small.call(inventory.target, f"{SERVICE}/Explode", [{"sku": "s" * 5000}])
        assert result.code == "RESOURCE_EXHAUSTED"
    finally:
        await small.close()
    with pytest.raises(ValueError, match="max_metadata_bytes"):
        GrpcSettings(max_metadata_bytes=0)
