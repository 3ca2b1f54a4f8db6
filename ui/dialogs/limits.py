"""Tools ▸ Limits…: the safety limits on what a response, an event, a WebSocket or gRPC
message or an import may make the window hold, and how long a gRPC describe may take. The
values and their checks are :class:`~app.model.limit_settings.LimitSettings`; this is a form
over them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.model.limit_settings import (
    MAX_GRPC_MESSAGE_MIB,
    MAX_GRPC_SECONDS,
    MAX_RATIO,
    MAX_SIZE_MIB,
    LimitSettings,
)

__all__ = ["LimitsDialog", "ask_limits"]


def _size_box(suffix: str = " MiB", most: int = MAX_SIZE_MIB) -> QSpinBox:
    box = QSpinBox()
    box.setRange(1, most)
    box.setSuffix(suffix)
    return box


def _explained(field: QWidget, text: str) -> QWidget:
    """``field`` above its one-line explanation."""
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.setContentsMargins(0, 0, 0, 6)
    column.addWidget(field)
    note = QLabel(text)
    note.setWordWrap(True)
    note.setStyleSheet("color: palette(placeholder-text);")
    column.addWidget(note)
    return holder


class LimitsDialog(QDialog):
    """Shows ``limits`` for editing; :meth:`value` is what the form holds."""

    def __init__(self, limits: LimitSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Limits")
        self.setMinimumWidth(600)  # each explanation on a line or two
        self.ratio = QDoubleSpinBox()
        self.ratio.setRange(1, MAX_RATIO)
        self.ratio.setDecimals(0)
        self.ratio.setSuffix(" ×")
        self.ratio_on = QCheckBox("Check")
        self.ratio_on.toggled.connect(self.ratio.setEnabled)
        ratio_row = QWidget()
        row = QHBoxLayout(ratio_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.ratio_on)
        row.addWidget(self.ratio, 1)
        self.body = _size_box()
        self.event = _size_box()
        self.message = _size_box()
        self.imports = _size_box()
        self.grpc_message = _size_box(most=MAX_GRPC_MESSAGE_MIB)
        self.grpc_describe = _size_box(" s", MAX_GRPC_SECONDS)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.restore_button = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.restore_button.clicked.connect(lambda: self.show_limits(LimitSettings()))
        form = QFormLayout(self)
        form.addRow("Decompression ratio", _explained(
            ratio_row, "A compressed body that expands more than this many times is stopped "
                       "as a likely decompression bomb. Uncheck only for a trusted server."))
        form.addRow("Body held in memory", _explained(
            self.body, "The largest body read whole into memory (of an error's body, at "
                       "most 4 MiB is kept); bodies shown in a tab stream to disk."))
        form.addRow("Largest event", _explained(
            self.event, "The largest single Server-Sent Event (one line, or one event's "
                        "data); a longer one ends the stream with an error."))
        form.addRow("Largest WebSocket message", _explained(
            self.message, "The largest single message received in WebSocket and Terminal "
                          "modes; a larger one closes the connection (code 1009). Applies "
                          "from the next connection."))
        form.addRow("Largest import", _explained(
            self.imports, "The largest file or pasted text that Import… reads."))
        form.addRow("Largest gRPC message", _explained(
            self.grpc_message, "The largest single gRPC message sent or received; a larger "
                               "one fails its call. Applies to the calls started after."))
        form.addRow("gRPC reflection timeout", _explained(
            self.grpc_describe, "How long asking a server for its services (server "
                                "reflection, also before a call) may take before it fails."))
        form.addRow(buttons)
        self.show_limits(limits)

    def show_limits(self, limits: LimitSettings) -> None:
        """Put ``limits`` in the form."""
        ratio = limits.compression_ratio
        self.ratio_on.setChecked(ratio is not None)
        self.ratio.setEnabled(ratio is not None)
        self.ratio.setValue(ratio if ratio is not None else LimitSettings().compression_ratio
                            or 1)
        self.body.setValue(limits.body_mib)
        self.event.setValue(limits.event_mib)
        self.message.setValue(limits.message_mib)
        self.imports.setValue(limits.import_mib)
        self.grpc_message.setValue(limits.grpc_message_mib)
        self.grpc_describe.setValue(limits.grpc_describe_seconds)

    def value(self) -> LimitSettings:
        """The limits the form holds (the spin boxes keep each within its range)."""
        return LimitSettings(
            compression_ratio=self.ratio.value() if self.ratio_on.isChecked() else None,
            body_mib=self.body.value(), event_mib=self.event.value(),
            import_mib=self.imports.value(), message_mib=self.message.value(),
            grpc_message_mib=self.grpc_message.value(),
            grpc_describe_seconds=self.grpc_describe.value())


def ask_limits(parent: QWidget | None, limits: LimitSettings) -> LimitSettings | None:
    """The limits chosen by the user, or None when cancelled."""
    dialog = LimitsDialog(limits, parent)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.value()
    finally:
        dialog.deleteLater()
