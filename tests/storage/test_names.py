"""Names an import brings, made safe for every file system (app/storage/names.py and
folder_name in app/interchange/common.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.interchange.common import NAME_BYTES, comment_text, folder_name
from app.storage.names import truncate_utf8, windows_safe
from app.storage.workspace import slugify


@pytest.mark.parametrize(("name", "safe"), [
    ("CON", "CON_"), ("con", "con_"), ("Aux", "Aux_"), ("NUL.txt", "NUL_.txt"),
    ("prn.tar.gz", "prn_.tar.gz"), ("COM1", "COM1_"), ("lpt9.log", "lpt9_.log"),
    ("COM¹", "COM¹_"), ("CONIN$", "CONIN$_"), ("name.", "name._"), ("name ", "name _"),
    ("COM10", "COM10"), ("CONSOLE", "CONSOLE"), ("icon", "icon"), ("Shop", "Shop"),
])
def test_windows_safe(name: str, safe: str) -> None:
    assert windows_safe(name) == safe


def test_folder_names_from_imports() -> None:
    assert folder_name("😀" * 100) == "😀" * 25
    assert folder_name("a\nb\x7fc\u2028d") == "a-b-c-d"
    assert folder_name("nul.") == "nul_._"  # a device name, then a trailing dot
    assert folder_name("...") == "Imported"
    assert slugify("CON") == "con_" and slugify("Get user") == "get-user"


def test_truncate_utf8_cuts_at_a_character() -> None:
    assert truncate_utf8("aé", 2) == "a"
    assert truncate_utf8("abc", 5) == "abc"


@given(st.text(max_size=300))
def test_folder_name_is_safe_and_stable(name: str) -> None:
    safe = folder_name(name)
    assert safe and len(safe.encode()) <= NAME_BYTES + 1  # + the "_" of a device name
    assert not any(c in safe for c in '/\\:*?"<>|')
    assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in safe)
    assert not safe.startswith(".") and not safe.endswith((".", " "))
    assert folder_name(safe) == safe


@given(st.text(max_size=100))
def test_comment_text_is_one_line(text: str) -> None:
    assert len(comment_text(text).splitlines()) <= 1
