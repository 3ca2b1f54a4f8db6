"""The packaging's source files are valid and agree with each other (packaging/smoke.sh builds
and runs the packages themselves)."""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
APP_ID = "io.github.spyglass.Spyglass"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_starts_spyglass_with_its_icon() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "spyglass"
    assert entry["Icon"] == APP_ID
    assert entry["Name"] == "Spyglass"
    assert entry["Terminal"] == "false"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed (Debian: desktop-file-utils)")
def test_desktop_entry_is_valid() -> None:
    done = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_metainfo_names_the_desktop_entry_and_this_version() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.tag == "component"
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    launchable = component.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert component.findtext("provides/binary") == "spyglass"
    releases = [release.get("version") for release in component.iterfind("releases/release")]
    assert releases and releases[0] == VERSION, "add a <release> for the version in pyproject"


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli is not installed (Debian: appstream)")
def test_metainfo_is_valid() -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_deb_control_template_has_the_fields() -> None:
    text = (LINUX / "control.in").read_text(encoding="utf-8")
    fields = dict(line.split(":", 1) for line in text.splitlines()
                  if line and not line.startswith(" "))
    for name, value in {"Package": "spyglass", "Version": "@VERSION@", "Architecture": "@ARCH@",
                        "Maintainer": "@MAINTAINER@", "Installed-Size": "@INSTALLED_SIZE@",
                        "Depends": "@DEPENDS@", "Section": None, "Priority": None,
                        "Description": None}.items():
        assert name in fields, name
        if value is not None:
            assert fields[name].strip() == value
    # the long description: indented lines, "." for an empty one
    assert text.splitlines()[-1].startswith(" ")


@pytest.mark.parametrize("script", ["build.sh", "smoke.sh"])
def test_scripts_are_executable(script: str) -> None:
    path = ROOT / "packaging" / script
    assert os.access(path, os.X_OK)
    assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_icon_pngs_have_their_size(size: int) -> None:
    data = (ICONS / f"spyglass-{size}.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == (size, size)


def test_windows_and_macos_icons_hold_png_images() -> None:
    ico = (ICONS / "spyglass.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6])[:2] == (0, 1)  # reserved, type 1 = icon
    icns = (ICONS / "spyglass.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
