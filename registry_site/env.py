"""Read settings from the environment, failing loudly on values that make no sense.

Each helper raises ``ImproperlyConfigured`` naming the variable, so a typo in a
deployment shows up at start-up instead of as odd behaviour later
(healthchecks' ``envbool`` does the same).
"""

from __future__ import annotations

import os
import re
from ipaddress import IPv4Network, IPv6Network, ip_network

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable's value, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean; raise on anything but yes/no words."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use one of {sorted(_TRUE)} or {sorted(_FALSE)}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as an integer; raise if it is not one or is too small."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped items."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: list[str]) -> str:
    """Return the variable if it is one of ``choices`` (case-insensitive); raise otherwise."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}.")


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """Return a request rate such as ``60/minute``; raise if it is not one."""
    value = env_str(name, default) or default
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 60/minute (per second|minute|hour|day).")
    return value


def env_trusted_proxies(name: str) -> int | tuple[IPv4Network | IPv6Network, ...]:
    """Return the proxies whose ``X-Forwarded-For`` entries are believed; raise if the value is neither form.

    Either a number of proxies in front of the app (``1``: the entry the one
    proxy appended), or their addresses and networks, comma-separated
    (``10.0.0.5, 192.168.0.0/16, ::1``). Unset, empty or ``0``: none, so
    ``X-Forwarded-For`` is ignored and the client is the connection's peer.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    networks = []
    for item in value.split(","):
        try:
            # strict: "10.0.0.1/8" is refused rather than read as 10.0.0.0/8, which it may not mean.
            networks.append(ip_network(item.strip(), strict=True))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}={value!r}: {item.strip()!r} is not an address or network ({exc}). Give a number "
                "of proxies, or their addresses or networks comma-separated (e.g. 10.0.0.5,192.168.0.0/16)."
            ) from None
    return tuple(networks)
