"""The output ``bench/terminal.py`` floods a terminal with: what real programs write, mixed.

Four kinds, interleaved in blocks so that every slice of the stream holds several: plain
log lines (``tail -f``), lines in SGR colours of every depth (``ls --color``, compilers,
``git log --graph``), cursor addressing with erasing (``top``-style status updates), and
full-screen redraws on the alternate screen (``htop``, ``vim``). The same seed gives the
same bytes.
"""

from __future__ import annotations

import random

__all__ = ["mixed_output"]

_WORDS = ("request", "response", "stream", "socket", "terminal", "header", "body", "cookie",
          "token", "proxy", "retry", "deadline", "chunk", "frame", "event", "session")


def _plain(rng: random.Random, n: int) -> str:
    return "".join(f"{i:06d} INFO " + " ".join(rng.choices(_WORDS, k=8)) + "\r\n"
                   for i in range(n))


def _coloured(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        a, b, c = rng.randrange(8), rng.randrange(256), [rng.randrange(256) for _ in range(3)]
        out.append(f"\x1b[1;3{a}m{rng.choice(_WORDS)}\x1b[0m \x1b[38;5;{b}m{rng.choice(_WORDS)}"
                   f"\x1b[0m \x1b[48;2;{c[0]};{c[1]};{c[2]}m{rng.choice(_WORDS)}\x1b[0m "
                   f"\x1b[3;4m{rng.choice(_WORDS)}\x1b[23;24m \x1b[7mrev\x1b[27m 漢字 ok\r\n")
    return "".join(out)


def _addressed(rng: random.Random, n: int) -> str:
    out = ["\x1b7"]
    for _ in range(n):
        row, col = rng.randrange(1, 25), rng.randrange(1, 60)
        out.append(f"\x1b[{row};{col}H\x1b[K\x1b[32m{rng.random() * 100:6.2f}%\x1b[0m "
                   f"{rng.choice(_WORDS)}")
    out.append("\x1b8\r\n")
    return "".join(out)


def _full_screen(rng: random.Random, rows: int = 24, cols: int = 80) -> str:
    out = ["\x1b[?1049h\x1b[H\x1b[2J"]
    for row in range(1, rows + 1):
        colour = 16 + rng.randrange(216)
        text = " ".join(rng.choices(_WORDS, k=12))[:cols - 1]
        out.append(f"\x1b[{row};1H\x1b[48;5;{colour}m{text}\x1b[K\x1b[0m")
    out.append("\x1b[?1049l")
    return "".join(out)


def mixed_output(size: int, seed: int = 7) -> bytes:
    """About ``size`` bytes of mixed terminal output (at least ``size``)."""
    rng = random.Random(seed)
    blocks: list[bytes] = []
    total = 0
    while total < size:
        for block in (_plain(rng, 40), _coloured(rng, 20), _addressed(rng, 30),
                      _full_screen(rng)):
            data = block.encode()
            blocks.append(data)
            total += len(data)
    return b"".join(blocks)
