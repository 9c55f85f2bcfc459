"""Where a webhook may send: the SSRF guard.

Sending is done to the address that was checked: the URL's name is resolved once per attempt,
every address must be public (unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS``), and the connection goes to
that address with the name in the Host header and TLS server name. Redirects are not followed: a 3xx
is a failed attempt recording its Location.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string


def timeout_seconds() -> float:
    return getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)


def dns_resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, by the system's resolver."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, by the callable named in ``WEBHOOK_RESOLVER`` (DNS by default).

    The one place webhook targets are resolved: the check and the connection use its answer, so
    tests can stand in for DNS here.
    """
    resolver = getattr(settings, "WEBHOOK_RESOLVER", "") or "webhooks.targets.dns_resolve"
    return list(import_string(resolver)(host, port))


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the checked addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


#: IPv6 prefixes whose last 32 bits are an IPv4 address the packet is translated or tunnelled to:
#: the IPv4-compatible form (deprecated, ::/96) and NAT64's well-known and local-use prefixes.
_EMBEDDING_IPV4_IN_LAST_32_BITS = (
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a webhook may be sent to ``address``: global and not multicast, and, for an IPv6
    address that carries an IPv4 one (mapped, IPv4-compatible, NAT64, 6to4, Teredo), that IPv4
    address too, so ``[::127.0.0.1]`` or ``[64:ff9b::a00:1]`` do not reach loopback or a private network."""
    if not address.is_global or address.is_multicast:
        return False
    if address.version == 6:
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(address in network for network in _EMBEDDING_IPV4_IN_LAST_32_BITS):
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(is_public(ipv4) for ipv4 in embedded if ipv4 is not None)
    return True


def check_target(url: str) -> Target:
    """Resolve the URL's host once and refuse it if any address is private, loopback, link-local,
    multicast or reserved (unless ``WEBHOOKS_ALLOW_PRIVATE_TARGETS``); the addresses checked are the
    ones to connect to."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in {"http", "https"} or not parts.hostname or port == -1:
        raise ValidationError({"url": "Give an http(s) URL."}, code="invalid_url")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = tuple(resolve(parts.hostname, port))
    except (OSError, UnicodeError):
        addresses = ()
    if not addresses:
        raise ValidationError({"url": "This host name does not resolve."}, code="unresolvable")
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_TARGETS", False):
        for text in addresses:
            address = ipaddress.ip_address(text)
            if not is_public(address):
                raise ValidationError(
                    {"url": f"{parts.hostname} resolves to {address}, a private or reserved address."},
                    code="private_target",
                )
    path = parts.path or "/"
    return Target(parts.scheme, parts.hostname, port, f"{path}?{parts.query}" if parts.query else path, addresses)


def _connect(target: Target, timeout: float) -> socket.socket:
    """A connection to the first checked address that answers (never to a fresh resolution of the name)."""
    error = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, target.port), timeout)
        except OSError as refused:
            error = refused
    raise error


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked address; the Host header still names the URL's host."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is verified against, and SNI sent for, the URL's host."""

    def __init__(self, target: Target, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self):
        self.sock = self.tls.wrap_socket(_connect(self.target, self.timeout), server_hostname=self.target.host)


def post_once(target: Target, body: bytes, headers: dict) -> http.client.HTTPResponse:
    """POST once; redirects are answers like any other (http.client follows none)."""
    connection_class = _CheckedHTTPSConnection if target.scheme == "https" else _CheckedHTTPConnection
    connection = connection_class(target, timeout_seconds())
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the answer's body is not kept; read a little so the receiver is not cut off
        return response
    finally:
        connection.close()
