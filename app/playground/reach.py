"""What a started playground adds beside its main port, to try reaching guarded endpoints:
an HTTP forward proxy (:mod:`app.playground.proxy`) and an mTLS port that serves the same
application but demands a client certificate from the playground's own CA
(:mod:`app.playground.certs`), and a gRPC server on a port of its own
(:mod:`app.playground.grpc_server`). They start with the playground and stop with it; the
index page shows where they are and the credentials they want.
"""

from __future__ import annotations

import asyncio
import functools
import html
import socket
from dataclasses import dataclass

from aiohttp import web

from ._common import format_url, json_response
from .certs import PlaygroundCertificates, make_certificates, server_context
from .grpc_server import SERVICE, GrpcPlaygroundSettings, RunningGrpc, start_grpc_server
from .oauth_store import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USER
from .proxy import ForwardProxy, ProxySettings

__all__ = ["GRPC_METHODS", "REACH", "Reach", "grpc_html", "reach_html", "routes", "start_reach"]

#: The playground's gRPC methods, as the index page describes them.
GRPC_METHODS = (
    ("Echo", "unary: the text back, the request's metadata in the reply, a header and a "
     "trailer"),
    ("Count", "server streaming: count numbered messages, interval apart"),
    ("Sum", "client streaming: the sum of the numbers sent"),
    ("Chat", "bidirectional: each message answered as it comes"),
    ("Fail", "INVALID_ARGUMENT with rich details (google.rpc.BadRequest, ErrorInfo)"),
    ("Slow", "answers after delay: try a deadline"),
    ("Large", "a reply of size bytes, and the size of the payload sent"),
)


@dataclass
class Reach:
    """The proxy and the mTLS port of one run (None where they were not asked for)."""

    proxy: ForwardProxy | None = None
    proxy_url: str | None = None
    mtls_url: str | None = None
    certificates: PlaygroundCertificates | None = None
    grpc: RunningGrpc | None = None

    @property
    def grpc_target(self) -> str | None:
        return self.grpc.target if self.grpc is not None else None

    async def stop(self) -> None:
        """Close the proxy and the gRPC server and remove the certificates' folder (the mTLS
        port closes with the playground's runner)."""
        proxy, self.proxy = self.proxy, None
        grpc_server, self.grpc = self.grpc, None
        try:
            if proxy is not None:
                await proxy.stop()
        finally:
            try:
                if grpc_server is not None:
                    await asyncio.get_running_loop().run_in_executor(None, grpc_server.stop)
            finally:
                if self.certificates is not None:
                    self.certificates.remove()


REACH: web.AppKey[Reach] = web.AppKey("playground_reach", Reach)
routes = web.RouteTableDef()


async def start_reach(
    runner: web.AppRunner,
    host: str,
    *,
    proxy_port: int | None,
    proxy_settings: ProxySettings | None,
    mtls_port: int | None,
    grpc_port: int | None = None,
    grpc_settings: GrpcPlaygroundSettings | None = None,
) -> Reach:
    """Start the proxy, the mTLS port and the gRPC server (each unless its port is None)
    beside ``runner``'s application, and record them in its :data:`REACH`; on failure
    nothing is left running but the runner, which the caller cleans up."""
    reach = runner.app[REACH]
    try:
        if proxy_port is not None:
            reach.proxy = ForwardProxy(proxy_settings)
            bound_host, bound_port = await reach.proxy.start(host, proxy_port)
            reach.proxy_url = format_url(host or bound_host, bound_port)
        if mtls_port is not None:
            reach.certificates = make_certificates()
            # A socket bound here, so that the port it got is known (port 0: any free one).
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.create_server((host, mtls_port), family=family)
            try:
                site = web.SockSite(runner, sock, ssl_context=server_context(reach.certificates))
                await site.start()
            except BaseException:
                sock.close()
                raise
            reach.mtls_url = format_url(host, int(sock.getsockname()[1]), "https")
        if grpc_port is not None:
            # Blocking for milliseconds (protoc compiles playground.proto): off the loop.
            reach.grpc = await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(start_grpc_server, host, grpc_port, grpc_settings))
    except BaseException:
        await reach.stop()
        raise
    return reach


@routes.get("/tls/client")
async def tls_client(request: web.Request) -> web.StreamResponse:
    """The client certificate the connection presented (the mTLS port's proof)."""
    transport = request.transport
    peer = transport.get_extra_info("peercert") if transport is not None else None
    if transport is None or transport.get_extra_info("sslcontext") is None:
        return json_response({"error": "this is the plain port: ask the mTLS port (its URL "
                              "is on the index page)"}, status=400)
    if not peer:
        return json_response({"error": "no client certificate"}, status=400)
    subject = {k: v for rdn in peer.get("subject", ()) for k, v in rdn}
    issuer = {k: v for rdn in peer.get("issuer", ()) for k, v in rdn}
    return json_response({"subject": subject, "issuer": issuer,
                          "not_after": peer.get("notAfter"),
                          "serial": peer.get("serialNumber")})


def _row(name: str, value: str | None) -> str:
    shown = "<i>not running</i>" if value is None else f"<code>{html.escape(value)}</code>"
    return f"<tr><td>{html.escape(name)}</td><td>{shown}</td></tr>"


def reach_html(reach: Reach | None) -> str:
    """The index page's section: the OAuth 2.0 demo client, the proxy and the mTLS port."""
    proxy = reach.proxy if reach is not None else None
    certs = reach.certificates if reach is not None else None
    rows = [
        "<h2>OAuth 2.0, the proxy and client certificates</h2>",
        "<p>Demo credentials for a local toy: never use them elsewhere.</p><table>",
        _row("OAuth 2.0 client ID", DEMO_CLIENT_ID),
        _row("OAuth 2.0 client secret", DEMO_CLIENT_SECRET),
        _row("OAuth 2.0 user (password grant, approvals)", f"{DEMO_USER} / {DEMO_PASSWORD}"),
        _row("Proxy (HTTP, CONNECT)", reach.proxy_url if reach is not None else None),
        _row("Proxy user / password",
             f"{proxy.settings.user} / {proxy.settings.password}" if proxy else None),
        _row("mTLS port (wants a client certificate)",
             reach.mtls_url if reach is not None else None),
        _row("gRPC (plaintext, server reflection v1 and v1alpha)",
             reach.grpc_target if reach is not None else None),
    ]
    if certs is not None:
        rows += [
            _row("CA certificate (trust it for the mTLS port)", str(certs.ca_cert)),
            _row("Client certificate (PEM)", str(certs.client_cert)),
            _row("Client key (PEM)", str(certs.client_key)),
            _row("Client certificate and key (PKCS#12)", str(certs.client_p12)),
            _row("PKCS#12 password", certs.p12_password),
        ]
    rows.append("</table><p>The certificates are new each run and deleted when the "
                "playground stops.</p>")
    rows.append(grpc_html(reach.grpc_target if reach is not None else None))
    return "\n".join(rows)


def grpc_html(target: str | None) -> str:
    """The index page's gRPC section: the service's methods, and where it listens."""
    where = ("<i>not running</i>" if target is None
             else f"<code>{html.escape(target)}</code>")
    items = "".join(f"<li><code>{html.escape(SERVICE)}/{html.escape(name)}</code>: "
                    f"{html.escape(text)}</li>" for name, text in GRPC_METHODS)
    return (f"<h2>gRPC</h2><p>{where}: the service <code>{html.escape(SERVICE)}</code> "
            "(described by server reflection; its .proto is <code>app/playground/"
            f"playground.proto</code>).</p><ul>{items}</ul>")
