"""curl's proxy, client certificate and cookie flags, both ways: ``-x``/``-U``, ``--noproxy``,
``-E``/``--cert`` (with ``:passphrase``), ``--key``, ``--cert-type P12``, ``-b`` pairs and
files, ``-c``; secrets typed in them become secret variables on import and stay out of an
export without secrets."""

from __future__ import annotations

import pytest

from app.interchange import export_curl, import_curl
from app.interchange.curl import curl_notes, parse_curl, to_curl
from app.interchange.model import Folder
from app.model.request import RequestModel, RequestOptions


def test_proxy_and_proxy_user_fold_into_the_request_s_proxy() -> None:
    model = parse_curl("curl -x proxy.corp:3128 -U 'bob:p@ss w' https://api.example/")
    assert (model.options.proxy_mode, model.options.proxy_url) == (
        "url", "http://bob:p%40ss%20w@proxy.corp:3128")
    long = parse_curl("curl --proxy socks5://s:1080 --proxy-user al https://api.example/")
    assert long.options.proxy_url == "socks5://al@s:1080"
    assert parse_curl("curl --noproxy '*' https://a.example/").options.proxy_mode == "none"


@pytest.mark.parametrize(("args", "cert", "key", "passphrase"), [
    ("-E client.pem", "client.pem", "", ""),
    ("--cert client.pem:ph:rase --key client.key", "client.pem", "client.key", "ph:rase"),
    ("--cert 'we\\:ird.pem:pw'", "we:ird.pem", "", "pw"),
    ("--cert 'C:\\certs\\me.p12:pw' --cert-type P12", "C:\\certs\\me.p12", "", "pw"),
    ("--cert me.pem --pass secret", "me.pem", "", "secret"),
])
def test_client_certificates(args: str, cert: str, key: str, passphrase: str) -> None:
    options = parse_curl(f"curl {args} https://api.example/").options
    assert (options.client_cert_mode, options.client_cert, options.client_key,
            options.client_cert_passphrase) == ("files", cert, key, passphrase)


def test_cookie_pairs_become_a_header_and_files_and_jars_are_noted() -> None:
    command = "curl -b 'a=1; b=2' -b c=3 -b cookies.txt -c jar.txt https://api.example/"
    model = parse_curl(command)
    assert [(h.name, h.value) for h in model.headers] == [("Cookie", "a=1; b=2; c=3")]
    notes = curl_notes(command)
    assert any("cookies.txt" in n and "not imported" in n for n in notes)
    assert any("jar.txt" in n and "not written" in n for n in notes)
    assert curl_notes("curl https://api.example/") == []
    assert curl_notes("curl --cert-type ENG --cert x https://a/")[0].startswith("--cert-type")


@pytest.mark.parametrize("options", [
    RequestOptions(proxy_mode="url", proxy_url="http://bob:p%40ss@proxy:3128",
                   client_cert_mode="files", client_cert="c:\\x.pem",
                   client_key="k.pem", client_cert_passphrase="ph:rase"),
    RequestOptions(proxy_mode="url", proxy_url="socks5://s:1080",
                   client_cert_mode="files", client_cert="me.p12"),
    RequestOptions(proxy_mode="none"),
])
def test_round_trip(options: RequestOptions) -> None:
    model = RequestModel(url="https://api.example/", options=options)
    back = parse_curl(to_curl(model)).options
    for name in ("proxy_mode", "proxy_url", "client_cert_mode", "client_cert", "client_key",
                 "client_cert_passphrase"):
        assert getattr(back, name) == getattr(options, name), name


def test_window_settings_are_not_the_request_s_and_stay_out() -> None:
    text = to_curl(RequestModel(url="https://api.example/"))
    assert "-x" not in text and "--cert" not in text and "--noproxy" not in text


def test_an_import_lifts_typed_secrets_and_an_export_withholds_them() -> None:
    result = import_curl("curl -x http://proxy:3128 -U bob:pr0xy-pw --cert me.pem:phr4se "
                         "-b session=c00kie -c jar https://api.example/")
    top = result.collections[0]
    model = top.requests[0]
    assert model.options.proxy_url == "http://bob:{{proxy-password}}@proxy:3128"
    assert model.options.client_cert_passphrase == "{{cert-passphrase}}"
    secrets = {name: v.value for name, v in top.variables.items() if v.secret}
    assert set(secrets.values()) >= {"pr0xy-pw", "phr4se", "session=c00kie"}
    assert any("jar" in w for w in result.warnings)
    exported = export_curl(result.collections)
    for secret in ("pr0xy-pw", "phr4se", "c00kie"):
        assert secret not in exported
    typed = Folder("c", requests=[RequestModel(url="https://a/", options=RequestOptions(
        proxy_mode="url", proxy_url="http://u:typed-pw@p:1", client_cert_mode="files",
        client_cert="c.pem", client_cert_passphrase="typed-phrase"))])
    exported = export_curl([typed])
    assert "typed-pw" not in exported and "typed-phrase" not in exported
    assert "typed-pw" in export_curl([typed], include_secrets=True)
