#!/usr/bin/env bash
# Pack the bundle that packaging/build.sh made as dist/Spyglass-VERSION-x86_64.AppImage.
#
#   APPIMAGETOOL=/path/to/appimagetool packaging/linux/appimage.sh
#
# Used by the release workflow, which downloads appimagetool (this project's machines cannot).
# Like the tarball, the AppImage leaves the desktop's libraries (X11/xcb, Wayland, OpenGL,
# fontconfig, GLib, D-Bus) to the system: the .deb's Depends list them.
set -euo pipefail
cd "$(dirname "$0")/../.."

APP_ID=io.github.spyglass.Spyglass
TOOL=${APPIMAGETOOL:?set APPIMAGETOOL to the appimagetool program}
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
MACHINE=$(uname -m)
BUNDLE=build/dist/spyglass
APPDIR=build/AppDir
OUTPUT=dist/Spyglass-$VERSION-$MACHINE.AppImage
[ -x "$BUNDLE/spyglass" ] || { echo "no bundle: run packaging/build.sh first" >&2; exit 1; }

rm -rf "$APPDIR"
mkdir -p "$APPDIR/opt" "$APPDIR/usr/share/applications" "$APPDIR/usr/share/metainfo" \
    "$APPDIR/usr/share/icons/hicolor/256x256/apps"
cp -a "$BUNDLE" "$APPDIR/opt/spyglass"
cat > "$APPDIR/AppRun" <<'SH'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
exec "$here/opt/spyglass/spyglass" "$@"
SH
chmod 755 "$APPDIR/AppRun"
cp packaging/linux/$APP_ID.desktop "$APPDIR/"
cp packaging/linux/$APP_ID.desktop "$APPDIR/usr/share/applications/"
# appimagetool validates AppStream data under this older name
cp packaging/linux/$APP_ID.metainfo.xml "$APPDIR/usr/share/metainfo/$APP_ID.appdata.xml"
cp resources/icons/spyglass-256.png "$APPDIR/$APP_ID.png"
cp resources/icons/spyglass-256.png "$APPDIR/usr/share/icons/hicolor/256x256/apps/$APP_ID.png"
ln -s "$APP_ID.png" "$APPDIR/.DirIcon"

mkdir -p dist
rm -f "$OUTPUT"
# Runs without FUSE too (containers): the tool unpacks itself.
ARCH=$MACHINE APPIMAGE_EXTRACT_AND_RUN=1 "$TOOL" "$APPDIR" "$OUTPUT"
echo "$OUTPUT: $(du -h "$OUTPUT" | cut -f1)"
