"""retryStrategy (limit, backoff, policies, maxDuration), request timeouts, template and workflow deadlines."""

from __future__ import annotations

import time

import pytest

from tests.executor.conftest import TestServer, by_display, run, workflow
from webhook.executor.nodes import NodeType, Phase

RETRIED = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: retried}
spec:
  entrypoint: flaky
  templates:
  - name: flaky
    retryStrategy: STRATEGY
    http: {url: BASE/flaky, timeoutSeconds: 5}
"""


def retried(server: TestServer, strategy: str) -> dict:
    return workflow(RETRIED.replace("STRATEGY", strategy), server)


async def test_retries_with_backoff_until_success(server: TestServer) -> None:
    server.sequence("GET", "/flaky", [(503, "busy"), (503, "busy"), (200, "ok")])
    started = time.monotonic()
    result = await run(retried(server, "{limit: 4, backoff: {duration: 100ms, factor: 2}}"))
    elapsed = time.monotonic() - started
    node = by_display(result, "retried")
    assert node.type is NodeType.RETRY and node.phase is Phase.SUCCEEDED
    assert node.result == "ok"
    attempts = [by_display(result, f"retried({i})") for i in range(3)]
    assert [a.phase for a in attempts] == [Phase.FAILED, Phase.FAILED, Phase.SUCCEEDED]
    assert attempts[0].message == "received non-2xx response code: 503"
    assert node.children == [a.id for a in attempts]
    # 100 ms, then 200 ms of backoff.
    assert elapsed >= 0.3
    assert len(server.hits("/flaky")) == 3
    assert result.phase is Phase.SUCCEEDED


async def test_limit_exhausted(server: TestServer) -> None:
    server.reply("GET", "/flaky", 500, "down")
    result = await run(retried(server, "{limit: 2}"))
    node = by_display(result, "retried")
    assert (node.phase, node.message) == (Phase.FAILED, "No more retries left")
    assert len(server.hits("/flaky")) == 3
    assert result.phase is Phase.FAILED


@pytest.mark.parametrize("policy, status, attempts", [
    ("OnFailure", 500, 3),          # Failed is retried
    ("OnError", 500, 1),            # Failed is not an Error
    ("Always", 500, 3),
    ("OnTransientError", 503, 3),   # 503 is transient
    ("OnTransientError", 400, 1),   # 400 is not
])
async def test_retry_policies(server: TestServer, policy: str, status: int, attempts: int) -> None:
    server.reply("GET", "/flaky", status, "no")
    await run(retried(server, f"{{limit: 2, retryPolicy: {policy}}}"))
    assert len(server.hits("/flaky")) == attempts


async def test_connection_refused_is_transient(unused_tcp_port: int) -> None:
    wf = workflow(RETRIED.replace("STRATEGY", "{limit: 2, retryPolicy: OnTransientError}")
                  .replace("BASE", f"http://127.0.0.1:{unused_tcp_port}"))
    result = await run(wf)
    attempts = [n for n in result.nodes.values() if n.type is NodeType.HTTP]
    assert len(attempts) == 3
    assert "cannot connect" in attempts[0].message


async def test_max_duration_stops_retrying(server: TestServer) -> None:
    server.reply("GET", "/flaky", 500, "down")
    result = await run(retried(server, "{limit: 10, backoff: {duration: 200ms, maxDuration: 300ms}}"))
    node = by_display(result, "retried")
    assert node.message in ("Backoff would exceed max duration limit", "Max duration limit exceeded")
    assert len(server.hits("/flaky")) == 2


async def test_retry_expression_sees_the_last_attempt(server: TestServer) -> None:
    server.reply("GET", "/flaky", 500, "down")
    result = await run(retried(server, "{limit: 5, expression: 'lastRetry.status == \"Error\"'}"))
    assert len(server.hits("/flaky")) == 1
    assert by_display(result, "retried").message == "received non-2xx response code: 500"


@pytest.mark.parametrize("hops", [
    # One slow answer.
    [("/slow", 200, 3.0, None)],
    # Two redirect hops that each fit in the second but not together: one deadline covers the whole exchange.
    [("/slow", 302, 0.6, "/hop2"), ("/hop2", 200, 0.6, None)],
], ids=["slow-answer", "redirect-hops"])
async def test_timeout_seconds_bounds_the_whole_request(server: TestServer,
                                                       hops: list[tuple[str, int, float, str | None]]) -> None:
    for path, status, delay, location in hops:
        server.reply("GET", path, status, "late", delay=delay, headers={"Location": location} if location else None)
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: slow}
spec:
  entrypoint: slow
  templates:
  - name: slow
    http: {url: BASE/slow, timeoutSeconds: 1}
""", server)
    started = time.monotonic()
    result = await run(wf)
    assert time.monotonic() - started < 2.5
    node = by_display(result, "slow")
    assert node.phase is Phase.FAILED
    assert node.message == f"GET {server.url('/slow')}: no complete response within 1s"


async def test_timeout_covers_a_slow_body(server: TestServer) -> None:
    import asyncio

    from aiohttp import web

    async def dribble(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(30):
            await response.write(b"x")
            await asyncio.sleep(0.1)
        return response

    server.route("GET", "/dribble", dribble)
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: dribble}
spec:
  entrypoint: get
  templates:
  - name: get
    http: {url: BASE/dribble, timeoutSeconds: 1}
""", server)
    result = await run(wf)
    assert "no complete response within 1s" in by_display(result, "dribble").message


async def test_the_default_timeout_applies_without_timeout_seconds(server: TestServer) -> None:
    server.reply("GET", "/slow", 200, "late", delay=3)
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: slow}
spec:
  entrypoint: slow
  templates:
  - name: slow
    http: {url: BASE/slow}
""", server)
    result = await run(wf, default_timeout=0.5)
    assert "within 0.5s" in by_display(result, "slow").message


async def test_template_timeout_and_workflow_deadline(server: TestServer) -> None:
    server.reply("GET", "/slow", 200, "late", delay=5)
    server.reply("GET", "/fast", 200, "quick")
    wf = workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: deadlines}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: bounded, template: bounded}
      - {name: fast, template: fast}
  - name: bounded
    timeout: 300ms
    http: {url: BASE/slow, timeoutSeconds: 30}
  - name: fast
    http: {url: BASE/fast, timeoutSeconds: 30}
""", server)
    result = await run(wf)
    bounded = by_display(result, "bounded")
    assert (bounded.phase, bounded.message) == (Phase.FAILED, "Step exceeded its deadline")
    assert by_display(result, "fast").phase is Phase.SUCCEEDED

    wf["spec"]["activeDeadlineSeconds"] = 1
    wf["spec"]["templates"][1].pop("timeout")
    started = time.monotonic()
    result = await run(wf)
    assert time.monotonic() - started < 3
    assert result.phase is Phase.FAILED
    assert result.message == "Workflow exceeded its deadline"
    assert by_display(result, "bounded").message == "Workflow exceeded its deadline"
