"""Where a model endpoint may live: inside the air gap. A base URL is http(s) with no
credentials, query or fragment, and its host is loopback, a private range (RFC 1918,
fc00::/7) or on the operator's allow-list (ARENA_MODEL_HOSTS: names or networks). A host
name is resolved and every address it has must pass, so a name that points outside is
refused; link-local addresses (169.254/16, fe80::/10: cloud metadata), unspecified and
multicast ones never pass, not even for an allow-listed name.

The policy is pure given a resolver; `resolve` is the edge that asks the system. Checked at
registration and again before each check (and, next, each evaluation request), because
names and the allow-list change; httpx resolves the name once more when it connects, so a
name re-pointed in between is a window this does not close (pinning the address is the
next step if that matters)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from appliance.errors import Invalid
from appliance.vocabulary import UrlRefusal

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


class RefusedUrl(Invalid):
    """A base URL outside the policy: `code` names the rule it breaks, `values` the facts
    its words name (host, address), `detail` says it in English for the API."""

    def __init__(self, code: UrlRefusal, detail: str, **values: str) -> None:
        super().__init__(detail)
        self.code = code
        self.values = values


def resolve(host: str) -> list[str]:
    """Every address the system resolves `host` to; none when it cannot."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def checked(url: str, allowed_hosts: tuple[str, ...], resolver: Resolver = resolve) -> str:
    """The base URL as stored (no trailing slash), or RefusedUrl saying why not."""
    host = _host(url)
    addresses = _addresses(host, resolver)
    if not addresses:
        raise RefusedUrl(
            "unresolved", f"the host {host!r} of the base URL does not resolve", host=host
        )
    for address in addresses:
        _check_address(host, address, allowed_hosts)
    return url.rstrip("/")


def _check_address(host: str, address: Address, allowed_hosts: tuple[str, ...]) -> None:
    if address.is_link_local or address.is_unspecified or address.is_multicast:
        raise RefusedUrl(
            "never",
            f"the base URL's host {host!r} is {address}: link-local, unspecified and multicast"
            " addresses are never allowed",
            host=host,
            address=str(address),
        )
    if host in allowed_hosts or address.is_loopback:
        return
    if any(address in net for net in (*PRIVATE_NETWORKS, *_networks(allowed_hosts))):
        return
    raise RefusedUrl(
        "outside",
        f"the base URL's host {host!r} is {address}, which is neither loopback nor "
        "a private network; add it to ARENA_MODEL_HOSTS if it is inside the air gap",
        host=host,
        address=str(address),
    )


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl("not_url", f"the base URL is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedUrl("scheme", "the base URL must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl(
            "credentials", "the base URL may not carry credentials: give the API key instead"
        )
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise RefusedUrl("query", "the base URL may not have a query or a fragment")
    if port == 0:
        raise RefusedUrl("port", "the base URL's port must be 1 to 65535")
    return parts.hostname.lower()


def _addresses(host: str, resolver: Resolver) -> list[Address]:
    literal = _address(host)
    if literal is not None:
        return [literal]
    found = [_address(text) for text in resolver(host)]
    return [address for address in found if address is not None]


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is no part of it
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _networks(
    allowed_hosts: tuple[str, ...],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for entry in allowed_hosts:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # a host name, matched by name
    return networks
