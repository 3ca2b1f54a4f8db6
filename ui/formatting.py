"""Numbers as people read them: sizes, durations, rates."""

from __future__ import annotations

__all__ = ["human_duration", "human_eta", "human_rate", "human_size"]


def human_size(n: float) -> str:
    """``512`` -> ``512 bytes``, ``1536`` -> ``1.5 KB`` (powers of 1024, as file managers show
    them): the one way Spyglass writes a size."""
    if n < 1024:
        return f"{int(n)} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            return f"{n:.1f} {unit}" if n < 100 else f"{n:.0f} {unit}"
    raise AssertionError("unreachable")


def human_duration(seconds: float) -> str:
    """``0.0123`` -> ``12 ms``; ``75`` -> ``1 min 15 s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.001 else f"{seconds * 1000:.2f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s"


def human_eta(seconds: float) -> str:
    """Time left, as precise as it is worth: ``42 s``, ``3 min 5 s``."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return human_duration(seconds)


def human_rate(bytes_per_second: float) -> str:
    return f"{human_size(bytes_per_second)}/s"
