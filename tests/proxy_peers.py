"""Proxies nobody here wrote (proxy.py, pproxy), each run as a process of its own for the tests
that go through one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil


class Peer:
    """A proxy running in its own process group, on a free port of 127.0.0.1."""

    def __init__(self, args: list[str], port: int, log: Path) -> None:
        self.port = port
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", *args], stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{args[0]} did not start: {log.read_text()}") from None
                time.sleep(0.05)

    def ports(self) -> set[int]:
        """The local ports of every connection the proxy's processes hold now."""
        found: set[int] = set()
        root = psutil.Process(self.process.pid)
        for process in [root, *root.children(recursive=True)]:
            found.update(c.laddr.port for c in process.net_connections(kind="tcp"))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this test started
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_proxy(folder: Path, user: str, password: str) -> Peer:
    """proxy.py on a free port, wanting ``user``/``password`` (Basic), logging into ``folder``."""
    port = free_port()
    return Peer(["proxy", "--hostname", "127.0.0.1", "--port", str(port), "--basic-auth",
                 f"{user}:{password}", "--num-acceptors", "1", "--num-workers", "1"],
                port, folder / "proxy.log")


#: The environment variables a proxy can come from (each also in upper case).
PROXY_VARIABLES = ("grpc_proxy", "http_proxy", "https_proxy", "all_proxy", "no_proxy")


def clear_proxy_environment(monkeypatch: Any) -> None:
    """The machine's own proxy settings play no part (tests set what they need)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
