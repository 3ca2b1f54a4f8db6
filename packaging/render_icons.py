"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the SVG source.

    .venv/bin/python packaging/render_icons.py

Writes ``resources/icons/spyglass-N.png`` (N = 16 ... 512), ``spyglass.ico`` and
``spyglass.icns``; they are committed, so a build needs neither this script nor a renderer.
Run it again after changing ``resources/icons/spyglass.svg``. Both container formats hold PNG
images, which every Windows since Vista and every macOS since 10.7 read.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

__all__ = ["PNG_SIZES", "icns", "ico", "main", "render"]

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: icns element types holding PNG data, by pixel size (the @2x types share sizes).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
    (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512),
)


def render(svg: Path, size: int) -> bytes:
    """The SVG drawn at size x size pixels, as PNG bytes (needs a QGuiApplication)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A .ico file holding the given PNG images (size 256 is written as 0, as the format says)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    """An .icns file: a big-endian 'icns' header, then one (type, length, PNG) element each."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
                    for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    svg = ICONS / "spyglass.svg"
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render(svg, size) for size in sizes}
    for size in PNG_SIZES:
        (ICONS / f"spyglass-{size}.png").write_bytes(pngs[size])
    (ICONS / "spyglass.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (ICONS / "spyglass.icns").write_bytes(icns(pngs))
    del app
    print(f"wrote {len(PNG_SIZES)} PNGs, spyglass.ico and spyglass.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
