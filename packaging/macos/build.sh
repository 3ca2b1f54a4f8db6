#!/usr/bin/env bash
# Build Spyglass for macOS, on a Mac: Spyglass.app (PyInstaller), its self-check, and
#   dist/Spyglass-VERSION-macos-ARCH.dmg   (hdiutil; drag Spyglass to Applications)
#
#   packaging/macos/build.sh
#
# Environment: PYTHON (default python3, 3.11+). CODESIGN_IDENTITY: a "Developer ID Application"
# identity to sign with (the spec passes it to PyInstaller); without it the app is signed ad hoc,
# and Gatekeeper asks the user to confirm the first start (right click > Open). Notarizing
# (xcrun notarytool) needs an Apple account and is not done here.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-python3}
VENV=build/venv
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(uname -m)
APP=build/dist/Spyglass.app
DMG=dist/Spyglass-$VERSION-macos-$ARCH.dmg

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
deps=()
while IFS= read -r dep; do deps+=("$dep"); done < <("$VENV/bin/python" -c 'import tomllib
for dep in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    print(dep)')
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "${deps[@]}" "pyinstaller>=6.10,<7" certifi

"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller packaging/spyglass.spec

QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/spyglass" --self-check

stage=build/dmg
rm -rf "$stage"
mkdir -p "$stage" dist
ditto "$APP" "$stage/Spyglass.app"
ln -s /Applications "$stage/Applications"
rm -f "$DMG"
hdiutil create -volname "Spyglass $VERSION" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG"
echo "$DMG: $(du -h "$DMG" | cut -f1); Spyglass.app: $(du -sh "$APP" | cut -f1)"
