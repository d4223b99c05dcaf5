"""`serve`'s embedded executor takes the same guard and output cap as `run`: real requests to 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.api.conftest import NAMESPACE, ApiFactory
from tests.api.test_routes_workflows import BASE, wait_finished

BODY = "x" * 100


@pytest.fixture
async def target() -> AsyncIterator[str]:
    hits: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text=BODY)

    app = web.Application()
    app.router.add_get("/data", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/data"
    await runner.cleanup()


def _workflow(url: str) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": "local-", "namespace": NAMESPACE},
            "spec": {"entrypoint": "get", "templates": [
                {"name": "get", "http": {"url": url, "successCondition": "response.statusCode == 200"}}]}}


async def _run(server: Any, url: str) -> dict[str, Any]:
    status, created = await server.call("POST", BASE, {"workflow": _workflow(url)})
    assert status == 200, created
    done = await wait_finished(server, created["metadata"]["name"])
    nodes = [n for n in done["status"]["nodes"].values() if n["type"] == "HTTP"]
    assert len(nodes) == 1
    return dict(nodes[0])


async def test_loopback_is_refused_by_default(api: ApiFactory, target: str) -> None:
    node = await _run(await api(), target)
    assert node["phase"] in ("Failed", "Error") and "127.0.0.1" in node["message"], node


async def test_allow_host_opens_loopback_and_max_body_cuts_the_result(api: ApiFactory, target: str) -> None:
    node = await _run(await api(allow_hosts=("127.0.0.1",), max_body=16), target)
    assert node["phase"] == "Succeeded", node
    assert node["outputs"]["result"] == "x" * 16
    assert "larger than" in node["message"]


async def test_deny_host_wins_over_allow_host(api: ApiFactory, target: str) -> None:
    node = await _run(await api(allow_hosts=("127.0.0.0/8",), deny_hosts=("127.0.0.1",)), target)
    assert node["phase"] in ("Failed", "Error"), node


async def test_a_bad_entry_is_a_usage_error(api: ApiFactory) -> None:
    from webhook.api.routes import ApiConfigError

    with pytest.raises(ApiConfigError, match="--allow-host/--deny-host"):
        await api(allow_hosts=("300.1.2.3/40",))
