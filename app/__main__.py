"""The Spyglass entry point: ``spyglass`` and ``python -m app`` open the window.

The only module of ``app`` allowed to import the window (``ui``)."""

from __future__ import annotations

import argparse
import sys

from app import __version__

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spyglass", description="A native desktop API explorer.")
    parser.add_argument("--version", action="version", version=f"spyglass {__version__}")
    args, qt_args = parser.parse_known_args(argv)
    del args
    from ui.app import run

    return run([sys.argv[0], *qt_args])


if __name__ == "__main__":
    sys.exit(main())
