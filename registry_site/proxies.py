"""Which address a request came from, given the proxies the operator put in front of the registry.

Anyone can send ``X-Forwarded-For``; only the entries that the operator's own
proxies appended can be believed. ``TRUSTED_PROXIES`` says which those are:

- none (the default): the header is ignored and the client is the
  connection's peer (``REMOTE_ADDR``);
- a number N: N proxies stand in front of the app, each appending the
  address it received the request from, so the client is the entry N hops
  back from the peer. A request with fewer entries did not come through them
  all, and its peer is taken instead;
- addresses and networks: walking back from the peer, every hop that is one
  of them is a proxy, and the first hop that is not is the client.

The API's rate limits, the login lockout (django-axes) and the logs all use
:func:`client_address`, so that one rule decides who a client is.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from django.conf import settings
from django.http import HttpRequest


def _parse(value: str) -> IPv4Address | IPv6Address | None:
    """Return the address ``value`` names (an IPv4-mapped IPv6 address as IPv4), or None if it names none."""
    try:
        address = ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest) -> str:
    """Return the address of the client that made ``request``, by the ``TRUSTED_PROXIES`` rule.

    The peer's address is returned unchanged when no forwarded entry can be
    believed. A believed entry that is not an address (a proxy writing a port,
    or junk) is never returned: the nearest hop that is one is.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if not trusted:
        return peer
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if isinstance(trusted, int):
        if len(forwarded) < trusted:
            return peer
        client = _parse(forwarded[-trusted])
        return str(client) if client else peer
    address = _parse(peer)
    # A peer without an address is a unix-socket connection: only a local proxy can make one.
    if peer and (address is None or not any(address in network for network in trusted)):
        return peer
    client = peer
    for entry in reversed(forwarded):
        hop = _parse(entry)
        if hop is None:
            break
        client = str(hop)
        if not any(hop in network for network in trusted):
            break
    return client
