"""The SSRF guard: link-local and metadata addresses refused, redirects included; allow/deny lists."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from tests.executor.conftest import TestServer, by_display, run, workflow
from webhook.executor.guard import AddressRefused, GuardedResolver, HostPolicy, HostRule
from webhook.executor.nodes import Phase
from webhook.executor.transport import NetworkTransport

ONE_STEP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: ssrf}
spec:
  entrypoint: call
  templates:
  - name: call
    http: {url: "URL", timeoutSeconds: 5}
"""


def one_step(url: str) -> dict:
    return workflow(ONE_STEP.replace("URL", url))


class FixedResolver(AbstractResolver):
    """Answers every name with the given addresses (a stand-in for a DNS record pointing wherever)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[
            ResolveResult]:
        self.asked.append(host)
        return [{"hostname": host, "host": a, "port": port, "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                 "proto": 0, "flags": 0} for a in self.addresses]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("url, reason", [
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("http://[fd00:ec2::254]/latest/", "a cloud metadata address"),
    ("http://100.100.100.200/latest/", "a cloud metadata address"),
    ("http://169.254.10.1/", "a link-local address"),
    ("http://[fe80::1]/", "a link-local address"),
    ("http://[::ffff:169.254.169.254]/", "a cloud metadata address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata endpoint"),
    ("http://0.0.0.0:80/", "an unspecified address"),
])
async def test_metadata_and_link_local_are_refused_before_any_connection(url: str, reason: str) -> None:
    result = await run(one_step(url), policy=HostPolicy())
    node = by_display(result, "ssrf")
    assert node.phase is Phase.ERROR
    assert "refused by the SSRF guard" in node.message and reason in node.message


async def test_loopback_is_refused_unless_allowed(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    refused = await run(one_step(server.url("/ok")), policy=HostPolicy())
    assert "is a loopback address (allow it with --allow-host 127.0.0.1)" in by_display(refused, "ssrf").message
    assert not server.seen
    allowed = await run(one_step(server.url("/ok")), policy=HostPolicy.from_entries(["127.0.0.0/8"]))
    assert by_display(allowed, "ssrf").phase is Phase.SUCCEEDED


async def test_a_name_is_checked_by_every_address_it_resolves_to(server: TestServer) -> None:
    """localhost is looked up by the guard's resolver, and its loopback address refused."""
    server.reply("GET", "/ok", 200, "fine")
    url = server.url("/ok").replace("127.0.0.1", "localhost")
    refused = await run(one_step(url), policy=HostPolicy())
    message = by_display(refused, "ssrf").message
    assert "localhost (127.0.0.1) is a loopback address" in message or "localhost (::1)" in message
    allowed = await run(one_step(url), policy=HostPolicy.from_entries(["localhost"]))
    assert by_display(allowed, "ssrf").phase is Phase.SUCCEEDED


async def test_redirect_to_the_metadata_address_is_refused(server: TestServer) -> None:
    server.reply("GET", "/start", 302, headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    result = await run(one_step(server.url("/start")))
    node = by_display(result, "ssrf")
    assert node.phase is Phase.ERROR
    assert node.message == ("redirect to http://169.254.169.254/latest/meta-data/iam/ refused by the SSRF guard: "
                            "169.254.169.254 is a cloud metadata address (allow it with --allow-host 169.254.169.254)")
    assert [s.path for s in server.seen] == ["/start"]


async def test_redirect_to_a_name_that_resolves_to_link_local_is_refused(server: TestServer) -> None:
    server.reply("GET", "/start", 307, headers={"Location": "http://rebind.example.test/steal"})
    resolver = FixedResolver("169.254.169.254")
    transport = NetworkTransport(LOOPBACK_ONLY, resolver=resolver)
    try:
        result = await run(one_step(server.url("/start")), policy=LOOPBACK_ONLY, transport=transport)
    finally:
        await transport.close()
    node = by_display(result, "ssrf")
    assert node.phase is Phase.ERROR
    assert "rebind.example.test (169.254.169.254) is a cloud metadata address" in node.message
    assert resolver.asked == ["rebind.example.test"]


LOOPBACK_ONLY = HostPolicy.from_entries(["127.0.0.1"])


async def test_allowed_redirects_are_followed_like_go_does(server: TestServer) -> None:
    server.reply("POST", "/submit", 303, headers={"Location": "/result"})
    server.reply("GET", "/result", 200, "done")
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: redirect}
spec:
  entrypoint: post
  templates:
  - name: post
    http:
      url: BASE/submit
      method: POST
      body: "payload"
      timeoutSeconds: 5
      headers: [{name: Authorization, value: "{{workflow.name}}-token"}]
