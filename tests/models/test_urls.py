"""The base URL policy: loopback, private ranges and the allow-list pass; public, link-local
and names that resolve outside are refused; no credentials, query or odd scheme."""

from __future__ import annotations

import pytest

from appliance.models.urls import RefusedUrl, checked, resolve

ALLOWED = ("models.corp.example", "100.64.0.0/10")
NAMES = {
    "gpu.lan": ["10.1.2.3"],
    "public.example": ["93.184.216.34"],
    "split.example": ["10.0.0.7", "93.184.216.34"],
    "metadata.example": ["169.254.169.254"],
    "v6.lan": ["fd12:3456::1"],
    "models.corp.example": ["203.0.113.7"],
}


def fake_dns(host: str) -> list[str]:
    return NAMES.get(host, [])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://[::1]:11434/v1",
        "http://10.0.0.5:8000/v1",
        "https://172.16.4.2",
        "http://192.168.1.20:8080",
        "http://[fd00::5]:8000",
        "http://gpu.lan:8000",
        "http://v6.lan",
        "http://models.corp.example/v1",
        "http://100.64.3.4:9000",
    ],
)
def test_addresses_inside_the_air_gap_are_accepted(url: str) -> None:
    assert checked(url, ALLOWED, fake_dns) == url


def test_a_trailing_slash_is_dropped() -> None:
    assert checked("http://127.0.0.1:8000/v1/", (), fake_dns) == "http://127.0.0.1:8000/v1"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://8.8.8.8", "neither loopback nor a private network"),
        ("http://[2001:4860::8888]", "neither loopback nor a private network"),
        ("http://public.example:8000", "93.184.216.34"),
        ("http://split.example", "93.184.216.34"),
        ("http://169.254.169.254/latest", "169.254.169.254: link-local"),
        ("http://metadata.example", "169.254.169.254: link-local"),
        ("http://[fe80::1]", "never allowed"),
        ("http://0.0.0.0:8000", "never allowed"),
        ("http://[ff02::1]", "never allowed"),
        ("http://[::ffff:8.8.8.8]", "8.8.8.8"),
        ("http://nowhere.example", "does not resolve"),
        ("ftp://10.0.0.5", "http:// or https://"),
        ("10.0.0.5:8000", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("http://user:secret@10.0.0.5", "credentials"),
        ("http://10.0.0.5/v1?key=1", "query"),
        ("http://10.0.0.5/v1#x", "query or a fragment"),
        ("http://10.0.0.5:99999", "not a URL"),
    ],
)
def test_urls_outside_the_policy_are_refused_saying_why(url: str, words: str) -> None:
    with pytest.raises(RefusedUrl, match=words.replace("?", r"\?")) as refused:
        checked(url, ALLOWED, fake_dns)
    assert "secret" not in refused.value.detail


def test_the_allow_list_admits_a_public_host_by_name_or_network() -> None:
    with pytest.raises(RefusedUrl):
        checked("http://public.example", (), fake_dns)
    assert checked("http://public.example", ("public.example",), fake_dns)
    assert checked("http://public.example", ("93.184.216.0/24",), fake_dns)


def test_link_local_is_refused_even_when_allow_listed() -> None:
    with pytest.raises(RefusedUrl, match="never allowed"):
        checked("http://169.254.169.254", ("169.254.0.0/16",), fake_dns)
    with pytest.raises(RefusedUrl, match="never allowed"):
        checked("http://metadata.example", ("metadata.example",), fake_dns)


def test_an_allow_listed_name_must_still_resolve() -> None:
    with pytest.raises(RefusedUrl, match="does not resolve"):
        checked("http://gone.example", ("gone.example",), fake_dns)


def test_the_system_resolver_resolves_localhost_to_loopback() -> None:
    assert set(resolve("localhost")) & {"127.0.0.1", "::1"}
    assert checked("http://localhost:8000", ()) == "http://localhost:8000"
    assert resolve("bad\x00name") == []
