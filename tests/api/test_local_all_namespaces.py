"""An empty namespace in the path ("/workflows/", as Argo's UI and `argo list -A` send) means every namespace."""

from __future__ import annotations

import asyncio
import json

from tests.api.conftest import SEED_RESPONSES, TOKENS, ApiFactory, seed_workflow

ALICE, ADMIN = TOKENS[0]["token"], TOKENS[1]["token"]


async def test_lists_and_the_stream_over_every_namespace_need_a_token_for_all(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    for namespace in ("argo", "other"):
        wf = seed_workflow()
        wf["metadata"] = {"name": f"in-{namespace}"}
        status, body = await server.call("POST", f"/api/v1/workflows/{namespace}", {"workflow": wf}, token=ADMIN)
        assert status == 200, body
    status, page = await server.call("GET", "/api/v1/workflows/", token=ADMIN)
    assert status == 200, page
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in page["items"]] == [
        ("argo", "in-argo"), ("other", "in-other")]
    status, page = await server.call("GET", "/api/v1/workflow-templates/", token=ADMIN)
    assert status == 200 and page["items"] == []
    for path in ("/api/v1/workflows/", "/api/v1/workflow-templates/", "/api/v1/workflow-events/"):
        status, body = await server.call("GET", path, token=ALICE)  # alice may use "argo" only
        assert status == 403 and body["code"] == 7 and "all namespaces" in body["message"], (path, body)
    headers = {"Authorization": f"Bearer {ADMIN}"}
    seen = set()
    async with server.session.get(f"{server.url}/api/v1/workflow-events/", headers=headers) as resp:
        assert resp.status == 200
        async with asyncio.timeout(5):
            while len(seen) < 2:
                seen.add(json.loads(await resp.content.readline())["result"]["object"]["metadata"]["namespace"])
    assert seen == {"argo", "other"}
