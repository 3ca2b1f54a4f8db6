"""Upload progress: bytes sent of total, rate and time left, fed by the request's reporthook."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from ui.formatting import human_eta, human_rate, human_size

__all__ = ["TransferMeter", "UploadProgress"]


class TransferMeter:
    """A rate over the last few seconds (not since the start, which hides stalls)."""

    WINDOW = 3.0

    def __init__(self) -> None:
        self._samples: list[tuple[float, int]] = []

    def reset(self) -> None:
        self._samples.clear()

    def add(self, done: int, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # a new transmission (a redirect or an auth retry)
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > self.WINDOW:
            self._samples.pop(0)

    def rate(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else None


class UploadProgress(QWidget):
    """A progress bar with "12.5 MB of 50 MB · 8.1 MB/s · 5 s left"."""

    REFRESH = 1 / 30  # at most 30 repaints a second, whatever the hook's rate

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bar = QProgressBar()
        self._bar.setTextVisible(False)
        self._bar.setMaximumHeight(8)
        self._label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Uploading"))
        layout.addWidget(self._bar, 1)
        layout.addWidget(self._label)
        self._meter = TransferMeter()
        self._shown_at = 0.0
        self.sent = 0
        self.total: int | None = None
        self.hide()

    def begin(self) -> None:
        self._meter.reset()
        self.sent, self.total = 0, None
        self._bar.setRange(0, 0)
        self._label.clear()

    def update_progress(self, sent: int, total: int | None) -> None:
        self.sent, self.total = sent, total
        self._meter.add(sent)
        now = time.perf_counter()
        done = total is not None and sent >= total
        if not done and now - self._shown_at < self.REFRESH:
            return
        self._shown_at = now
        self.show()
        if total:
            # QProgressBar takes an int: per mille keeps it within range for any size.
            self._bar.setRange(0, 1000)
            self._bar.setValue(int(sent * 1000 / total))
        else:
            self._bar.setRange(0, 0)
        self._label.setText(self.describe())

    def describe(self) -> str:
        parts = [human_size(self.sent) + (f" of {human_size(self.total)}" if self.total else "")]
        rate = self._meter.rate()
        if rate:
            parts.append(human_rate(rate))
            if self.total and self.sent < self.total:
                parts.append(f"{human_eta((self.total - self.sent) / rate)} left")
        if self.total and self.sent >= self.total:
            parts.append("waiting for the response")
        return " · ".join(parts)
