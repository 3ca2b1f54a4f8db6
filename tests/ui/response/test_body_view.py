"""The response body area, driven through its real widgets: streaming without stalls, Pretty,
scrolling, find, hex, image preview, copy, save, huge single lines, cancellation."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from app.body.store import DISPLAY_WRAP
from ui.response.body_view import BodyView
from ui.response.body_viewer import PAD, LargeTextView
from ui.response.find_bar import MATCH_LIMIT
from ui.response.hex_view import HexView, hex_row
from ui.response.image_preview import ImagePreview

CHUNK = 64 * 1024


def json_body(size: int) -> bytes:
    """A minified JSON array of records, about ``size`` bytes."""
    records = [{"id": i, "name": f"user{i}", "email": f"user{i}@example.com",
                "active": i % 3 == 0, "score": i * 0.25, "tags": ["a", "b"],
                "address": {"city": "Lyon", "zip": "69001"}} for i in range(2000)]
    block = json.dumps(records, separators=(",", ":"))[1:-1].encode()
    count = max(1, size // (len(block) + 1))
    return b"[" + b",".join([block] * count) + b"]"


class StallProbe:
    """A 5 ms timer; the longest gap between its ticks is the loop's worst stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(interval=5)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def stop(self) -> float:
        self._timer.stop()
        return self.worst * 1000


def feed(view: BodyView, body: bytes, qtbot: QtBot, chunk: int = CHUNK,
         timeout: int = 120_000) -> None:
    """Append ``body`` in chunks from a 0 ms timer, as the event loop would deliver them."""
    chunks: Iterator[int] = iter(range(0, len(body), chunk))
    done = []

    def step() -> None:
        offset = next(chunks, None)
        if offset is None:
            timer.stop()
            view.finish()
            done.append(True)
            return
        view.append(body[offset:offset + chunk])

    timer = QTimer(interval=0)
    timer.timeout.connect(step)
    timer.start()
    qtbot.waitUntil(lambda: bool(done), timeout=timeout)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[BodyView]:
    widget = BodyView()
    widget.resize(900, 600)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.clear()


def text_view(view: BodyView, mode: str) -> LargeTextView:
    widget = view.view(mode)
    assert isinstance(widget, LargeTextView)
    return widget


def wait_formatted(view: BodyView, qtbot: QtBot, timeout: int = 120_000) -> None:
    qtbot.waitUntil(lambda: not view.formatting, timeout=timeout)


def test_streaming_50_mb_keeps_the_loop_responsive_then_pretty_shows(view: BodyView,
                                                                     qtbot: QtBot) -> None:
    body = json_body(50 * 1024 * 1024)
    view.begin("application/json")
    assert view.mode == "pretty"
    probe = StallProbe()
    started = time.perf_counter()
    feed(view, body, qtbot)
    streamed = time.perf_counter() - started
    stream_stall = probe.worst * 1000
    wait_formatted(view, qtbot)
    worst = probe.stop()
    print(f"\nstream_mb={len(body) / 2**20:.0f} stream_s={streamed:.2f} "
          f"stream_max_stall_ms={stream_stall:.0f} with_pretty_max_stall_ms={worst:.0f}")
    assert view.store is not None and view.store.size == len(body)
    assert worst < 500
    pretty = text_view(view, "pretty")
    assert pretty.store is view.pretty_store and view.note == ""
    assert [pretty.text_of(i) for i in range(4)] == ["[", "  {", '    "id": 0,',
                                                     '    "name": "user0",']
    assert view.pretty_store is not None and view.pretty_store.finished


def test_scrolling_to_the_end_shows_the_last_line(view: BodyView, qtbot: QtBot) -> None:
    lines = [f"line {i} " + "x" * (i % 50) for i in range(200_000)]
    view.begin("text/plain")
    feed(view, "\n".join(lines).encode(), qtbot)
    raw = text_view(view, "raw")
    assert view.mode == "raw" and raw.line_count == len(lines)
    raw.setFocus()
    qtbot.keyClick(raw, Qt.Key.Key_End)
    last = raw.visible_range()[1]
    assert last == len(lines) and raw.text_of(last - 1) == lines[-1]
    image = raw.grab()                      # paints: a screen of lines near the end
    assert not image.isNull()
    qtbot.keyClick(raw, Qt.Key.Key_Home)
    assert raw.visible_range()[0] == 0 and raw.text_of(0) == "line 0 "
    qtbot.keyClick(raw, Qt.Key.Key_PageDown)
    assert raw.visible_range()[0] == raw.page_lines()
    raw.scroll_to_line(123_456)
    assert raw.visible_range()[0] == 123_456


