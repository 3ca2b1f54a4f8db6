#!/usr/bin/env bash
# Run a command against a private, unlocked Secret Service:
#
#   tests/keyring_session.sh .venv/bin/python -m pytest tests/storage/test_secrets.py
#
# The command runs in a D-Bus session of its own (dbus-run-session) where gnome-keyring-daemon
# serves org.freedesktop.secrets, unlocked with a throwaway password. Its keyrings and the
# XDG_RUNTIME_DIR are in a temporary folder (mode 700); the daemon, the bus and the folder are
# gone afterwards, and the user's own keyring is never touched. The command sees
# SPYGLASS_REAL_KEYRING=1: the real-keyring tests then run, and fail (not skip) when keyring
# does not pick the Secret Service.
#
# Without dbus-run-session, dbus-send or gnome-keyring-daemon the command runs as it is and
# those tests skip (Debian: apt-get install --no-install-recommends gnome-keyring dbus-x11).
set -euo pipefail

PASSWORD=spyglass-test-keyring

inside() {
    # In the private bus. $SPYGLASS_KEYRING_HOME is the temporary folder, for the daemon only.
    local home=$SPYGLASS_KEYRING_HOME daemon status=0 ready=no
    unset SPYGLASS_KEYRING_HOME
    printf %s "$PASSWORD" |
        HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" \
        XDG_CACHE_HOME="$home/cache" \
        gnome-keyring-daemon --foreground --unlock --components=secrets >"$home/daemon.log" 2>&1 &
    daemon=$!
    trap 'kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    for _ in $(seq 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
                grep -q 'boolean true'; then
            ready=yes
            break
        fi
        kill -0 "$daemon" 2>/dev/null || break
        sleep 0.1
    done
    if [ $ready = no ]; then
        # Run anyway: SPYGLASS_REAL_KEYRING=1 makes the keyring tests fail with this in view.
        echo "keyring_session: gnome-keyring-daemon did not start:" >&2
        cat "$home/daemon.log" >&2 || true
    fi
    SPYGLASS_REAL_KEYRING=1 "$@" || status=$?
    exit $status
}

if [ "${1:-}" = --inside ]; then
    shift
    inside "$@"
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
        echo "keyring_session: no $tool, so the real-keyring tests skip" \
             "(apt-get install --no-install-recommends gnome-keyring dbus-x11)" >&2
        exec "$@"
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spyglass-keyring.XXXXXX")
chmod 700 "$tmp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 700 "$tmp/runtime"
status=0
# A keyring configuration of the caller's (PYTHON_KEYRING_BACKEND) would defeat the purpose.
env -u PYTHON_KEYRING_BACKEND -u DBUS_SESSION_BUS_ADDRESS \
    XDG_RUNTIME_DIR="$tmp/runtime" SPYGLASS_KEYRING_HOME="$tmp" \
    dbus-run-session -- bash "${BASH_SOURCE[0]}" --inside "$@" || status=$?
exit $status
