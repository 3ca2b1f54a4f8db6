"""The window's network settings (SPEC 7.3) as a model: checked, read back leniently, their
secrets in the keyring (a MemorySecrets here) and never in the stored text; what a request's
session gets from them and from its own options, and that pooled sessions differ by proxy and
certificate."""

from __future__ import annotations

import json

import pytest

from app.client.proxies import PROXY_SCHEMES as LIBRARY_SCHEMES
from app.model.compose import ComposeError, SessionPool, session_key
from app.model.compose_network import DIRECT, NetworkProblem, SessionNetwork, network_for
from app.model.network_settings import (
    PROXY_PASSWORD_REF,
    PROXY_SCHEMES,
    HostCertificate,
    NetworkConfig,
    NetworkSecrets,
    NetworkSettings,
    host_matches,
    passphrase_ref,
    read_secrets,
    write_secrets,
)
from app.model.request import RequestModel, RequestOptions
from app.storage.secrets import MemorySecrets

MANUAL = NetworkSettings(proxy_mode="manual", proxy_url="http://proxy.corp:3128",
                         proxy_user="alice", no_proxy="localhost, .internal.example",
                         certificates=(HostCertificate("api.example.com", "/c/api.pem"),
                                       HostCertificate("*.example.com", "/c/wild.p12")))
SECRETS = NetworkSecrets("pr0xy-pa55", {"api.example.com": "api-phrase",
                                        "*.example.com": "wild-phrase"})


def test_the_proxy_schemes_are_the_library_s() -> None:
    assert PROXY_SCHEMES == LIBRARY_SCHEMES


@pytest.mark.parametrize("settings", [NetworkSettings(), MANUAL,
                                      NetworkSettings(proxy_mode="system")])
def test_round_trip_through_stored_text(settings: NetworkSettings) -> None:
    text = json.dumps(settings.to_dict())
    assert NetworkSettings.from_dict(json.loads(text)) == settings


def test_stored_text_holds_no_secret_and_secrets_go_to_the_keyring() -> None:
    store = MemorySecrets()
    write_secrets(MANUAL, SECRETS, store)
    text = json.dumps(MANUAL.to_dict())
    for secret in SECRETS.values():
        assert secret not in text
    assert store.get(PROXY_PASSWORD_REF) == "pr0xy-pa55"
    assert store.get(passphrase_ref("api.example.com")) == "api-phrase"
    assert "example" not in passphrase_ref("api.example.com")
    assert read_secrets(MANUAL, store) == SECRETS
    # A certificate removed takes its passphrase with it; an emptied password is deleted.
    fewer = NetworkSettings(proxy_mode="manual", proxy_url="http://proxy.corp:3128",
                            certificates=MANUAL.certificates[:1])
    write_secrets(fewer, NetworkSecrets("", {"api.example.com": "api-phrase"}), store, MANUAL)
    assert store.get(passphrase_ref("*.example.com")) is None
    assert store.get(PROXY_PASSWORD_REF) is None
    assert read_secrets(fewer, store) == NetworkSecrets("", {"api.example.com": "api-phrase"})