def test_find_counts_matches_and_moves_next_and_previous(view: BodyView, qtbot: QtBot) -> None:
    body = "\n".join(f"row {i}: {'needle' if i % 10 == 0 else 'hay'} {'NEEDLE' if i == 55 else ''}"
                     for i in range(1000)).encode()
    view.begin("text/plain")
    feed(view, body, qtbot)
    view.open_find()
    bar = view.find_bar
    assert bar.isVisible()
    qtbot.keyClicks(bar.field, "needle")
    qtbot.waitUntil(lambda: not bar.searching and bar.current == 0)
    assert len(bar.matches) == 101 and bar.count_text == "1 of 101"
    raw = text_view(view, "raw")
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.current == 1 and bar.matches[1][:3] == (10, 8, 6)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert bar.current == 100 and bar.count_text == "101 of 101"       # wrapped around
    first, last = raw.visible_range()
    assert first <= bar.matches[100].line < last                       # scrolled to it
    top = raw.visible_range()[0]
    bar.set_case_sensitive(True)            # searches again, from where the view is
    qtbot.waitUntil(lambda: not bar.searching and bar.current >= 0)
    assert len(bar.matches) == 100
    assert bar.matches[bar.current].line >= top > bar.matches[bar.current - 1].line
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible() and bar.matches == []


def test_find_starts_at_the_view_and_caps_the_matches(view: BodyView, qtbot: QtBot) -> None:
    view.begin("text/plain")
    feed(view, b"x\n" * (MATCH_LIMIT + 5000), qtbot)
    raw = text_view(view, "raw")
    raw.scroll_to_line(70_000)
    view.open_find()
    view.find_bar.field.setText("x")
    qtbot.waitUntil(lambda: not view.find_bar.searching, timeout=30_000)
    assert view.find_bar.capped and len(view.find_bar.matches) == MATCH_LIMIT
    assert view.find_bar.count_text == "70,001 of 100,000+"
    view.find_bar.field.setText("(")
    view.find_bar.set_regex(True)
    assert view.find_bar.count_text.startswith("Bad pattern")


def test_hex_view_shows_the_bytes_at_an_offset(view: BodyView, qtbot: QtBot) -> None:
    body = bytes(range(256)) * 4096                 # 1 MiB
    view.begin("application/octet-stream")
    feed(view, body, qtbot)
    assert view.kind == "binary" and view.mode == "hex"
    hexv = view.view("hex")
    assert isinstance(hexv, HexView)
    hexv.scroll_to_offset(0x81230, 4)
    top = hexv.top_row()
    assert top <= 0x81230 // 16 < top + hexv.page_rows()
    assert hex_row(0x81230, body[0x81230:0x81240]) == (
        "00081230  30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  |0123456789:;<=>?|")
    assert not hexv.grab().isNull()


