"""The Spyglass entry point: ``spyglass`` and ``python -m app`` open the window.

The only module of ``app`` allowed to import the window (``ui``)."""

from __future__ import annotations

import sys

from app import __version__

__all__ = ["main"]


USAGE = """usage: spyglass [--version] [--self-check] [Qt options]

A native desktop API explorer: HTTP, uploads with progress, Server-Sent Events, WebSocket.

  --self-check  print versions, check keyring, TLS certificates, the playground and Qt's
                platform plugins; exit status 1 when a check fails"""


def main(argv: list[str] | None = None) -> int:
    # Parsed by hand: argparse costs the first frame a few milliseconds for two flags.
    args = sys.argv[1:] if argv is None else list(argv)
    if "--version" in args:
        print(f"spyglass {__version__}")
        return 0
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    if "--self-check" in args:
        from app.self_check import run_self_check
        from ui.self_check import qt_checks

        return run_self_check(qt_checks)
    from ui.app import run

    return run([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())
