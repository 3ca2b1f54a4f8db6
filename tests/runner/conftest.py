"""Fixtures of the runner's tests: the playground on a thread of its own (the engine's
tests and ``spyglass run`` in a child process both talk to it) and workspaces written as
plain files, the way a user or git leaves them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.playground.background import BackgroundPlayground


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    """The playground's base URL."""
    playground = BackgroundPlayground()
    yield playground.start()
    playground.stop()


def write_workspace(root: Path, files: dict[str, str]) -> Path:
    """Write request files (``"API/login.yaml": text``) under ``root``, each folder's order
    being the order given; returns ``root``."""
    orders: dict[Path, list[str]] = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if path.name != "collection.yaml":
            orders.setdefault(path.parent, []).append(path.name)
    for folder, names in orders.items():
        order = folder / "collection.yaml"
        if not order.exists():
            order.write_text("order: [" + ", ".join(names) + "]\n", encoding="utf-8")
    return root