def png_bytes(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#3366cc"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def test_an_image_body_shows_in_preview(view: BodyView, qtbot: QtBot) -> None:
    view.begin("image/png")
    feed(view, png_bytes(40, 30), qtbot)
    preview = view.view("preview")
    assert isinstance(preview, ImagePreview) and view.mode == "preview"
    qtbot.waitUntil(lambda: not preview.loading)
    assert (preview.image.width(), preview.image.height()) == (40, 30)
    assert preview.caption.startswith("PNG · 40 × 30 px · ")
    view.begin("image/png")
    feed(view, b"\x89PNG\r\n\x1a\nnot really", qtbot)
    qtbot.waitUntil(lambda: not preview.loading)
    assert preview.image.isNull() and preview.message.startswith("This image could not be read")


def test_save_writes_an_identical_file_and_reports_errors(view: BodyView, qtbot: QtBot,
                                                          tmp_path: Path) -> None:
    body = os.urandom(5 * 1024 * 1024 + 3)
    view.begin("application/octet-stream")
    feed(view, body, qtbot)
    target = tmp_path / "saved.bin"
    with qtbot.waitSignal(view.saved, timeout=30_000) as blocker:
        view.save_to(str(target))
    assert blocker.args == [str(target)]
    assert target.read_bytes() == body
    assert view.message.startswith("Saved 5.0 MB")
    view.save_to(str(tmp_path / "no" / "such" / "dir.bin"))
    qtbot.waitUntil(lambda: not view.saving)
    assert view.message.startswith("Could not save to") and "No such file" in view.message


def test_a_20_mb_single_line_json_is_viewable(view: BodyView, qtbot: QtBot) -> None:
    body = json_body(20 * 1024 * 1024)
    assert body.count(b"\n") == 0
    view.begin("application/json")
    feed(view, body, qtbot)
    view.set_mode("raw")
    raw = text_view(view, "raw")
    assert raw.line_count == math.ceil(len(body) / DISPLAY_WRAP)
    assert len(raw.text_of(0)) == DISPLAY_WRAP
    raw.scroll_to_line(raw.line_count)
    last = raw.visible_range()[1]
    assert last == raw.line_count and raw.text_of(last - 1).endswith("}}]")
    raw.horizontalScrollBar().setValue(raw.horizontalScrollBar().maximum())
    assert not raw.grab().isNull()
    view.set_mode("pretty")
    wait_formatted(view, qtbot)
    pretty = text_view(view, "pretty")
    assert pretty.text_of(1) == "  {"


def test_copy_selection_and_whole_body(view: BodyView, qtbot: QtBot) -> None:
    view.begin("text/plain")
    feed(view, "first line\nsecond é line\nthird\n".encode(), qtbot)
    raw = text_view(view, "raw")
    raw.select((0, 6), (1, 8))
    raw.copy()
    assert QGuiApplication.clipboard().text() == "line\nsecond é"
    raw.setFocus()
    qtbot.keyClick(raw, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(raw, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "first line\nsecond é line\nthird\n"
    raw.select((0, 0), (0, 0))
    qtbot.keyClick(raw, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(raw, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    raw.copy()
    assert QGuiApplication.clipboard().text() == "first line\ns"
    view.copy_body()
    assert QGuiApplication.clipboard().text() == "first line\nsecond é line\nthird\n"
    assert view.message == "Copied 32 bytes."


def test_mouse_selects_drags_extends_and_picks_words(view: BodyView, qtbot: QtBot) -> None:
    view.begin("text/plain")
    feed(view, b"alpha beta gamma\ndelta epsilon\n", qtbot)
    raw = text_view(view, "raw")
    port = raw.viewport()

    def at(line: int, col: int) -> QPoint:
        return QPoint(round(PAD + col * raw._cw), line * raw._lh + raw._lh // 2)

    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=at(0, 6))
    qtbot.mouseMove(port, at(1, 5))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=at(1, 5))
    assert raw.selected_text() == ("beta gamma\ndelta", 16)
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=at(1, 13))
    assert raw.selected_text()[0] == "beta gamma\ndelta epsilon"
    qtbot.mouseDClick(port, Qt.MouseButton.LeftButton, pos=at(1, 9))
    assert raw.selected_text()[0] == "epsilon"
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, pos=at(0, 2))
    assert not raw.has_selection()


def test_modes_follow_the_kind(view: BodyView, qtbot: QtBot) -> None:
    def enabled() -> dict[str, bool]:
        return {mode: view._buttons[mode].isEnabled() for mode in ("pretty", "raw", "hex",
                                                                    "preview")}

    view.begin("text/plain")
    feed(view, b"hello", qtbot)
    assert view.mode == "raw" and enabled() == {"pretty": False, "raw": True, "hex": True,
                                                "preview": False}
    view.begin("")                          # sniffed from the first bytes
    feed(view, b'  {"a": [1, 2]}' + b" " * 600, qtbot)
    assert view.kind == "json" and view.mode == "pretty"
    wait_formatted(view, qtbot)
    assert text_view(view, "pretty").text_of(1) == '  "a": ['
    view.set_mode("hex")
    assert view.mode == "hex"
    view.set_mode("preview")
    assert view.mode == "hex"


def test_broken_json_stays_raw_with_a_note(view: BodyView, qtbot: QtBot) -> None:
    view.begin("application/json")
    feed(view, b'{"a": [1, 2,]}', qtbot)
    wait_formatted(view, qtbot)
    assert "Not valid JSON" in view.note and "column 13" in view.note
    assert text_view(view, "pretty").text_of(0) == '{"a": [1, 2,]}'


def files_of(view: BodyView) -> list[str]:
    return [s.path for s in (view.store, view.pretty_store) if s is not None]


def test_clear_and_begin_cancel_the_work_and_delete_the_files(view: BodyView, qtbot: QtBot) -> None:
    body = json_body(30 * 1024 * 1024)
    view.begin("application/json")
    feed(view, body, qtbot)
    assert view.formatting
    paths = files_of(view)
    assert all(os.path.exists(p) for p in paths)
    view.cancel_formatting()
    qtbot.waitUntil(lambda: not view.formatting)
    assert view.note.startswith("Formatting cancelled")
    view.begin("application/json")
    assert not any(os.path.exists(p) for p in paths)
    feed(view, body[:2 * CHUNK], qtbot)
    view.clear()
    assert view.store is None and not view.formatting


def test_destroying_the_view_deletes_its_files(qtbot: QtBot) -> None:
    widget = BodyView()
    widget.begin("application/json")
    widget.append(b'{"a": 1}')
    widget.finish()
    paths = files_of(widget)
    qtbot.waitUntil(lambda: not widget.formatting)
    paths = files_of(widget)
    assert len(paths) == 2
    destroyed: list[bool] = []
    widget.destroyed.connect(lambda: destroyed.append(True))
    widget.deleteLater()
    qtbot.waitUntil(lambda: bool(destroyed))
    assert not any(os.path.exists(p) for p in paths)
