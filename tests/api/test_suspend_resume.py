"""Suspend and resume through the REST API, as `argo suspend` / `argo resume` call it, on the embedded executor."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.conftest import NAMESPACE, ApiFactory, ApiServer
from tests.api.test_routes_workflows import wait_finished
from tests.conftest import until

BASE = f"/api/v1/workflows/{NAMESPACE}"

APPROVAL: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "approval-"},
    "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "approve", "template": "gate"}, {"name": "review", "template": "gate"}],
                                   [{"name": "deploy", "template": "deploy"}]]},
        {"name": "gate", "suspend": {}},
        {"name": "deploy", "http": {"url": "http://example.com/deploy"}},
    ]},
}
RESPONSES = "responses:\n  - {url: http://example.com/deploy, status: 200, body: deployed}\n"


async def server_with_responses(api: ApiFactory, tmp_path: Any) -> ApiServer:
    path = tmp_path / "responses.yaml"
    path.write_text(RESPONSES, encoding="utf-8")
    server: ApiServer = await api(responses=path)
    return server


async def nodes_of(server: ApiServer, name: str) -> dict[str, dict[str, Any]]:
    _, body = await server.call("GET", f"{BASE}/{name}")
    return {n["displayName"]: n for n in (body.get("status", {}).get("nodes") or {}).values()}


async def test_suspend_nodes_wait_until_resumed_one_selector_at_a_time(api: ApiFactory, tmp_path: Any) -> None:
    server = await server_with_responses(api, tmp_path)
    status, created = await server.call("POST", BASE, {"workflow": APPROVAL})
    assert status == 200, created
    name = created["metadata"]["name"]

    async def both_waiting() -> bool:
        nodes = await nodes_of(server, name)
        return all(nodes.get(n, {}).get("phase") == "Running" for n in ("approve", "review"))

    await until(both_waiting)
    nodes = await nodes_of(server, name)
    assert nodes["approve"]["type"] == "Suspend" and "deploy" not in nodes
    status, body = await server.call("PUT", f"{BASE}/{name}/resume", {"nodeFieldSelector": "displayName=approve"})
    assert status == 200 and body["metadata"]["name"] == name

    async def approved() -> bool:
        return (await nodes_of(server, name))["approve"]["phase"] == "Succeeded"

    await until(approved)
    await asyncio.sleep(0.2)
    assert (await nodes_of(server, name))["review"]["phase"] == "Running"  # the selector picked only one
    status, _ = await server.call("PUT", f"{BASE}/{name}/resume", {})
    assert status == 200
    done = await wait_finished(server, name)
    assert done["status"]["phase"] == "Succeeded"
    assert (await nodes_of(server, name))["deploy"]["outputs"]["result"] == "deployed"
    # Finished: nothing left to suspend or resume.
    for action in ("suspend", "resume"):
        status, body = await server.call("PUT", f"{BASE}/{name}/{action}", {})
        assert status == 400 and body["code"] == 9 and "Succeeded" in body["message"], body


async def test_a_suspended_workflow_starts_nothing_new_until_resumed(api: ApiFactory, tmp_path: Any) -> None:
    server = await server_with_responses(api, tmp_path)
    wf = {**APPROVAL, "spec": {**APPROVAL["spec"], "templates": [
        {"name": "main", "steps": [[{"name": "approve", "template": "gate"}],
                                   [{"name": "deploy", "template": "deploy"}]]},
        {"name": "gate", "suspend": {"duration": "0.2s"}},
        APPROVAL["spec"]["templates"][2]]}}
    status, created = await server.call("POST", BASE, {"workflow": wf})
    name = created["metadata"]["name"]
    status, body = await server.call("PUT", f"{BASE}/{name}/suspend", {})
    assert status == 200 and body["spec"]["suspend"] is True
    await asyncio.sleep(0.5)  # the gate's duration is over, but the workflow is suspended
    nodes = await nodes_of(server, name)
    assert "deploy" not in nodes, nodes
    status, body = await server.call("PUT", f"{BASE}/{name}/resume", {})
    assert status == 200 and "suspend" not in body["spec"]
    assert (await wait_finished(server, name))["status"]["phase"] == "Succeeded"


async def test_bad_resume_requests(api: ApiFactory, tmp_path: Any) -> None:
    server = await server_with_responses(api, tmp_path)
    status, body = await server.call("PUT", f"{BASE}/nope/resume", {})
    assert status == 404 and body["code"] == 5
    _, created = await server.call("POST", BASE, {"workflow": APPROVAL})
    name = created["metadata"]["name"]
    status, body = await server.call("PUT", f"{BASE}/{name}/resume", {"nodeFieldSelector": "colour=blue"})
    assert status == 400 and body["code"] == 3 and "unknown field 'colour'" in body["message"]
    await server.call("PUT", f"{BASE}/{name}/terminate", {})