@pytest.mark.parametrize(("changes", "words"), [
    ({"proxy_mode": "sometimes"}, "proxy_mode"),
    ({"proxy_mode": "manual"}, "Enter the proxy"),
    ({"proxy_mode": "manual", "proxy_url": "ftp://proxy:21"}, "not supported"),
    ({"proxy_mode": "manual", "proxy_url": "http://u:secret@proxy:1"}, "password field"),
    ({"proxy_mode": "manual", "proxy_url": "http://proxy:port"}, "Not a proxy URL"),
    ({"certificates": (HostCertificate("a.example", "/x"), HostCertificate("A.example", "/y"))},
     "Two client certificates"),
])
def test_bad_settings_are_refused_with_words(changes: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        NetworkSettings(**changes)  # type: ignore[arg-type]


def test_bad_stored_values_read_as_defaults() -> None:
    stored = {"proxy_mode": "manual", "proxy_url": "ftp://x", "no_proxy": 3,
              "certificates": [{"host": "", "cert": "/x"}, "junk", {"host": "h", "cert": "/c"}]}
    settings = NetworkSettings.from_dict(stored)
    assert settings.proxy_mode == "none"
    assert settings.no_proxy == NetworkSettings().no_proxy
    assert settings.certificates == (HostCertificate("h", "/c"),)
    assert NetworkSettings.from_dict({"proxy_mode": 7}) == NetworkSettings()


@pytest.mark.parametrize(("pattern", "host", "port", "matches"), [
    ("api.example.com", "api.example.com", None, True),
    ("api.example.com", "API.example.com.", 443, True),
    ("api.example.com", "x.api.example.com", None, False),
    ("*.example.com", "a.b.example.com", None, True),
    ("*.example.com", "example.com", None, False),
    (".example.com", "example.com", None, True),
    ("api.example.com:8443", "api.example.com", 8443, True),
    ("api.example.com:8443", "api.example.com", 443, False),
    ("", "api.example.com", None, False),
])
def test_host_patterns(pattern: str, host: str, port: int | None, matches: bool) -> None:
    assert host_matches(pattern, host, port) is matches


def test_an_exact_host_wins_over_a_wildcard_listed_first() -> None:
    settings = NetworkSettings(certificates=(HostCertificate("*.example.com", "/w"),
                                             HostCertificate("api.example.com", "/a")))
    assert settings.certificate_for("api.example.com") == HostCertificate("api.example.com",
                                                                          "/a")
    assert settings.certificate_for("www.example.com") == HostCertificate("*.example.com", "/w")
    assert settings.certificate_for("example.org") is None


CONFIG = NetworkConfig(MANUAL, SECRETS)


def test_the_window_s_manual_proxy_and_no_proxy() -> None:
    through = network_for(RequestOptions(), CONFIG, "http://service.example.org/x")
    assert (through.proxy, through.proxy_user, through.proxy_password) == (
        "http://proxy.corp:3128", "alice", "pr0xy-pa55")
    assert "pr0xy-pa55" not in repr(through)
    for direct in ("http://localhost:8080/", "https://db.internal.example/"):
        assert network_for(RequestOptions(), CONFIG, direct).proxy is None
    system = network_for(RequestOptions(), NetworkConfig(NetworkSettings(proxy_mode="system")),
                         "http://a.example/")
    assert system == SessionNetwork(trust_env=True)


def test_the_window_s_certificate_for_the_host() -> None:
    api = network_for(RequestOptions(), CONFIG, "https://api.example.com/v1")
    assert (api.cert, api.cert_passphrase) == ("/c/api.pem", "api-phrase")
    wild = network_for(RequestOptions(), CONFIG, "https://www.example.com/")
    assert (wild.cert, wild.cert_passphrase) == ("/c/wild.p12", "wild-phrase")
    assert network_for(RequestOptions(), CONFIG, "https://example.org/").cert == ""


def test_a_request_overrides_both_with_variables() -> None:
    options = RequestOptions(proxy_mode="url", proxy_url="socks5://bob:{{pw}}@{{host}}:1080",
                             client_cert_mode="files", client_cert="{{dir}}/me.pem",
                             client_key="{{dir}}/me.key", client_cert_passphrase="{{phrase}}")
    variables = {"pw": "s3c ret", "host": "socks.local", "dir": "/certs", "phrase": "p"}
    got = network_for(options, CONFIG, "https://api.example.com/", variables)
    assert got == SessionNetwork("socks5://socks.local:1080", "bob", "s3c ret", False,
                                 "/certs/me.pem", "/certs/me.key", "p")
    none = RequestOptions(proxy_mode="none", client_cert_mode="none")
    assert network_for(none, CONFIG, "https://api.example.com/") == DIRECT


@pytest.mark.parametrize(("options", "words"), [
    (RequestOptions(proxy_mode="url"), "Enter the proxy"),
    (RequestOptions(proxy_mode="url", proxy_url="http://u:typed@p:1"), "as a {{variable}}"),
    (RequestOptions(proxy_mode="url", proxy_url="http://{{nope}}:1"), "Unresolved variable"),
    (RequestOptions(client_cert_mode="files"), "Choose the client certificate"),
    (RequestOptions(client_cert_mode="files", client_cert="/c.pem",
                    client_cert_passphrase="typed"), "passphrase as a {{variable}}"),
    (RequestOptions(proxy_mode="sideways"), "Unknown proxy choice"),
    (RequestOptions(client_cert_mode="maybe"), "Unknown client certificate choice"),
])
def test_request_overrides_that_cannot_be_used(options: RequestOptions, words: str) -> None:
    with pytest.raises(NetworkProblem, match=words):
        network_for(options, CONFIG, "https://api.example.com/")


def test_typed_secrets_never_reach_a_file_or_the_history() -> None:
    options = RequestOptions(proxy_mode="url", proxy_url="http://u:typed-pw@p:1/",
                             client_cert_mode="files", client_cert="/c.pem",
                             client_cert_passphrase="typed-phrase")
    clean = options.without_secrets()
    assert clean.proxy_url == "http://u@p:1/"
    assert clean.client_cert_passphrase == ""
    kept = RequestOptions(proxy_url="http://u:{{pw}}@p:1", client_cert_passphrase="{{x}}")
    assert kept.without_secrets() == kept


async def test_pooled_sessions_differ_by_proxy_and_certificate_and_share_one_jar() -> None:
    pool = SessionPool(network=NetworkConfig(NetworkSettings(
        proxy_mode="manual", proxy_url="http://127.0.0.1:9", no_proxy="localhost")))
    try:
        proxied = pool.get(RequestOptions(), "http://a.example/")
        direct = pool.get(RequestOptions(), "http://localhost/")
        own = pool.get(RequestOptions(proxy_mode="url", proxy_url="http://127.0.0.1:8"),
                       "http://a.example/")
        assert len({id(proxied), id(direct), id(own)}) == 3
        assert pool.get(RequestOptions(timeout=3), "http://b.example/") is proxied
        assert proxied.proxy is not None and direct.proxy is None
        assert proxied.cookie_jar is direct.cookie_jar is own.cookie_jar is pool.jar
        assert session_key(RequestOptions()) != session_key(
            RequestOptions(), SessionNetwork(cert="/x"))
        with pytest.raises(ComposeError, match="Enter the proxy") as caught:
            pool.for_request(RequestModel(url="http://a.example/",
                                          options=RequestOptions(proxy_mode="url")))
        assert caught.value.field == "options"
    finally:
        await pool.close()
