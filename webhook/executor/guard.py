"""The SSRF guard: which hosts and addresses an HTTP step may reach.

Every outbound request, and every redirect hop, is checked twice: the host of
the URL before anything is sent (names and IP literals), and every address the
name resolves to (``GuardedResolver``, which the connector uses, so the address
checked is the address connected to: no second lookup for DNS rebinding to win).

Refused by default: link-local (169.254.0.0/16, fe80::/10) and the cloud
metadata endpoints inside and outside it (169.254.169.254, fd00:ec2::254,
100.100.100.200, metadata.google.internal), loopback, the unspecified
addresses and multicast. Loopback is refused because in the executor-plugin
sidecar it reaches the other containers of the agent pod, and on a laptop the
local admin services; ``--allow-host 127.0.0.1`` (or ``localhost``) lets it
through. Private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) are
allowed: inside a cluster every Service lives there. ``--deny-host`` entries
refuse whatever they match, even what an ``--allow-host`` entry allows.

An IPv6 address that carries an IPv4 address is judged by both, so no IPv6
spelling reaches a refused IPv4 range: IPv4-mapped (``::ffff:a.b.c.d``, which a
dual-stack socket connects to a.b.c.d), IPv4-compatible (``::a.b.c.d``,
deprecated but still routed by some stacks), IPv4-translated
(``::ffff:0:a.b.c.d``), the well-known NAT64 prefix (``64:ff9b::/96``), 6to4
(``2002:AABB:CCDD::/48``) and both IPv4 addresses of a Teredo address
(``2001::/32``). A local-use NAT64 prefix (``64:ff9b:1::/48``) places the IPv4
address where the operator's prefix length says, which the address alone does
not tell: deny it with ``--deny-host`` where such a gateway exists.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")


class AddressRefused(OSError):
    """Raised by the resolver; aiohttp wraps it, so callers look for it in the exception chain."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HostRule:
    """One ``--allow-host`` / ``--deny-host`` entry: a CIDR, an address, a host name or ``*.domain``."""

    text: str
    network: IPNetwork | None = None
    name: str | None = None
    suffix: str | None = None

    @classmethod
    def parse(cls, text: str) -> HostRule:
        value = text.strip()
        if not value:
            raise ValueError("an empty host entry")
        try:
            return cls(value, network=ipaddress.ip_network(value.strip("[]"), strict=False))
        except ValueError:
            pass
        name = normalise_host(value)
        if name.startswith("*."):
            rest = name[2:]
            if not _is_host_name(rest):
                raise ValueError(f"{text!r} is neither a CIDR, an address nor a host name")
            return cls(value, suffix="." + rest)
        if "/" in name or not _is_host_name(name):
            raise ValueError(f"{text!r} is neither a CIDR, an address nor a host name")
        return cls(value, name=name)

    def matches_name(self, host: str) -> bool:
        if self.name is not None:
            return host == self.name
        return self.suffix is not None and host.endswith(self.suffix)

    def matches_address(self, address: IPAddress) -> bool:
        return self.network is not None and any(
            a.version == self.network.version and a in self.network for a in _forms(address)
        )


def _is_host_name(name: str) -> bool:
    labels = name.split(".")
    return bool(name) and len(name) <= 253 and all(
        0 < len(label) <= 63 and all(c.isalnum() or c in "-_" for c in label) for label in labels
    )


def normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _forms(address: IPAddress) -> list[IPAddress]:
    """The address and any IPv4 address it carries (see the module's docstring), each checked on its own."""
    out: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            out.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            out.append(address.sixtofour)
        if address.teredo is not None:
            out.extend(address.teredo)
        if address in _NAT64 or address in _IPV4_COMPATIBLE or address in _IPV4_TRANSLATED:
            out.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return out


def _default_refusal(address: IPAddress) -> str | None:
    for a in _forms(address):
        reason = _refused_kind(a)
        if reason is not None:
            return reason if a == address else f"{reason} in IPv6 form, carrying {a}"
    return None


def _refused_kind(a: IPAddress) -> str | None:
    if a in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if a.is_link_local:
        return "a link-local address"
    if a.is_loopback:
        return "a loopback address"
    if a.is_unspecified or (isinstance(a, ipaddress.IPv4Address) and a in _THIS_NETWORK):
        return "an unspecified address"
    if a.is_multicast or a == ipaddress.IPv4Address("255.255.255.255"):
        return "a multicast or broadcast address"
    return None


@dataclass(frozen=True, slots=True)
class HostPolicy:
    allow: tuple[HostRule, ...] = ()
    deny: tuple[HostRule, ...] = ()
    # Every request and redirect hop asks about its host; the answer never changes under one policy.
    _verdicts: dict[str, str | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_entries(cls, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> HostPolicy:
        """Raises ValueError naming the entry that is neither a CIDR, an address nor a host name."""
        return cls(tuple(HostRule.parse(a) for a in allow), tuple(HostRule.parse(d) for d in deny))

    def check_host(self, host: str) -> str | None:
        """Why a URL host is refused before any lookup (a denied or metadata name, a refused IP literal)."""
        try:
            return self._verdicts[host]
        except KeyError:
            pass
        verdict = self._check_host(host)
        if len(self._verdicts) < 4096:
            self._verdicts[host] = verdict
        return verdict

    def _check_host(self, host: str) -> str | None:
        name = normalise_host(host)
        address = parse_address(name)
        if address is not None:
            return self.check_address(name, address)
        for rule in self.deny:
            if rule.matches_name(name):
                return f"host {name} is denied (--deny-host {rule.text})"
        if any(rule.matches_name(name) for rule in self.allow):
            return None
        if name in METADATA_NAMES:
            return f"host {name} is a cloud metadata endpoint"
        return None

    def check_address(self, host: str, address: IPAddress) -> str | None:
        """Why ``host`` may not be reached at ``address``, or None."""
        name = normalise_host(host)
        for rule in self.deny:
            if rule.matches_address(address) or rule.matches_name(name):
                return f"{_where(name, address)} is denied (--deny-host {rule.text})"
        if any(rule.matches_address(address) or rule.matches_name(name) for rule in self.allow):
            return None
        reason = _default_refusal(address)
        if reason is None:
            return None
        return f"{_where(name, address)} is {reason} (allow it with --allow-host {address})"


def _where(name: str, address: IPAddress) -> str:
    return str(address) if name == str(address) else f"{name} ({address})"


def parse_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(normalise_host(host))
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, then refuses the whole answer if one address is refused."""

    def __init__(self, policy: HostPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner if inner is not None else DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[
            ResolveResult]:
        refusal = self._policy.check_host(host)
        if refusal is not None:
            raise AddressRefused(refusal)
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = parse_address(result["host"])
            if address is None:
                raise AddressRefused(f"{host} resolved to {result['host']!r}, which is not an address")
            refusal = self._policy.check_address(host, address)
            if refusal is not None:
                raise AddressRefused(refusal)
        return results

    async def close(self) -> None:
        await self._inner.close()


def refused_in(exc: BaseException) -> AddressRefused | None:
    """The guard's refusal somewhere in an exception's chain (aiohttp wraps resolver errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, AddressRefused):
            return current
        nested: Any = getattr(current, "os_error", None)
        if isinstance(nested, AddressRefused):
            return nested
        current = current.__cause__ or current.__context__
    return None


def describe_rules(rules: Sequence[HostRule]) -> str:
    return ", ".join(r.text for r in rules) or "none"
