"""What the window costs while nobody uses it: Spyglass (`python -m app`, one request tab)
against an empty PySide6 window, each left idle for 10 s.

Both are started as fresh processes, offscreen, with an empty configuration folder, and
given a few seconds to settle (the window builds its sidebar and tab after the first frame
and loads the request library on a thread). Then the CPU time each uses over the next 10 s
is read from /proc, and its resident memory at the end. Linux only.

Prints `idle_rss_vs_empty=R idle_cpu_percent=P` as its last line: R is Spyglass's RSS over
the empty window's, P the CPU Spyglass used while idle as a percentage of one core.
Goals: R <= 1.5, P <= 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMPTY_WINDOW = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.resize(1280, 820)
w.show()
app.exec()
"""


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def idle(cmd: list[str], env: dict[str, str], settle: float, seconds: float
         ) -> tuple[float, float]:
    """(RSS in MiB after the idle period, CPU percent of one core during it)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd} exited with {proc.returncode}")
        cpu = cpu_seconds(proc.pid)
        begun = time.perf_counter()
        time.sleep(seconds)
        used = cpu_seconds(proc.pid) - cpu
        elapsed = time.perf_counter() - begun
        return rss_mib(proc.pid), 100 * used / elapsed
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=4.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as config:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=config,
                   XDG_DATA_HOME=config, XDG_STATE_HOME=config, XDG_CACHE_HOME=config,
                   QT_LOGGING_RULES="default.warning=false")
        env.pop("SPYGLASS_STARTUP_PROBE", None)
        app_rss, app_cpu = idle([sys.executable, "-m", "app"], env, args.settle, args.seconds)
        empty_rss, empty_cpu = idle([sys.executable, "-c", EMPTY_WINDOW], env, args.settle,
                                    args.seconds)
    print(f"spyglass rss {app_rss:.0f} MiB cpu {app_cpu:.2f}%, "
          f"empty window rss {empty_rss:.0f} MiB cpu {empty_cpu:.2f}%")
    print(f"idle_rss_vs_empty={app_rss / empty_rss:.2f} idle_cpu_percent={app_cpu:.2f}")


if __name__ == "__main__":
    main()
