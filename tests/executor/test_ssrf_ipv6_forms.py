"""The SSRF guard against IPv6 spellings of refused IPv4 addresses, and other spellings of IPv4, with real requests.

A dual-stack socket connects ``::ffff:127.0.0.1`` to 127.0.0.1, so the test server on 127.0.0.1 would answer
if the guard let these through: each URL below is sent for real and the server must see nothing.
"""

from __future__ import annotations

import ipaddress

import pytest

from tests.executor.conftest import TestServer, by_display, run
from tests.executor.test_ssrf import FixedResolver, one_step
from webhook.executor.guard import AddressRefused, GuardedResolver, HostPolicy
from webhook.executor.nodes import Phase
from webhook.executor.transport import NetworkTransport

# (host as written in a URL, what it must be refused as)
LOOPBACK_SPELLINGS = [
    ("[::127.0.0.1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),  # IPv4-compatible
    ("[::ffff:127.0.0.1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),  # IPv4-mapped
    ("[::ffff:7f00:1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),
    ("[::ffff:0:127.0.0.1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),  # IPv4-translated
    ("[64:ff9b::127.0.0.1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),  # NAT64
    ("[2002:7f00:1::1]", "a loopback address in IPv6 form, carrying 127.0.0.1"),  # 6to4
    # Other spellings of 127.0.0.1 that inet_aton reads as it: refused as URLs, or after the system resolver's
    # answer is checked.
    ("2130706433", None),
    ("0x7f000001", None),
    ("127.1", None),
    ("0177.0.0.1", None),
]


@pytest.mark.parametrize("host, reason", LOOPBACK_SPELLINGS)
async def test_every_spelling_of_loopback_is_refused_and_nothing_is_sent(server: TestServer, host: str,
                                                                           reason: str | None) -> None:
    server.reply("GET", "/ok", 200, "reached")
    port = server.base.rsplit(":", 1)[1]
    result = await run(one_step(f"http://{host}:{port}/ok"), policy=HostPolicy())
    node = by_display(result, "ssrf")
    assert node.phase is Phase.ERROR, node.message
    if reason is None:
        assert "a loopback address" in node.message or node.message.endswith("invalid url"), node.message
    else:
        assert "refused by the SSRF guard" in node.message and reason in node.message, node.message
    assert not server.seen


@pytest.mark.parametrize("embedded, reason", [
    ("169.254.169.254", "a cloud metadata address"),
    ("100.100.100.200", "a cloud metadata address"),
    ("169.254.1.1", "a link-local address"),
    ("127.0.0.1", "a loopback address"),
    ("0.0.0.0", "an unspecified address"),
    ("0.1.2.3", "an unspecified address"),
    ("224.0.0.1", "a multicast or broadcast address"),
    ("255.255.255.255", "a multicast or broadcast address"),
])
def test_every_ipv6_form_of_every_refused_ipv4_range_is_refused(embedded: str, reason: str) -> None:
    v4 = int(ipaddress.IPv4Address(embedded))
    forms = {
        "compatible": ipaddress.IPv6Address(v4),
        "mapped": ipaddress.IPv6Address((0xFFFF << 32) | v4),
        "translated": ipaddress.IPv6Address((0xFFFF << 48) | v4),
        "nat64": ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | v4),
        "6to4": ipaddress.IPv6Address((0x2002 << 112) | (v4 << 80) | 1),
        # Teredo: server in bits 32-63, the client's address inverted in the last 32.
        "teredo-server": ipaddress.IPv6Address((0x20010000 << 96) | (v4 << 64) | 0x0808_0808 ^ 0xFFFFFFFF),
        "teredo-client": ipaddress.IPv6Address((0x20010000 << 96) | (0x08080808 << 64) | (v4 ^ 0xFFFFFFFF)),
    }
    policy = HostPolicy()
    for name, address in forms.items():
        refusal = policy.check_host(f"[{address}]")
        assert refusal is not None and reason in refusal, (name, str(address), refusal)
        assert policy.check_address("svc.example", address) is not None, (name, str(address))


def test_public_and_private_addresses_in_the_same_forms_stay_allowed() -> None:
    policy = HostPolicy()
    for text in ("::ffff:8.8.8.8", "::8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1", "::ffff:10.0.0.7",
                 "::10.0.0.7", "2606:4700:4700::1111", "fd12::1"):
        assert policy.check_host(f"[{text}]") is None, text


def test_allow_and_deny_entries_cover_the_ipv6_forms_too() -> None:
    allowed = HostPolicy.from_entries(["127.0.0.1"])
    assert allowed.check_host("[::ffff:127.0.0.1]") is None
    assert allowed.check_host("[::127.0.0.1]") is None
    denied = HostPolicy.from_entries(deny=["10.0.0.0/8"])
    for text in ("::ffff:10.1.2.3", "::10.1.2.3", "64:ff9b::10.1.2.3", "2002:a01:203::1"):
        refusal = denied.check_host(f"[{text}]")
        assert refusal is not None and "--deny-host 10.0.0.0/8" in refusal, text


@pytest.mark.parametrize("answer", ["::127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::"])
async def test_a_name_that_resolves_to_an_ipv6_form_is_refused(answer: str) -> None:
    resolver = GuardedResolver(HostPolicy(), FixedResolver(answer))
    with pytest.raises(AddressRefused, match="in IPv6 form, carrying"):
        await resolver.resolve("rebind.example.test", 80)


async def test_a_redirect_to_an_ipv6_form_of_the_metadata_address_is_refused(server: TestServer) -> None:
    server.reply("GET", "/start", 302, headers={"Location": "http://[::169.254.169.254]/latest/meta-data/"})
    policy = HostPolicy.from_entries(["127.0.0.1"])  # the first hop is the test server
    transport = NetworkTransport(policy)
    try:
        result = await run(one_step(server.url("/start")), policy=policy, transport=transport)
    finally:
        await transport.close()
    node = by_display(result, "ssrf")
    assert node.phase is Phase.ERROR, node.message
    assert node.message.startswith("redirect to http://[::a9fe:a9fe]/latest/meta-data/ refused by the SSRF "
                                   "guard") and "a cloud metadata address in IPv6 form" in node.message, node.message
    assert [s.path for s in server.seen] == ["/start"]
