#!/usr/bin/env bash
# Build Spyglass for Linux from a clean clone: a PyInstaller one-folder bundle, packed as
#   dist/spyglass-VERSION-linux-x86_64.tar.gz    (unpack anywhere, run spyglass-VERSION/spyglass)
#   dist/spyglass_VERSION_amd64.deb              (/opt/spyglass, /usr/bin/spyglass, menu entry)
#
#   packaging/build.sh
#
# Everything it makes goes to build/ (venv, PyInstaller's work, the bundle in build/dist/spyglass,
# the .deb's tree) and dist/. Run as root on Debian or Ubuntu, it installs the build tools and
# Qt's system libraries it needs with apt-get; otherwise it says which packages to install.
# Environment: PYTHON (default python3), DEB_MAINTAINER (the .deb's Maintainer field).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
PY=${PYTHON:-python3}
APP_ID=io.github.spyglass.Spyglass
VENV=build/venv
BUNDLE=build/dist/spyglass
MAINTAINER=${DEB_MAINTAINER:-Spyglass developers <spyglass@users.noreply.github.com>}

say() { printf '\033[1m==> [%4ss] %s\033[0m\n' "$(( $(date +%s) - started ))" "$*"; }

# -- system packages ----------------------------------------------------------------------------
# Build tools, and the libraries the bundle leaves to the system: they must be installed here so
# that ldd can tell which package each one comes from.
TOOLS=(binutils dpkg-dev desktop-file-utils appstream)
"$PY" -c 'import ensurepip' 2>/dev/null || TOOLS+=(python3-venv)
QT_SYSTEM_LIBS=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
                libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
                libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0
                libwayland-client0 libwayland-cursor0 libwayland-egl1 ca-certificates)
missing=()
for p in "${TOOLS[@]}" "${QT_SYSTEM_LIBS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    else
        echo "packaging/build.sh needs: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
MACHINE=$(uname -m)
TARBALL=dist/spyglass-$VERSION-linux-$MACHINE.tar.gz
DEB=dist/spyglass_${VERSION}_$ARCH.deb

# -- build environment: Spyglass's dependencies and PyInstaller; the code comes from this tree --
if [ ! -x "$VENV/bin/python" ]; then
    say "Creating $VENV"
    "$PY" -m venv "$VENV"
fi
stamp=$VENV/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ packaging/build.sh -nt "$stamp" ]; then
    say "Installing the dependencies and PyInstaller into $VENV"
    mapfile -t deps < <("$VENV/bin/python" -c 'import tomllib
for dep in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    print(dep)')
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q "${deps[@]}" "pyinstaller>=6.10,<7" certifi
    touch "$stamp"
fi

# -- the bundle ---------------------------------------------------------------------------------
say "PyInstaller: $BUNDLE"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller packaging/spyglass.spec

# -- what the bundle needs from the system ------------------------------------------------------
# For every ELF file of the bundle, the libraries it names itself (DT_NEEDED), found with ldd and
# the library path the bootloader sets: those found outside the bundle are the system's, and
# dpkg says which package holds each. (Their own dependencies come with those packages.) Plugins
# that Qt skips when their libraries are missing only recommend them (Wayland) or nothing (the
# GTK theme: a GTK desktop has GTK).
say "Computing Depends"
is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
optional_plugin() {
    case "$1" in
        */platforms/libqwayland*|*/wayland-*|*/libQt6WaylandClient*) echo recommends ;;
        */platformthemes/libqgtk3*) echo ignore ;;
        *) echo required ;;
    esac
}
direct_libraries() {  # "name path" for each library the file itself needs ("name not" if missing)
    local needed
    needed=$(objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
    LD_LIBRARY_PATH="$PWD/$BUNDLE/_internal" ldd "$1" 2>/dev/null | awk -v needed="$needed" '
        BEGIN { split(needed, names, " "); for (i in names) wanted[names[i]] = 1 }
        $2 == "=>" && ($1 in wanted) { print $1, $3 }'
}
declare -A required_libs=() recommended_libs=()
unresolved=()
while IFS= read -r -d '' file; do
    is_elf "$file" || continue
    kind=$(optional_plugin "$file")
    [ "$kind" = ignore ] && continue
    while read -r name path; do
        case "$path" in
            not) [ "$kind" = required ] && unresolved+=("$file: $name"); continue ;;
            "$PWD/$BUNDLE"/*) continue ;;
        esac
        if [ "$kind" = required ]; then required_libs[$path]=1; else recommended_libs[$path]=1; fi
    done < <(direct_libraries "$file")
done < <(find "$PWD/$BUNDLE" -type f -print0)
if [ ${#unresolved[@]} -gt 0 ]; then
    printf 'missing library: %s\n' "${unresolved[@]}" | sort -u >&2
    echo "Install the packages that hold them, or drop the files that need them (spyglass.spec)." >&2
    exit 1
fi

package_of() {  # the package holding a library path (merged /usr: try both spellings)
    local path=$1 real candidate
    real=$(readlink -f "$path")
    for candidate in "$path" "$real" "${path#/usr}" "/usr$path" "${real#/usr}" "/usr$real"; do
        dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1 && return 0
    done
    echo "no package holds $path" >&2
    return 1
}
packages_of() { for lib in "$@"; do package_of "$lib"; done | sort -u; }
mapfile -t required_pkgs < <(packages_of "${!required_libs[@]}")
mapfile -t recommended_pkgs < <(packages_of "${!recommended_libs[@]}" \
    | grep -vxF -f <(printf '%s\n' "${required_pkgs[@]}") || true)

# Minimum versions from the packages' own shlibs/symbols files (dpkg-shlibdeps), for the
# packages found above only: dpkg-shlibdeps would also name those whose libraries are bundled.
versions() {
    local tmp elves=()
    tmp=$(mktemp -d)
    mkdir -p "$tmp/debian"
    printf 'Source: spyglass\n\nPackage: spyglass\nArchitecture: any\n' > "$tmp/debian/control"
    while IFS= read -r -d '' file; do
        if is_elf "$file" && [ "$(optional_plugin "$file")" != ignore ]; then elves+=("$file"); fi
    done < <(find "$PWD/$BUNDLE" -type f -print0)
    local lib=$PWD/$BUNDLE/_internal log=$PWD/build/dpkg-shlibdeps.log
    (cd "$tmp" && dpkg-shlibdeps -O --ignore-missing-info -l"$lib" -l"$lib/PySide6/Qt/lib" \
        -l"$lib/PySide6" -l"$lib/shiboken6" "${elves[@]}" 2>"$log") \
        | sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' | sed 's/^ *//'
    rm -rf "$tmp"
}
mapfile -t versioned < <(versions)
with_version() {  # "libc6" -> "libc6 (>= 2.35)" when dpkg-shlibdeps gave one
    local pkg=$1 entry
    for entry in "${versioned[@]}"; do
        if [ "${entry%% *}" = "$pkg" ]; then echo "$entry"; return; fi
    done
    echo "$pkg"
}
depends=()
for pkg in "${required_pkgs[@]}"; do depends+=("$(with_version "$pkg")"); done
# Not linked, but loaded at run time: libdbus (Qt opens it itself) and the CA certificates.
for pkg in libdbus-1-3 ca-certificates; do
    printf '%s\n' "${required_pkgs[@]}" | grep -qxF "$pkg" || depends+=("$pkg")
