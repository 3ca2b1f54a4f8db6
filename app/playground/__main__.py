"""``python -m app.playground [--host 127.0.0.1] [--port 0] [--terminal-command CMD]``.

The first line on standard output is the base URL; the terminals' token is printed on
standard error. Ctrl+C or SIGTERM stops the server.
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
from .server import start_playground
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
    return parser


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


async def _serve(
    host: str,
    port: int,
    quiet: bool,
    terminal_command: list[str] | None,
    max_terminals: int,
    demo: DemoSettings | None = None,
) -> int:
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
                port,
                access_log=not quiet,
                terminal_command=terminal_command,
                max_terminals=max_terminals,
                demo=demo,
            )
        except OSError as exc:
            print(f"error: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
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
        try:
            await stop.wait()
        finally:
            await playground.stop()
        print("Spyglass playground stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


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
        return asyncio.run(
            _serve(host, args.port, args.quiet, args.terminal_command, args.max_terminals, demo)
        )
    except KeyboardInterrupt:  # a Ctrl+C before the signal handlers were installed
        return 0


if __name__ == "__main__":
    sys.exit(main())
