"""The executor core on one HTTP template: wire details, body cap, TLS, and templates that cannot be sent."""

from __future__ import annotations

import base64
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.executor.conftest import TestServer, by_display, run, workflow
from webhook.certs import issue
from webhook.executor.nodes import Phase

ONE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: one}
spec:
  entrypoint: main
  templates:
  - name: main
    http: HTTP
"""


def one(http: str, server: TestServer | None = None) -> dict:
    return workflow(ONE.replace("HTTP", http), server)


async def test_host_header_headers_body_and_method(server: TestServer) -> None:
    server.reply("PUT", "/thing", 200, "ok")
    result = await run(one("""
      url: BASE/thing
      method: PUT
      timeoutSeconds: 5
      headers:
      - {name: Host, value: api.example.com}
      - {name: X-Multi, value: a}
      - {name: X-Multi, value: b}
      body: "hello {{workflow.name}}"
""", server))
    assert by_display(result, "one").phase is Phase.SUCCEEDED
    (seen,) = server.seen
    assert seen.headers["Host"] == "api.example.com"
    assert seen.body == b"hello one"
    assert seen.headers["User-Agent"].startswith("argo-warden/")
    assert "Content-Type" not in seen.headers  # like Go's client: none unless the template sets one


async def test_body_from_bytes_is_sent_raw(server: TestServer) -> None:
    server.reply("POST", "/raw", 200, "ok")
    raw = bytes(range(256))
    result = await run(one(f"""
      url: BASE/raw
      method: POST
      timeoutSeconds: 5
      bodyFrom: {{bytes: {base64.b64encode(raw).decode()}}}
      successCondition: len(request.bodyBytes) == 256 && request.body == ""
""", server))
    assert by_display(result, "one").phase is Phase.SUCCEEDED, by_display(result, "one").message
    assert server.seen[0].body == raw


async def test_a_long_body_is_cut_with_a_message(server: TestServer) -> None:
    server.reply("GET", "/big", 200, "é" * 600)  # 1200 bytes of two-byte characters
    result = await run(one("{url: BASE/big, timeoutSeconds: 5}", server), max_body=1001)
    node = by_display(result, "one")
    assert node.phase is Phase.SUCCEEDED
    assert node.result == "é" * 500  # the half character at the cut is dropped
    assert node.message == "response body is larger than 1001 bytes: outputs.result holds its first 1001 bytes"
    server.reply("GET", "/big", 200, "x" * (300 * 1024))
    result = await run(one("{url: BASE/big, timeoutSeconds: 5}", server))
    node = by_display(result, "one")
    assert len(node.result or "") == 256 * 1024
    assert "larger than 256 KiB" in node.message


async def test_response_headers_reach_the_condition(server: TestServer) -> None:
    server.reply("GET", "/h", 200, "{}", headers={"X-Rate-Remaining": "0"})
    result = await run(one("""
      url: BASE/h
      timeoutSeconds: 5
      successCondition: response.headers["X-Rate-Remaining"][0] != "0"
""", server))
    assert by_display(result, "one").message == \
        "successCondition 'response.headers[\"X-Rate-Remaining\"][0] != \"0\"' evaluated false"


async def test_a_condition_on_the_servers_date_header(server: TestServer) -> None:
    # aiohttp writes the Date header every response carries (RFC 1123, GMT), as most servers do.
    server.reply("GET", "/fresh", 200, '{"updated": "2020-01-01T00:00:00Z"}')
    result = await run(one("""
      url: BASE/fresh
      timeoutSeconds: 5
      successCondition: >-
        now() - date(response.headers.Get("Date"), "Mon, 02 Jan 2006 15:04:05 MST") < duration("1m")
        && date(fromJSON(response.body).updated).Year() == 2020
""", server))
    assert by_display(result, "one").phase is Phase.SUCCEEDED, by_display(result, "one").message
    result = await run(one("""
      url: BASE/fresh
      timeoutSeconds: 5
      successCondition: now() - date(fromJSON(response.body).updated) < duration("24h")
""", server))
    assert by_display(result, "one").message == \
        "successCondition 'now() - date(fromJSON(response.body).updated) < duration(\"24h\")' evaluated false"


@pytest.mark.parametrize("http, message", [
    ("{url: 'ftp://example.com/x', timeoutSeconds: 5}", "only http and https urls can be fetched"),
    ("{url: 'http:///nohost', timeoutSeconds: 5}", "the url has no host"),
    ("{url: 'http://example.com', method: 'GE T', timeoutSeconds: 5}", "method 'GE T' is not an HTTP method"),
    ("{url: 'http://example.com', timeoutSeconds: 5, headers: [{name: X, value: \"a\\nb\"}]}",
     "header 'X' has a value with a line break"),
    ("{url: 'http://example.com', timeoutSeconds: 5, bodyFrom: {bytes: '!!'}}", "bodyFrom.bytes is not valid base64"),
    ("{url: 'http://example.com', timeoutSeconds: 'soon'}", "timeoutSeconds 'soon' is not a number"),
    ("{url: 'http://example.com/{{inputs.parameters.nope}}', timeoutSeconds: 5}",
     "unable to resolve {{inputs.parameters.nope}}"),
])
async def test_templates_that_cannot_be_sent_are_errors(http: str, message: str) -> None:
    result = await run(one(http))
    node = by_display(result, "one")
    assert node.phase is Phase.ERROR
    assert message in node.message


async def test_condition_that_does_not_compile_fails_the_step(server: TestServer) -> None:
    server.reply("GET", "/x", 200, "ok")
    result = await run(one("{url: BASE/x, timeoutSeconds: 5, successCondition: 'response.statusCode =='}", server))
    node = by_display(result, "one")
    assert node.phase is Phase.FAILED
    # Argo fails the node with expr's compile error: the message, where, and the line with a caret.
    assert node.message.startswith("the condition ends too early (1:21)\n | response.statusCode ==\n | ")


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[str]:
    files = issue(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(files.cert), str(files.key))
    app = web.Application()

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="secure hello")

    app.router.add_get("/", hello)
    runner = web.AppRunner(app, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    yield f"https://127.0.0.1:{runner.addresses[0][1]}/"
    await runner.cleanup()


async def test_tls_is_verified_unless_insecure_skip_verify(tls_server: str) -> None:
    result = await run(one(f"{{url: '{tls_server}', timeoutSeconds: 5}}"))
    node = by_display(result, "one")
    assert node.phase is Phase.FAILED and "TLS certificate not trusted" in node.message
    result = await run(one(f"{{url: '{tls_server}', timeoutSeconds: 5, insecureSkipVerify: true}}"))
    assert by_display(result, "one").result == "secure hello"


async def test_a_url_password_is_never_shown(unused_tcp_port: int) -> None:
    result = await run(one(f"{{url: 'http://user:hunter22@127.0.0.1:{unused_tcp_port}/x', timeoutSeconds: 2}}"))
    node = by_display(result, "one")
    assert "hunter22" not in node.message and "user@127.0.0.1" in node.message
