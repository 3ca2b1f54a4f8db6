"""The network settings a user may change in the window (Tools ▸ Network…, SPEC 7.3).

:class:`NetworkSettings` is the part kept in the window's settings file: the proxy (none, the
system's through the environment, or a manual URL with its user and the hosts reached
directly) and the client certificates chosen per host. It holds no secret: the proxy's
password and each certificate's passphrase are kept in the keyring (:func:`read_secrets`,
:func:`write_secrets`, under the references :data:`PROXY_PASSWORD_REF` and
:func:`passphrase_ref`), and the two together are a :class:`NetworkConfig`, which is what the
session pool applies. A stored value that is not valid falls back to its default
(:meth:`NetworkSettings.from_dict`), so a hand-edited settings file never stops the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from app.storage.secrets import SecretStore

__all__ = [
    "PROXY_MODES",
    "PROXY_PASSWORD_REF",
    "PROXY_SCHEMES",
    "HostCertificate",
    "NetworkConfig",
    "NetworkSecrets",
    "NetworkSettings",
    "host_matches",
    "passphrase_ref",
    "proxy_url_problem",
    "read_secrets",
    "write_secrets",
]

#: How the window reaches servers: directly, through the proxy the environment names
#: (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), or through the proxy set here.
PROXY_MODES = ("none", "system", "manual")

#: Where the manual proxy's password is kept in the keyring.
PROXY_PASSWORD_REF = "network-proxy-password"

#: The proxy URL schemes the library takes (``app.client.proxies.PROXY_SCHEMES``; a test
#: keeps them equal).
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def proxy_url_problem(text: str) -> str:
    """Why ``text`` cannot be the manual proxy's URL ("" when it can). The library's rules
    (``app.client.proxies``), checked here without loading the library: the window reads its
    settings before the first frame."""
    text = text.strip()
    if not text:
        return "Enter the proxy's URL (http://, https:// or socks5://)"
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"Not a proxy URL: {exc}"
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return (f"The proxy's scheme {parts.scheme!r} is not supported: use one of "
                f"{', '.join(PROXY_SCHEMES)}")
    if not parts.hostname:
        return "The proxy's URL names no host"
    if parts.password:
        return ("Put the proxy's password in the password field, not in its URL (the URL "
                "is kept in a plain settings file)")
    return ""


def passphrase_ref(host: str) -> str:
    """Where the passphrase of the certificate for the host pattern ``host`` is kept in the
    keyring (derived from the pattern, so the reference gives no host away)."""
    import hashlib  # only with a certificate's passphrase (OpenSSL's digests; bench/idle.py)

    digest = hashlib.sha256(host.strip().lower().encode("utf-8")).hexdigest()[:24]
    return f"network-cert-passphrase-{digest}"


def host_matches(pattern: str, host: str, port: int | None = None) -> bool:
    """Whether the host pattern ``pattern`` covers ``host`` (and ``port``): ``api.example.com``
    that host only, ``*.example.com`` its subdomains, ``.example.com`` the domain and its
    subdomains, ``host:8443`` that port only."""
    pattern = pattern.strip().lower()
    host = host.strip().lower().rstrip(".")
    if not pattern:
        return False
    name, sep, wanted = pattern.rpartition(":")
    if sep and wanted.isdigit() and "]" not in wanted:
        if port is None or int(wanted) != port:
            return False
        pattern = name
    pattern = pattern.strip("[]")
    host = host.strip("[]")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.startswith("."):
        return host == pattern[1:] or host.endswith(pattern)
    return host == pattern


@dataclass(frozen=True)
class HostCertificate:
    """The client certificate presented to the hosts ``host`` covers (:func:`host_matches`):
    a PEM file with its ``key`` file (or with the key inside, ``key`` empty), or a PKCS#12
    file (``key`` empty). Its passphrase, if any, is in the keyring."""

    host: str
    cert: str
    key: str = ""

    def __post_init__(self) -> None:
        for name in ("host", "cert", "key"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"HostCertificate({name}=...) must be text")
        if not self.host.strip():
            raise ValueError("a client certificate needs the host it is for")
        if not self.cert.strip():
            raise ValueError(f"the client certificate for {self.host} needs a file")


@dataclass(frozen=True)
class NetworkSettings:
    """The proxy and the client certificates of the window; no secret is held here.

    - ``proxy_mode``: one of :data:`PROXY_MODES`;
    - ``proxy_url``: the manual proxy (``http://``, ``https://``, ``socks5://``), with no
      credentials in it; ``proxy_user`` its user (the password is in the keyring);
    - ``no_proxy``: the hosts the manual proxy is not used for, comma-separated, as
      ``NO_PROXY`` writes them (``localhost, .internal.example, 10.0.0.1``);
    - ``certificates``: the client certificates by host pattern, the first that matches wins
      (an exact host before a wildcard).
    """

    proxy_mode: str = "none"
    proxy_url: str = ""
    proxy_user: str = ""
    no_proxy: str = "localhost, 127.0.0.1, ::1"
    certificates: tuple[HostCertificate, ...] = ()

    def __post_init__(self) -> None:
        if self.proxy_mode not in PROXY_MODES:
            raise ValueError(f"NetworkSettings(proxy_mode=...) must be one of "
                             f"{', '.join(PROXY_MODES)}, not {self.proxy_mode!r}")
        if self.proxy_mode == "manual":
            problem = proxy_url_problem(self.proxy_url)
            if problem:
                raise ValueError(problem)
        hosts = [c.host.strip().lower() for c in self.certificates]
        for host in hosts:
            if hosts.count(host) > 1:
                raise ValueError(f"Two client certificates are set for {host}")

    @property
    def no_proxy_hosts(self) -> list[str]:
        """:attr:`no_proxy` as a list of entries."""
        return [part.strip() for part in self.no_proxy.replace(";", ",").split(",")
                if part.strip()]

    def certificate_for(self, host: str, port: int | None = None) -> HostCertificate | None:
        """The certificate for ``host`` (and ``port``): an exact pattern first, then the
        first wildcard that matches, or None."""
        exact = [c for c in self.certificates
                 if not c.host.strip().startswith(("*", ".")) and host_matches(c.host, host, port)]
        if exact:
            return exact[0]
        for cert in self.certificates:
            if host_matches(cert.host, host, port):
                return cert
        return None

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values (what the settings file keeps)."""
        return {
            "proxy_mode": self.proxy_mode,
            "proxy_url": self.proxy_url,
            "proxy_user": self.proxy_user,
            "no_proxy": self.no_proxy,
            "certificates": [{"host": c.host, "cert": c.cert, "key": c.key}
                             for c in self.certificates],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> NetworkSettings:
        """Settings from ``data`` as stored; a value missing or not valid is the default (a
        manual proxy whose URL is not valid reads as no proxy, a certificate entry that is
        not valid is left out): this never raises."""
        default = cls()
        texts = {}
        for name in ("proxy_mode", "proxy_url", "proxy_user", "no_proxy"):
            value = data.get(name, getattr(default, name))
            texts[name] = value if isinstance(value, str) else getattr(default, name)
        certificates: list[HostCertificate] = []
        stored = data.get("certificates")
        for item in stored if isinstance(stored, list) else []:
            if not isinstance(item, Mapping):
                continue
            try:
                cert = HostCertificate(item.get("host", ""), item.get("cert", ""),
                                       item.get("key", "") or "")
            except ValueError:
                continue
            if all(c.host.strip().lower() != cert.host.strip().lower() for c in certificates):
                certificates.append(cert)
        try:
            return cls(certificates=tuple(certificates), **texts)
        except ValueError:
            return cls(certificates=tuple(certificates), proxy_mode="none",
                       no_proxy=texts["no_proxy"], proxy_user=texts["proxy_user"])


@dataclass(frozen=True)
class NetworkSecrets:
    """The secrets of a :class:`NetworkSettings`, as read from the keyring: the proxy's
    password and each certificate's passphrase by host pattern ("" or absent: none)."""

    proxy_password: str = field(default="", repr=False)
    passphrases: Mapping[str, str] = field(default_factory=dict, repr=False)

    def passphrase(self, host: str) -> str:
        return self.passphrases.get(host.strip().lower(), "")

    def values(self) -> list[str]:
        """Every non-empty secret (what a scan or a redaction looks for)."""
        return [v for v in (self.proxy_password, *self.passphrases.values()) if v]


@dataclass(frozen=True)
class NetworkConfig:
    """What the session pool applies: the settings with their secrets."""

    settings: NetworkSettings = field(default_factory=NetworkSettings)
    secrets: NetworkSecrets = field(default_factory=NetworkSecrets)


def read_secrets(settings: NetworkSettings, store: SecretStore) -> NetworkSecrets:
    """The secrets ``settings`` use, from ``store`` (blocking: the keyring). A manual proxy
    without a user has no password to read."""
    password = ""
    if settings.proxy_mode == "manual" and settings.proxy_user:
        password = store.get(PROXY_PASSWORD_REF) or ""
    phrases = {}
    for cert in settings.certificates:
        value = store.get(passphrase_ref(cert.host))
        if value:
            phrases[cert.host.strip().lower()] = value
    return NetworkSecrets(password, phrases)


def write_secrets(settings: NetworkSettings, secrets: NetworkSecrets, store: SecretStore,
                  previous: NetworkSettings | None = None) -> None:
    """Keep ``secrets`` in ``store`` for ``settings`` (blocking): an empty one is deleted,
    and so are the passphrases of the hosts ``previous`` had and ``settings`` no longer has."""
    if secrets.proxy_password and settings.proxy_user:
        store.set(PROXY_PASSWORD_REF, secrets.proxy_password)
    else:
        store.delete(PROXY_PASSWORD_REF)
    kept = set()
    for cert in settings.certificates:
        ref = passphrase_ref(cert.host)
        kept.add(ref)
        value = secrets.passphrase(cert.host)
        if value:
            store.set(ref, value)
        else:
            store.delete(ref)
    for cert in previous.certificates if previous is not None else ():
        if passphrase_ref(cert.host) not in kept:
            store.delete(passphrase_ref(cert.host))
