"""A real PNG image generated with zlib and struct (no imaging library needed)."""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def gradient_png(width: int = 64, height: int = 64) -> bytes:
    """An 8-bit RGB PNG: red grows to the right, green downwards, blue along the diagonal."""
    if not (1 <= width <= 4096 and 1 <= height <= 4096):
        raise ValueError("width and height must be between 1 and 4096")
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type 0 (None) for every scanline
        for x in range(width):
            red = x * 255 // max(width - 1, 1)
            green = y * 255 // max(height - 1, 1)
            blue = 255 - (x + y) * 255 // max(width + height - 2, 1)
            rows += bytes((red, green, blue))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, truecolour
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


#: The image served at ``/image.png``, built once at import.
IMAGE_PNG: bytes = gradient_png(64, 64)
