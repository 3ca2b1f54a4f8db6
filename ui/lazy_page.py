"""Pages built the first time they are shown.

A request tab has many pages nobody looks at in most sessions (a request's Auth, Options and
Tests, a response's Headers and Timing); each is dozens of native widgets, and a window keeps
them all (bench/idle.py). A :class:`LazyPage` stands in a ``QTabWidget`` or
``QStackedWidget`` in the page's place, with its tab title, tooltip and margins, and builds the
page when it is first made current (:func:`build_on_show`) or first asked for
(:meth:`LazyPage.page`). What the page would show meanwhile is its owner's to keep: see
``RequestEditor``, which keeps a loaded model's values until the page exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

__all__ = ["LazyPage", "build_on_show"]

W = TypeVar("W", bound=QWidget)


class LazyPage(QWidget, Generic[W]):
    """The place of a page made by ``build``, which runs once, at the first :meth:`page`.

    :attr:`built` carries the page, once it exists. ``margins`` (left, top, right, bottom)
    are kept around it."""

    built = Signal(QWidget)

    def __init__(self, build: Callable[[], W], margins: tuple[int, int, int, int] = (0, 0, 0, 0),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build: Callable[[], W] | None = build
        self._page: W | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*margins)

    @property
    def is_built(self) -> bool:
        """Whether the page exists."""
        return self._page is not None

    def page(self) -> W:
        """The page, built now if it was not."""
        if self._page is None:
            build, self._build = self._build, None
            assert build is not None  # only ever cleared once the page exists
            page = self._page = build()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(page)
            self.setFocusProxy(page)
            # Shown at once (a page added to a shown holder would appear an event later, and
            # whoever asked for it may look at it now).
            page.show()
            self.built.emit(page)
        return self._page

    def built_page(self) -> W | None:
        """The page if it was built (None: not yet; nothing is built by asking)."""
        return self._page


def build_on_show(container: QTabWidget | QStackedWidget, *, now: bool = True) -> None:
    """Build each :class:`LazyPage` of ``container`` when it becomes the current page; the
    current one at once unless not ``now`` (a container not shown yet builds it itself)."""

    def on_current(index: int) -> None:
        holder = container.widget(index)
        if isinstance(holder, LazyPage):
            holder.page()

    container.currentChanged.connect(on_current)
    if now:
        on_current(container.currentIndex())
