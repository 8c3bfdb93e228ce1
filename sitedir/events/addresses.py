"""Where a webhook may be sent: public http(s) addresses only, checked after resolving.

A receiver's URL is refused when its scheme is not http(s), when it carries credentials,
when its port is a well-known one other than 80/443 (mail, databases...), or when any
address its name resolves to is loopback, private, link-local (cloud metadata), reserved
or multicast, or an IPv6 address that carries such an IPv4 one (mapped, NAT64, 6to4).
Checked at registration and again at each delivery (a name may change), and the delivery
connects to the address that was checked. SITEDIR_WEBHOOKS_ALLOW_PRIVATE lets tests and a
network inside one hospital use private addresses.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class RefusedAddress(ValueError):
    """The URL may not receive webhooks; the message says why (French, English)."""

    def __init__(self, fr: str, en: str):
        super().__init__(en)
        self.fr, self.en = fr, en


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked IP to connect to


# What a request line can carry: printable ASCII, as the admin API's pattern says.
_SENDABLE = re.compile(r"[!-~]+")


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (a test may replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IP family's socket address starts with the address as text; typeshed also allows
    # an int there (other families), which a host name's lookup never gives.
    return [info[4][0] for info in infos if isinstance(info[4][0], str)]


# IPv6 forms this Python may call global though they reach an IPv4 address or are retired:
# IPv4-compatible (::a.b.c.d), SIIT-translated (::ffff:0:a.b.c.d), local-use NAT64, site-local.
_NOT_PUBLIC_V6 = tuple(
    ipaddress.ip_network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "fec0::/10")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")  # the last 32 bits are the IPv4 reached


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return _public(str(ip.ipv4_mapped))
        if any(ip in net for net in _NOT_PUBLIC_V6):
            return False
        embedded = ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        )
        if embedded is not None and not _public(str(embedded)):
            return False  # 6to4 or NAT64 to a private IPv4 (a NAT64 gateway would take it there)
    if ip.version == 4 and ip in _IETF_PROTOCOL:
        return False  # 192.0.0.0/24: Python 3.11's is_global takes it, RFC 6890 does not
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_private: bool = False) -> Target:
    """The URL's target, its name resolved and every address checked; or RefusedAddress."""
    if not _SENDABLE.fullmatch(url):
        raise RefusedAddress(
            "Adresse invalide : pas d'espace ni de caractère accentué (nom accentué : xn--…).",
            "Invalid URL: no spaces or non-ASCII characters (an accented name: xn--…).",
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress("Adresse invalide.", "Invalid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(
            "Seules les adresses http(s) sont acceptées.", "Only http(s) URLs are accepted."
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedAddress(
            "Pas d'identifiants dans l'adresse.", "No credentials in the URL, please."
        )
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if port < 1024 and port not in (80, 443):
        raise RefusedAddress(f"Port {port} refusé.", f"Port {port} is refused.")
    host = parts.hostname
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise RefusedAddress(
            f"Nom introuvable : {host}.", f"This name does not resolve: {host}."
        ) from None
    if not addresses:
        raise RefusedAddress(f"Nom introuvable : {host}.", f"This name does not resolve: {host}.")
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise RefusedAddress(
                    "Adresse privée, locale ou réservée refusée.",
                    "Private, loopback, link-local or reserved addresses are refused.",
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])
