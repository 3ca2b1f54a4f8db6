"""npm packages a bench compares against or streams from, installed once under ``build/``
(from the npm registry; later runs reuse them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["npm_ready"]


def npm_ready(folder: Path, packages: list[str], marker: Path) -> str:
    """Why ``packages`` cannot be used ("" when they can), installing them into ``folder``
    with npm first when ``marker`` (a file they bring) is missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        return "npm or node is not installed"
    if marker.exists():
        return ""
    print(f"installing {' '.join(packages)} with npm into {folder} (from the npm registry)...",
          flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                           *packages], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not marker.exists():
        return f"npm install {' '.join(packages)} failed: {done.stderr.strip()[-500:]}"
    return ""
