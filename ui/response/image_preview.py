"""The Preview of an image body: the picture scaled to fit, its format, size and dimensions.

The image is decoded from the body's file in a worker thread (``QImage`` is safe to use off
the UI thread); a body that is not a readable image shows the decoder's reason.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.body.jobs import BodyJob
from ui.formatting import human_size

__all__ = ["ImagePreview"]

_POLL = 20


def _read_image(path: str, job: BodyJob[tuple[QImage, str, str]]) -> tuple[QImage, str, str]:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    fmt = bytes(reader.format().data()).decode("ascii", "replace").upper()
    image = reader.read()
    return image, fmt, reader.errorString()


def _checkerboard() -> QPixmap:
    tile = QPixmap(16, 16)
    tile.fill(QColor("#ffffff"))
    painter = QPainter(tile)
    painter.fillRect(QRect(0, 0, 8, 8), QColor("#e6e6e6"))
    painter.fillRect(QRect(8, 8, 8, 8), QColor("#e6e6e6"))
    painter.end()
    return tile


class _Canvas(QWidget):
    """Draws the image centred, scaled down (never up) to fit, over a checkerboard."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.image = QImage()
        self._scaled: QPixmap | None = None
        self._tile: QPixmap | None = None
        self.message = ""

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._scaled = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.image.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self.message)
            return
        area = self.rect().adjusted(8, 8, -8, -8).size()
        size = self.image.size()
        if size.width() > area.width() or size.height() > area.height():
            size = size.scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
        if self._scaled is None or self._scaled.size() != size:
            self._scaled = QPixmap.fromImage(self.image.scaled(
                size, Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        if self.image.hasAlphaChannel():
            if self._tile is None:
                self._tile = _checkerboard()
            painter.drawTiledPixmap(target, self._tile)
        painter.drawPixmap(target, self._scaled)
        painter.end()


class ImagePreview(QWidget):
    """An image body, scaled to fit, with a caption: ``PNG · 640 × 480 px · 12.3 KB``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = _Canvas(self)
        self._caption = QLabel(self)
        self._caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self._canvas, 1)
        layout.addWidget(self._caption)
        self._job: BodyJob[tuple[QImage, str, str]] | None = None
        self._size = 0
        self._poll = QTimer(self, interval=_POLL)
        self._poll.timeout.connect(self._collect)
        self.clear()

    @property
    def image(self) -> QImage:
        return self._canvas.image

    @property
    def message(self) -> str:
        """What shows instead of an image (loading, or why it could not be read)."""
        return self._canvas.message

    @property
    def caption(self) -> str:
        return self._caption.text()

    @property
    def loading(self) -> bool:
        return self._job is not None

    def clear(self, message: str = "No image") -> None:
        if self._job is not None:
            self._job.cancel()
            self._job = None
        self._poll.stop()
        self._canvas.message = message
        self._canvas.set_image(QImage())
        self._caption.setText("")

    def load(self, path: str, size: int) -> None:
        """Decode the image in the file at ``path`` (``size`` bytes) off the UI thread."""
        self.clear("Loading…")
        self._size = size
        self._job = BodyJob(partial(_read_image, path), name="image-preview").start()
        self._poll.start()

    def _collect(self) -> None:
        job = self._job
        if job is None or not job.done:
            return
        self._job = None
        self._poll.stop()
        if job.error is not None or job.result is None:
            self._canvas.message = f"This image could not be read: {job.error}"
            self._canvas.update()
            return
        image, fmt, error = job.result
        if image.isNull():
            self._canvas.message = f"This image could not be read: {error or 'unknown format'}."
            self._canvas.set_image(QImage())
            self._caption.setText(human_size(self._size))
            return
        self._canvas.set_image(image)
        self._caption.setText(f"{fmt} · {image.width()} × {image.height()} px · "
                              f"{human_size(self._size)}")

    def sizeHint(self) -> QSize:
        return QSize(480, 360)
