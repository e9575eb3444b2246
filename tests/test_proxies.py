"""The client-address rule (registry_site.proxies) and its setting, TRUSTED_PROXIES."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from registry_site.env import env_trusted_proxies
from registry_site.proxies import client_address


def _address(peer: str, forwarded: str | None = None) -> str:
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    with override_settings(TRUSTED_PROXIES=0):
        assert _address("198.51.100.7") == "198.51.100.7"
        assert _address("198.51.100.7", "203.0.113.1") == "198.51.100.7"
        assert _address("198.51.100.7", "203.0.113.1, 10.0.0.1") == "198.51.100.7"


def test_a_proxy_count_takes_the_entry_that_many_hops_back() -> None:
    with override_settings(TRUSTED_PROXIES=1):
        # The client's own entries come first; the proxy appended the last one.
        assert _address("10.0.0.2", "6.6.6.6, 203.0.113.1") == "203.0.113.1"
        # Not through the proxy (a health check from inside): the peer.
        assert _address("10.0.0.2") == "10.0.0.2"
        assert _address("10.0.0.2", "junk") == "10.0.0.2"
    with override_settings(TRUSTED_PROXIES=2):
        assert _address("10.0.0.3", "6.6.6.6, 203.0.113.1, 10.0.0.2") == "203.0.113.1"
        assert _address("10.0.0.3", "203.0.113.1") == "10.0.0.3"


def test_trusted_networks_walk_back_to_the_first_hop_that_is_not_a_proxy() -> None:
    proxies = (ip_network("10.0.0.0/8"), ip_network("2001:db8::/32"))
    with override_settings(TRUSTED_PROXIES=proxies):
        assert _address("10.0.0.2", "6.6.6.6, 203.0.113.1") == "203.0.113.1"
        assert _address("10.0.0.2", "6.6.6.6, 203.0.113.1, 10.1.1.1") == "203.0.113.1"
        assert _address("2001:db8::1", "2001:DB8:0::5, 2001:0db8::7") == "2001:db8::5"  # all proxies: the first
        # A peer that is not a proxy is the client, whatever it forwards.
        assert _address("198.51.100.7", "203.0.113.1") == "198.51.100.7"
        # An entry that is not an address is never the answer: the nearest hop that is one.
        assert _address("10.0.0.2", "203.0.113.1:4711") == "10.0.0.2"
        assert _address("10.0.0.2", "<script>, 10.0.0.9") == "10.0.0.9"
        # A unix-socket peer (no address) can only be a local proxy.
        assert _address("", "203.0.113.1") == "203.0.113.1"
        # IPv4 written as IPv6 (a dual-stack listener) is matched as IPv4.
        assert _address("::ffff:10.0.0.2", "203.0.113.1") == "203.0.113.1"


def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert env_trusted_proxies("TRUSTED_PROXIES") == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert env_trusted_proxies("TRUSTED_PROXIES") == 2
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.5, 192.168.0.0/16,::1 ")
    assert env_trusted_proxies("TRUSTED_PROXIES") == (
        ip_network("10.0.0.5"),
        ip_network("192.168.0.0/16"),
        ip_network("::1"),
    )
    for bad in ("yes", "10.0.0.1/8", "10.0.0.5,", "-1", "proxy.example.org"):
        monkeypatch.setenv("TRUSTED_PROXIES", bad)
        with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
            env_trusted_proxies("TRUSTED_PROXIES")
