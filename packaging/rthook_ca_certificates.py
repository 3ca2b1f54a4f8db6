"""PyInstaller runtime hook: give the frozen app CA certificates before anything imports ssl users.

The bundle's OpenSSL looks for certificates where the build machine kept them (Debian's
``/usr/lib/ssl``). That is right on Debian and Ubuntu, wrong on Fedora or Arch, and macOS's
OpenSSL has no system store at all. When the default place holds nothing and the user set
nothing, point ``SSL_CERT_FILE`` at the system's bundle, or else at the certifi copy shipped in
the bundle. Windows needs nothing: Python reads the Windows certificate store itself.
"""

import os
import sys

#: Where distributions keep their CA bundle (the first that exists wins).
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/ssl/cert.pem",  # Alpine, macOS (an old snapshot there, used only before certifi)
)


def _ca_file() -> str | None:
    """The file to use, or None when OpenSSL already finds certificates by itself."""
    import ssl

    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return None
    paths = ssl.get_default_verify_paths()  # cafile and capath are None when missing
    if paths.cafile:
        return None
    try:
        if paths.capath and any(name.endswith(".0") for name in os.listdir(paths.capath)):
            return None
    except OSError:
        pass
    if sys.platform != "darwin":
        for candidate in SYSTEM_CA_FILES:
            if os.path.isfile(candidate):
                return candidate
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


if sys.platform != "win32":
    _found = _ca_file()
    if _found:
        os.environ["SSL_CERT_FILE"] = _found
