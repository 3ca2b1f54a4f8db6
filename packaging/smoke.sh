#!/usr/bin/env bash
# Smoke test of the Linux packages, as on a fresh machine:
#   packaging/smoke.sh            build (packaging/build.sh), then test the .deb
#   packaging/smoke.sh --reuse    test the .deb already in dist/ (build only when there is none)
#
# Unpacks the .deb with dpkg-deb -x into an empty folder and, with an emptied environment (no
# SSL_CERT_FILE, a new HOME, a private D-Bus session with an unlocked gnome-keyring as the Secret
# Service), runs `spyglass --self-check` and starts the window for a few seconds: offscreen, then
# on Xvfb with Qt's xcb plugin (a screenshot goes to build/smoke/). Also validates the desktop
# entry and AppStream data, and asks apt whether the Depends can be met here. Run as root, it
# installs what it needs (xvfb, dbus, gnome-keyring, ...) with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

REUSE=0
for arg in "$@"; do
    case "$arg" in
        --reuse) REUSE=1 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "usage: packaging/smoke.sh [--reuse]" >&2; exit 2 ;;
    esac
done

APP_ID=io.github.spyglass.Spyglass
SECONDS_UP=${SMOKE_SECONDS:-5}
OUT=build/smoke
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[1;31mFAIL: %s\033[0m\n' "$*" >&2; exit 1; }

# -- tools --------------------------------------------------------------------------------------
# command -> Debian package
declare -A TOOLS=([Xvfb]=xvfb [dbus-run-session]=dbus-daemon
                  [gnome-keyring-daemon]=gnome-keyring [desktop-file-validate]=desktop-file-utils
                  [appstreamcli]=appstream [import]=imagemagick)
missing=()
for tool in "${!TOOLS[@]}"; do command -v "$tool" >/dev/null || missing+=("${TOOLS[$tool]}"); done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    else
        fail "install first: sudo apt-get install ${missing[*]}"
    fi
fi

# -- build --------------------------------------------------------------------------------------
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
DEB=dist/spyglass_${VERSION}_$(dpkg --print-architecture).deb
if [ "$REUSE" = 0 ] || [ ! -f "$DEB" ]; then
    packaging/build.sh
fi
[ -f "$DEB" ] || fail "$DEB was not built"

# -- unpack into an empty folder ----------------------------------------------------------------
WORK=$(mktemp -d /tmp/spyglass-smoke.XXXXXX)
XVFB_PID=
cleanup() {
    if [ -n "$XVFB_PID" ]; then kill "$XVFB_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
ROOTFS=$WORK/root
mkdir -p "$ROOTFS" "$OUT"
say "Unpacking $DEB into $ROOTFS"
dpkg-deb -x "$DEB" "$ROOTFS"
PROGRAM=$ROOTFS/usr/bin/spyglass  # the /usr/bin link into /opt/spyglass, as a user runs it
[ -L "$PROGRAM" ] || fail "no /usr/bin/spyglass link"
[ "$(readlink -f "$PROGRAM")" = "$ROOTFS/opt/spyglass/spyglass" ] || fail "bad /usr/bin/spyglass"

say "Checking the desktop entry, AppStream data and icons"
desktop-file-validate "$ROOTFS/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net "$ROOTFS/usr/share/metainfo/$APP_ID.metainfo.xml" >/dev/null
for size in 16 32 48 64 128 256 512; do
    [ -f "$ROOTFS/usr/share/icons/hicolor/${size}x$size/apps/$APP_ID.png" ] || fail "no ${size}px icon"
done

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Asking apt whether the Depends can be met here"
    apt-get install -s "./$DEB" >"$OUT/apt-simulate.log" 2>&1 \
        || { cat "$OUT/apt-simulate.log"; fail "apt cannot install $DEB"; }
fi

# -- run it, as a new user on a fresh machine would ---------------------------------------------
HOME_DIR=$WORK/home
RUNTIME_DIR=$WORK/runtime
PID_FILE=$WORK/spyglass.pid
mkdir -p "$HOME_DIR" "$RUNTIME_DIR"
chmod 700 "$RUNTIME_DIR"

isolated() {
    # "$@" with an emptied environment, in a private D-Bus session whose Secret Service is an
    # unlocked gnome-keyring; the program's PID goes to $PID_FILE. When the program ends, the
    # session ends, and the keyring with it.
    # shellcheck disable=SC2016  # $$, $0 and $@ are the inner shell's
    env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" LANG=C.UTF-8 XDG_RUNTIME_DIR="$RUNTIME_DIR" \
        ${DISPLAY:+DISPLAY="$DISPLAY"} ${QT_QPA_PLATFORM:+QT_QPA_PLATFORM="$QT_QPA_PLATFORM"} \
        dbus-run-session -- sh -c '
            printf "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
            echo $$ >"$0"
            exec "$@"' "$PID_FILE" "$@"
}

self_check() {  # $1: the platform, as a label
    local log=$OUT/self-check-$1.txt
    say "spyglass --self-check ($1)"
    if ! isolated "$PROGRAM" --self-check >"$log" 2>"$log.stderr"; then
        cat "$log" "$log.stderr"
        fail "the self-check failed ($1)"
    fi
    cat "$log"
}

window() {  # $1: the platform. Starts the window, checks it still runs after a while, ends it.
    local log=$OUT/window-$1.txt job pid
    say "Starting the window ($1) for ${SECONDS_UP}s"
    rm -f "$PID_FILE"
    isolated "$PROGRAM" >"$log" 2>&1 &
    job=$!
    sleep "$SECONDS_UP"
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        wait "$job" || true
        cat "$log"
        fail "the window exited within ${SECONDS_UP}s ($1)"
    fi
    if [ "$1" = xcb ]; then
        import -window root "$OUT/window-xcb.png" || true
    fi
    kill "$pid"
    wait "$job" 2>/dev/null || true
    # (dbus-daemon's own complaints about this sandbox's limits are not the app's)
    if grep -v '^dbus-daemon\[' "$log" | grep -nE 'Traceback|Error|qt\.qpa\.plugin'; then
        fail "the window printed errors ($1)"
    fi
    local userlog=$HOME_DIR/.local/state/spyglass/log/spyglass.log
    if [ -f "$userlog" ] && grep -nE 'Traceback|ERROR' "$userlog"; then
        fail "the window logged errors ($1)"
    fi
}

export QT_QPA_PLATFORM=offscreen
self_check offscreen
window offscreen
unset QT_QPA_PLATFORM

say "Starting Xvfb"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" 2>"$OUT/xvfb.log" &
XVFB_PID=$!
for _ in $(seq 50); do [ -s "$WORK/display" ] && break; sleep 0.2; done
[ -s "$WORK/display" ] || { cat "$OUT/xvfb.log"; fail "Xvfb did not start"; }
DISPLAY=:$(head -n1 "$WORK/display")
export DISPLAY
self_check xcb
grep -q 'on platform xcb' "$OUT/self-check-xcb.txt" || fail "Qt did not use xcb on Xvfb"
window xcb
kill "$XVFB_PID"
wait "$XVFB_PID" 2>/dev/null || true
XVFB_PID=

say "Smoke test passed: $DEB"
printf '  %-34s %s\n' "bundle (unpacked /opt/spyglass)" "$(du -sh "$ROOTFS/opt/spyglass" | cut -f1)" \
    "$DEB" "$(du -h "$DEB" | cut -f1)" \
    "screenshot on Xvfb" "$OUT/window-xcb.png"