""", server)
    result = await run(wf)
    assert by_display(result, "redirect").result == "done"
    first, second = server.seen
    assert (first.method, first.body) == ("POST", b"payload")
    assert (second.method, second.body) == ("GET", b"")
    # Same host: the credential follows the redirect.
    assert second.headers["Authorization"] == "redirect-token"


async def test_credentials_do_not_follow_a_redirect_to_another_host(server: TestServer) -> None:
    other = server.url("/elsewhere").replace("127.0.0.1", "localhost")
    server.reply("GET", "/start", 302, headers={"Location": other})
    server.reply("GET", "/elsewhere", 200, "there")
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: cross}
spec:
  entrypoint: get
  templates:
  - name: get
    http:
      url: BASE/start
      timeoutSeconds: 5
      headers: [{name: Authorization, value: Bearer abc}, {name: X-Trace, value: "1"}]
""", server)
    result = await run(wf, policy=HostPolicy.from_entries(["127.0.0.1", "::1", "localhost"]))
    assert by_display(result, "cross").result == "there"
    assert "Authorization" not in server.seen[1].headers
    assert server.seen[1].headers["X-Trace"] == "1"


async def test_deny_beats_allow(server: TestServer) -> None:
    server.reply("GET", "/ok", 200, "fine")
    policy = HostPolicy.from_entries(allow=["127.0.0.0/8"], deny=["127.0.0.1/32"])
    result = await run(one_step(server.url("/ok")), policy=policy)
    assert "127.0.0.1 is denied (--deny-host 127.0.0.1/32)" in by_display(result, "ssrf").message
    assert not server.seen


async def test_deny_by_host_name_and_wildcard() -> None:
    policy = HostPolicy.from_entries(deny=["*.internal.example", "db.example"])
    assert policy.check_host("api.internal.example") == "host api.internal.example is denied " \
                                                        "(--deny-host *.internal.example)"
    assert policy.check_host("DB.example.") is not None
    assert policy.check_host("example.com") is None


async def test_private_ranges_are_allowed_by_default() -> None:
    policy = HostPolicy()
    for address in ("10.0.0.7", "172.16.4.4", "192.168.1.1", "100.64.0.1", "fd12::1"):
        assert policy.check_address("svc", ipaddress.ip_address(address)) is None, address


async def test_the_resolver_refuses_the_whole_answer_if_one_address_is_refused() -> None:
    resolver = GuardedResolver(HostPolicy(), FixedResolver("93.184.216.34", "169.254.169.254"))
    with pytest.raises(AddressRefused, match="cloud metadata"):
        await resolver.resolve("mixed.example", 80)
    ok = GuardedResolver(HostPolicy(), FixedResolver("93.184.216.34"))
    assert [r["host"] for r in await ok.resolve("public.example", 80)] == ["93.184.216.34"]


@pytest.mark.parametrize("entry", ["", "not a host!", "10.0.0.0/33", "*.", "a/b"])
def test_bad_host_entries_are_refused_with_a_message(entry: str) -> None:
    with pytest.raises(ValueError):
        HostRule.parse(entry)


def test_cli_names_a_bad_host_entry(cli) -> None:  # type: ignore[no-untyped-def]
    proc = cli("run", "examples/seed.yaml", "--allow-host", "10.0.0.0/33")
    assert proc.returncode == 2
    assert "--allow-host/--deny-host" in proc.stderr and "10.0.0.0/33" in proc.stderr

