"""``python -m app.playground [--host 127.0.0.1] [--port 0] [--terminal-command CMD] ...``.

The first line on standard output is the base URL; the terminals' token, the forward proxy,
the mTLS port and its certificate files, and the gRPC target are printed on standard error.
Ctrl+C or SIGTERM stops the server.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import shlex
import signal
import sys
from collections.abc import Sequence

from .demo_api import DEFAULT_MAX_ITEMS, DemoSettings
from .oauth_store import OAuthSettings
from .proxy import ProxySettings
from .server import RunningPlayground, start_playground
from .terminal import DEFAULT_MAX_TERMINALS

DEFAULT_HOST = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.playground",
        description="Run the Spyglass playground server. The first line printed on "
        "standard output is its base URL.",
    )
    parser.add_argument(
        "--host",
        default=None,
        help=f"address to bind (default {DEFAULT_HOST}; anything but a loopback address "
        "exposes the playground to the network)",
    )
    parser.add_argument(
        "--port", type=_port, default=0, help="port to bind (default 0: any free port)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not log each request on standard error"
    )
    parser.add_argument(
        "--terminal-command",
        type=_command,
        default=None,
        metavar="CMD",
        help="the program the /terminal endpoints run, as a shell would split it "
        "(default: $SHELL, else /bin/sh)",
    )
    parser.add_argument(
        "--max-terminals",
        type=_count,
        default=DEFAULT_MAX_TERMINALS,
        metavar="N",
        help=f"terminals open at once (default {DEFAULT_MAX_TERMINALS})",
    )
    parser.add_argument(
        "--demo-max-items",
        type=_count,
        default=DEFAULT_MAX_ITEMS,
        metavar="N",
        help=f"items the /demo API holds at once (default {DEFAULT_MAX_ITEMS})",
    )
    parser.add_argument(
        "--proxy-port",
        type=_port,
        default=0,
        help="port of the HTTP forward proxy (default 0: any free port)",
    )
    parser.add_argument("--no-proxy", action="store_true", help="start no forward proxy")
    parser.add_argument(
        "--proxy-credentials",
        type=_credentials,
        default=None,
        metavar="USER:PASSWORD",
        help="what the proxy wants (default spyglass:playground)",
    )
    parser.add_argument(
        "--mtls-port",
        type=_port,
        default=0,
        help="port of the TLS server that demands a client certificate (default 0: any)",
    )
    parser.add_argument("--no-mtls", action="store_true", help="start no mTLS port")
    parser.add_argument(
        "--grpc-port",
        type=_port,
        default=0,
        help="port of the gRPC server, plaintext with reflection (default 0: any free port)",
    )
    parser.add_argument("--no-grpc", action="store_true", help="start no gRPC server")
    parser.add_argument(
        "--oauth-expires-in",
        type=_count,
        default=OAuthSettings.expires_in,
        metavar="SECONDS",
        help=f"lifetime of the OAuth 2.0 access tokens (default {OAuthSettings.expires_in})",
    )
    parser.add_argument(
        "--oauth-device-interval",
        type=_count,
        default=OAuthSettings.device_interval,
        metavar="SECONDS",
        help="polling interval a device code grant asks for "
        f"(default {OAuthSettings.device_interval})",
    )
    return parser


def _credentials(text: str) -> ProxySettings:
    user, sep, password = text.partition(":")
    try:
        if not sep:
            raise ValueError("write them as USER:PASSWORD")
        return ProxySettings(user=user, password=password)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad proxy credentials: {exc}") from None


def _command(text: str) -> list[str]:
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"cannot read the command {text!r}: {exc}") from None
    if not argv:
        raise argparse.ArgumentTypeError("the terminal command is empty")
    return argv


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


async def _serve(host: str, args: argparse.Namespace, demo: DemoSettings) -> int:
    try:
        oauth = OAuthSettings(
            expires_in=args.oauth_expires_in, device_interval=args.oauth_device_interval
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    try:
        try:
            playground = await start_playground(
                host,
                args.port,
                access_log=not args.quiet,
                terminal_command=args.terminal_command,
                max_terminals=args.max_terminals,
                oauth_settings=oauth,
                proxy_port=None if args.no_proxy else args.proxy_port,
                proxy_settings=args.proxy_credentials,
                mtls_port=None if args.no_mtls else args.mtls_port,
                grpc_port=None if args.no_grpc else args.grpc_port,
                demo=demo,
            )
        except OSError as exc:
            print(f"error: cannot listen on {host}: {exc}", file=sys.stderr)
            return 1
        print(playground.url, flush=True)
        print(
            f"Spyglass playground listening on {playground.url} (Ctrl+C to stop)",
            file=sys.stderr,
            flush=True,
        )
        print(
            f"Terminals: {playground.url}/terminal/{{protocol}}?token={playground.token} "
            "(a new token each run)",
            file=sys.stderr,
            flush=True,
        )
        print(describe_extras(playground), file=sys.stderr, flush=True)
        try:
            await stop.wait()
        finally:
            await playground.stop()
        print("Spyglass playground stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def describe_extras(playground: RunningPlayground) -> str:
    """What a person needs to use the OAuth 2.0 provider, the proxy and the mTLS port."""
    from .oauth_store import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USER

    lines = [
        f"OAuth 2.0: {playground.url}/oauth/token, client {DEMO_CLIENT_ID} / "
        f"{DEMO_CLIENT_SECRET}, user {DEMO_USER} / {DEMO_PASSWORD}"
    ]
    if playground.proxy is not None:
        settings = playground.proxy.settings
        lines.append(
            f"Proxy: {playground.proxy_url} (user {settings.user}, password {settings.password})"
        )
    certs = playground.certificates
    if certs is not None:
        lines += [
            f"mTLS: {playground.mtls_url} (wants a client certificate; trust {certs.ca_cert})",
            f"  client certificate and key: {certs.client_cert} {certs.client_key}",
            f"  PKCS#12: {certs.client_p12} (password {certs.p12_password})",
            "  (new each run, deleted when the playground stops)",
        ]
    if playground.grpc_target is not None:
        lines.append(f"gRPC: {playground.grpc_target} (plaintext, server reflection)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    host: str = args.host if args.host is not None else DEFAULT_HOST
    if not is_loopback(host):
        print(
            f"warning: binding {host}, not a loopback address: anyone who can reach this "
            "machine can use the playground",
            file=sys.stderr,
            flush=True,
        )
    if not args.quiet:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
        )
    if args.demo_max_items < 1:
        print("error: --demo-max-items must be 1 or more", file=sys.stderr)
        return 2
    demo = DemoSettings(max_items=args.demo_max_items)
    try:
        return asyncio.run(_serve(host, args, demo))
    except KeyboardInterrupt:  # a Ctrl+C before the signal handlers were installed
        return 0


if __name__ == "__main__":
    sys.exit(main())
