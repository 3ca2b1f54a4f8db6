"""The event-stream pane's filters: the list of event types seen (with counts) and a text box."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListWidget, QListWidgetItem, QWidget

__all__ = ["EventTypeList", "TextFilter"]

_TYPE = Qt.ItemDataRole.UserRole


class EventTypeList(QListWidget):
    """"All types" and each type seen with its count. Click one type to see only it,
    Ctrl+click to add others, "All types" to see everything again."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setUniformItemSizes(True)
        self._items: dict[str, QListWidgetItem] = {}
        self._shown: dict[str, int] = {}
        self._all = QListWidgetItem("All types")
        self.addItem(self._all)
        self._all.setSelected(True)
        self.itemSelectionChanged.connect(self._on_selection)
        self._quiet = False

    def update_counts(self, counts: dict[str, int], total: int) -> None:
        """Show ``counts`` (per type, in the order first seen) and ``total``."""
        if counts == self._shown and self._all.data(_TYPE) == total:
            return
        self._all.setData(_TYPE, total)
        self._all.setText(f"All types  ({total:,})")
        for name, count in counts.items():
            item = self._items.get(name)
            if item is None:
                item = self._items[name] = QListWidgetItem()
                item.setData(_TYPE, name)
                self.addItem(item)
            if self._shown.get(name) != count:
                item.setText(f"{name}  ({count:,})")
        self._shown = dict(counts)

    def reset(self) -> None:
        """Forget the types (a new stream); the selection goes back to all types."""
        self._quiet = True
        for item in self._items.values():
            self.takeItem(self.row(item))
        self._items.clear()
        self._shown = {}
        self._all.setData(_TYPE, None)
        self._all.setText("All types")
        self._all.setSelected(True)
        self._quiet = False

    def selected_types(self) -> frozenset[str] | None:
        """The types chosen, or None for all of them."""
        names = frozenset(str(i.data(_TYPE)) for i in self.selectedItems() if i is not self._all)
        return names or None

    def select_types(self, names: set[str] | frozenset[str] | None) -> None:
        """Choose ``names`` (None: all types); types not seen yet are ignored."""
        self._quiet = True
        self.clearSelection()
        chosen = [self._items[n] for n in names or () if n in self._items]
        for item in chosen or [self._all]:
            item.setSelected(True)
        self._quiet = False
        self.changed.emit()

    def _on_selection(self) -> None:
        if self._quiet:
            return
        selected = self.selectedItems()
        if self._all.isSelected() and len(selected) > 1:
            # "All types" next to some types: the user just picked one or the other.
            self._quiet = True
            if self.currentItem() is self._all:
                self.clearSelection()
                self._all.setSelected(True)
            else:
                self._all.setSelected(False)
            self._quiet = False
        elif not selected:
            self._quiet = True
            self._all.setSelected(True)
            self._quiet = False
        self.changed.emit()


class TextFilter(QLineEdit):
    """A text box that reports what was typed once typing pauses (150 ms)."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Filter by text in the type, id or data")
        self.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(lambda: self.changed.emit(self.text()))
        self.textChanged.connect(lambda _text: self._debounce.start())
        self.returnPressed.connect(self.apply_now)

    def apply_now(self) -> None:
        """Report the text at once (Enter, or a test)."""
        self._debounce.stop()
        self.changed.emit(self.text())
