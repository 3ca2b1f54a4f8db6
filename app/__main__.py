"""The Spyglass entry point: ``spyglass`` and ``python -m app`` open the window.

The only module of ``app`` allowed to import the window (``ui``)."""

from __future__ import annotations

import sys

from app import __version__

__all__ = ["main"]


USAGE = """usage: spyglass [--version] [Qt options]

A native desktop API explorer: HTTP, uploads with progress, Server-Sent Events, WebSocket."""


def main(argv: list[str] | None = None) -> int:
    # Parsed by hand: argparse costs the first frame a few milliseconds for two flags.
    args = sys.argv[1:] if argv is None else list(argv)
    if "--version" in args:
        print(f"spyglass {__version__}")
        return 0
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    from ui.app import run

    return run([sys.argv[0], *args])


if __name__ == "__main__":
    sys.exit(main())