done
recommends=()
for pkg in "${recommended_pkgs[@]}"; do [ -n "$pkg" ] && recommends+=("$(with_version "$pkg")"); done
join() { local IFS=,; local joined="$*"; echo "${joined//,/, }"; }
DEPENDS=$(join "${depends[@]}")
RECOMMENDS=$(join "${recommends[@]}")
echo "Depends: $DEPENDS"
echo "Recommends: $RECOMMENDS"

# -- the tarball --------------------------------------------------------------------------------
say "Packing $TARBALL"
mkdir -p dist
rm -f "$TARBALL"
tar -C build/dist --sort=name --owner=0 --group=0 --numeric-owner \
    --transform "s,^spyglass,spyglass-$VERSION," -czf "$TARBALL" spyglass

# -- the .deb -----------------------------------------------------------------------------------
say "Packing $DEB"
ROOTFS=build/deb/spyglass_${VERSION}_$ARCH
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/DEBIAN" "$ROOTFS/opt" "$ROOTFS/usr/bin" "$ROOTFS/usr/share/applications" \
    "$ROOTFS/usr/share/metainfo" "$ROOTFS/usr/share/doc/spyglass" \
    "$ROOTFS/usr/share/icons/hicolor/scalable/apps"
cp -a "$BUNDLE" "$ROOTFS/opt/spyglass"
ln -s ../../opt/spyglass/spyglass "$ROOTFS/usr/bin/spyglass"
cp packaging/linux/$APP_ID.desktop "$ROOTFS/usr/share/applications/"
cp packaging/linux/$APP_ID.metainfo.xml "$ROOTFS/usr/share/metainfo/"
cp packaging/linux/copyright "$ROOTFS/usr/share/doc/spyglass/copyright"
cp resources/icons/spyglass.svg "$ROOTFS/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in 16 32 48 64 128 256 512; do
    mkdir -p "$ROOTFS/usr/share/icons/hicolor/${size}x$size/apps"
    cp "resources/icons/spyglass-$size.png" \
        "$ROOTFS/usr/share/icons/hicolor/${size}x$size/apps/$APP_ID.png"
done
# Debian's modes: directories 755, files 644, the program 755 (libraries need no x bit).
find "$ROOTFS" -type d -exec chmod 755 {} +
find "$ROOTFS" -type f -exec chmod 644 {} +
chmod 755 "$ROOTFS/opt/spyglass/spyglass"
installed_size=$(du -sk --exclude=DEBIAN "$ROOTFS" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
    -e "s|@INSTALLED_SIZE@|$installed_size|" -e "s|@DEPENDS@|$DEPENDS|" \
    -e "s|@RECOMMENDS@|$RECOMMENDS|" packaging/linux/control.in \
    | grep -v '^[A-Za-z-]*: *$' > "$ROOTFS/DEBIAN/control"
desktop-file-validate "$ROOTFS/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net --explain "$ROOTFS/usr/share/metainfo/$APP_ID.metainfo.xml" >/dev/null
rm -f "$DEB"
dpkg-deb --build --root-owner-group -Zxz --threads-max="$(nproc)" "$ROOTFS" "$DEB" >/dev/null

# -- summary ------------------------------------------------------------------------------------
elapsed=$(( $(date +%s) - started ))
say "Built in ${elapsed}s"
printf '  %-40s %s\n' "bundle $BUNDLE" "$(du -sh "$BUNDLE" | cut -f1)" \
    "$TARBALL" "$(du -h "$TARBALL" | cut -f1)" \
    "$DEB" "$(du -h "$DEB" | cut -f1)"
