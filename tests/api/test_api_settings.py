"""The api section reaches what it bounds: the page size, the streams per client, the embedded runs at once."""

from __future__ import annotations

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, seed_workflow
from webhook.api.routes import API

BASE = f"/api/v1/workflows/{NAMESPACE}"


async def test_a_list_without_a_limit_pages_at_the_settings_page_size(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES, page=2)
    for i in range(3):
        wf = seed_workflow()
        wf["metadata"] = {"name": f"wf-{i}"}
        status, created = await server.call("POST", BASE, {"workflow": wf})
        assert status == 200, created
    status, page = await server.call("GET", BASE)
    assert status == 200 and len(page["items"]) == 2 and page["metadata"].get("continue"), page
    status, page = await server.call("GET", BASE + "?listOptions.limit=50")
    assert status == 200 and len(page["items"]) == 2, page


async def test_streams_and_runs_are_capped_as_the_settings_say(api: ApiFactory) -> None:
    server = await api(streams_per_client=1, max_running=3)
    assert server.app[API].backend.max_running == 3
    headers = {"Authorization": f"Bearer {server.token}"}
    async with server.session.get(server.url + f"/api/v1/workflow-events/{NAMESPACE}", headers=headers) as first:
        assert first.status == 200
        status, body = await server.call("GET", f"/api/v1/workflow-events/{NAMESPACE}")
        assert status == 429 and body["code"] == 8, body
