"""The REST API without a cluster: workflows created, run on the embedded executor, listed, watched, deleted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, ApiServer, seed_workflow
from webhook.api.routes import API

BASE = f"/api/v1/workflows/{NAMESPACE}"


async def wait_finished(server: ApiServer, name: str, seconds: float = 10.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        status, body = await server.call("GET", f"{BASE}/{name}")
        assert status == 200, body
        if body.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return dict(body)
        assert asyncio.get_running_loop().time() < deadline, f"{name} still {body.get('status')}"
        await asyncio.sleep(0.05)


async def test_the_seed_workflow_runs_to_success_with_its_outputs(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    status, created = await server.call("POST", BASE, {"workflow": seed_workflow()})
    assert status == 200, created
    md = created["metadata"]
    assert md["name"].startswith("http-example-") and len(md["name"]) == len("http-example-") + 5
    assert md["namespace"] == NAMESPACE and md["uid"] and md["creationTimestamp"].endswith("Z")
    done = await wait_finished(server, md["name"])
    assert done["status"]["phase"] == "Succeeded", done["status"]
    nodes = done["status"]["nodes"].values()
    results = {n["displayName"]: n.get("outputs", {}).get("result") for n in nodes}
    assert json.loads(results["get-data"])["status"] == "completed"
    assert json.loads(results["process-data"]) == {"accepted": True, "id": "job-4711"}
    assert done["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Succeeded"
    assert done["metadata"]["labels"]["workflows.argoproj.io/completed"] == "true"


async def test_an_invalid_workflow_is_refused_with_the_findings(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    wf = seed_workflow()
    wf["spec"]["entrypoint"] = "mian"
    status, body = await server.call("POST", BASE, {"workflow": wf})
    assert status == 400 and body["code"] == 3, body
    assert "entrypoint" in body["message"] and "'mian'" in body["message"]
    status, page = await server.call("GET", BASE)
    assert status == 200 and page["items"] == []


SLOW_WORKFLOW: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": "slow-", "labels": {"team": "a"}},
    "spec": {"entrypoint": "main", "onExit": "bye", "templates": [
        {"name": "main", "steps": [[{"name": "wait", "template": "slow"}], [{"name": "after", "template": "fast"}]]},
        {"name": "slow", "http": {"url": "http://example.com/slow", "timeoutSeconds": 30}},
        {"name": "fast", "http": {"url": "http://example.com/fast"}},
        {"name": "bye", "http": {"url": "http://example.com/bye"}},
    ]},
}
SLOW_RESPONSES = """\
responses:
  - {url: http://example.com/slow, status: 200, body: slow, delay: 20}
  - {url: http://example.com/fast, status: 200, body: fast}
  - {url: http://example.com/bye, status: 200, body: bye}
"""


async def slow_server(api: ApiFactory, tmp_path: Any) -> ApiServer:
    responses = tmp_path / "slow-responses.yaml"
    responses.write_text(SLOW_RESPONSES, encoding="utf-8")
    server: ApiServer = await api(responses=responses)
    return server


async def started(server: ApiServer, workflow: dict[str, Any] = SLOW_WORKFLOW) -> str:
    status, created = await server.call("POST", BASE, {"workflow": workflow})
    assert status == 200, created
    name: str = created["metadata"]["name"]
    for _ in range(200):
        _, body = await server.call("GET", f"{BASE}/{name}")
        if body["status"]["phase"] == "Running" and body["status"].get("nodes"):
            return name
        await asyncio.sleep(0.02)
    raise AssertionError(f"{name} never started running")


async def test_stop_runs_the_exit_handler_and_terminate_does_not(api: ApiFactory, tmp_path: Any) -> None:
    server = await slow_server(api, tmp_path)
    stopped = await started(server)
    status, body = await server.call("PUT", f"{BASE}/{stopped}/stop", {"message": "enough"})
    assert status == 200 and body["metadata"]["name"] == stopped
    done = await wait_finished(server, stopped)
    assert done["status"]["phase"] == "Failed"
    names = {n["name"] for n in done["status"]["nodes"].values()}
    assert f"{stopped}.onExit" in names, names
    terminated = await started(server)
    status, _ = await server.call("PUT", f"{BASE}/{terminated}/terminate", {})
    assert status == 200
    done = await wait_finished(server, terminated)
    assert done["status"]["phase"] == "Failed"
    assert not any(n["name"].endswith(".onExit") for n in done["status"]["nodes"].values())
    assert "Terminate" in done["status"].get("message", "") or any(
        "Terminate" in n.get("message", "") for n in done["status"]["nodes"].values())
    # A finished workflow cannot be stopped again.
    status, body = await server.call("PUT", f"{BASE}/{terminated}/stop", {})
    assert status == 400 and body["code"] == 9 and "Failed" in body["message"]


async def test_retry_runs_a_failed_workflow_again_and_resubmit_makes_a_new_one(api: ApiFactory, tmp_path: Any) -> None:
    server = await slow_server(api, tmp_path)
    name = await started(server)
    await server.call("PUT", f"{BASE}/{name}/terminate", {})
    await wait_finished(server, name)
    status, body = await server.call("PUT", f"{BASE}/{name}/retry", {})
    assert status == 200 and body["status"]["phase"] == "Running", body
    status, body = await server.call("PUT", f"{BASE}/{name}/retry", {})
    assert status == 400 and body["code"] == 9, "a workflow that runs cannot be retried"
    await server.call("PUT", f"{BASE}/{name}/terminate", {})
    await wait_finished(server, name)
    status, fresh = await server.call("PUT", f"{BASE}/{name}/resubmit", {})
    assert status == 200, fresh
    assert fresh["metadata"]["name"].startswith(f"{name}-")
    assert fresh["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == name
    assert fresh["metadata"]["labels"]["team"] == "a"
    await server.call("DELETE", f"{BASE}/{fresh['metadata']['name']}")


async def test_delete_of_a_running_workflow_terminates_it(api: ApiFactory, tmp_path: Any) -> None:
    server = await slow_server(api, tmp_path)
    name = await started(server)
    status, body = await server.call("DELETE", f"{BASE}/{name}")
    assert status == 200 and body == {}
    status, body = await server.call("GET", f"{BASE}/{name}")
    assert status == 404 and body["code"] == 5 and name in body["message"]
    status, body = await server.call("DELETE", f"{BASE}/{name}")
    assert status == 404


async def test_list_pages_and_selectors(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    names = []
    for i in range(7):
        wf = seed_workflow()
        wf["metadata"] = {"name": f"wf-{i}", "labels": {"parity": "even" if i % 2 == 0 else "odd"}}
        status, created = await server.call("POST", BASE, {"workflow": wf})
        assert status == 200, created
        names.append(created["metadata"]["name"])
    for name in names:
        await wait_finished(server, name)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = "?listOptions.limit=3" + (f"&listOptions.continue={token}" if token else "")
        status, page = await server.call("GET", BASE + query)
        assert status == 200, page
        assert page["kind"] == "WorkflowList" and page["metadata"]["resourceVersion"]
        seen += [item["metadata"]["name"] for item in page["items"]]
        pages += 1
        token = page["metadata"].get("continue")
        if not token:
            break
    assert seen == sorted(names) and pages == 3
    status, page = await server.call("GET", BASE + "?listOptions.labelSelector=parity%3Dodd")
    assert [i["metadata"]["name"] for i in page["items"]] == ["wf-1", "wf-3", "wf-5"]
    status, page = await server.call("GET", BASE + "?listOptions.labelSelector=parity!%3Dodd,"
                                     "workflows.argoproj.io/phase%20in%20(Succeeded)")
    assert [i["metadata"]["name"] for i in page["items"]] == ["wf-0", "wf-2", "wf-4", "wf-6"]
    status, page = await server.call("GET", BASE + "?listOptions.fieldSelector=metadata.name%3Dwf-3")
    assert [i["metadata"]["name"] for i in page["items"]] == ["wf-3"]
    status, page = await server.call("GET", BASE + "?listOptions.fieldSelector=metadata.name%3Dwf-&nameFilter=Prefix"
                                     "&listOptions.limit=2")
    assert len(page["items"]) == 2 and page["metadata"]["continue"]
    status, page = await server.call("GET", BASE + "?listOptions.fieldSelector=status.phase%3DFailed")
    assert page["items"] == []
    status, page = await server.call("GET", BASE + "?fields=metadata,items.metadata.name,items.status.phase"
                                     "&listOptions.limit=2")
    assert page["items"] == [{"metadata": {"name": "wf-0"}, "status": {"phase": "Succeeded"}},
                             {"metadata": {"name": "wf-1"}, "status": {"phase": "Succeeded"}}]
    assert page["metadata"]["continue"]
    status, one = await server.call("GET", f"{BASE}/wf-2?fields=-status.nodes")
    assert status == 200 and one["status"]["phase"] == "Succeeded" and "nodes" not in one["status"]
    for bad in ("listOptions.limit=ten", "listOptions.limit=-1", "listOptions.continue=garbage!!",
                "listOptions.labelSelector=a%20b", "listOptions.fieldSelector=spec.x%3D1", "nameFilter=Contains",
                "fields=items..name"):
        status, body = await server.call("GET", f"{BASE}?{bad}")
        assert status == 400 and body["code"] == 3 and body["message"], (bad, body)


async def test_dry_run_stores_nothing(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    wf = seed_workflow()
    wf["metadata"] = {"name": "dry"}
    status, body = await server.call("POST", BASE, {"workflow": wf, "serverDryRun": True})
    assert status == 200 and body["metadata"]["name"] == "dry"
    status, body = await server.call("POST", BASE, {"workflow": wf, "createOptions": {"dryRun": ["All"]}})
    assert status == 200
    assert (await server.call("GET", f"{BASE}/dry"))[0] == 404
    status, body = await server.call("POST", BASE, {"workflow": wf})
    assert status == 200
    status, body = await server.call("POST", BASE, {"workflow": wf})
    assert status == 409 and body["code"] == 6 and "already exists" in body["message"]


async def test_a_workflow_the_embedded_executor_cannot_run_is_refused_by_name(api: ApiFactory) -> None:
    server = await api()
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "c-"},
          "spec": {"entrypoint": "main", "templates": [
              {"name": "main", "container": {"image": "alpine:3.19", "command": ["true"]}}]}}
    status, body = await server.call("POST", BASE, {"workflow": wf})
    assert status == 400 and body["code"] == 3
    assert "'main'" in body["message"] and "container" in body["message"], body


async def test_beyond_the_running_cap_creating_and_retrying_get_429(api: ApiFactory, tmp_path: Any) -> None:
    server = await slow_server(api, tmp_path)
    server.app[API].backend.max_running = 1
    first = await started(server)
    status, body = await server.call("POST", BASE, {"workflow": SLOW_WORKFLOW})
    assert status == 429 and body["code"] == 8 and "1 workflows are running" in body["message"], body
    await server.call("PUT", f"{BASE}/{first}/terminate", {})
    await wait_finished(server, first)
    second = await started(server)  # the slot is free again
    status, body = await server.call("PUT", f"{BASE}/{first}/retry", {})
    assert status == 429 and body["code"] == 8, body
    await server.call("PUT", f"{BASE}/{second}/terminate", {})
    await wait_finished(server, second)
    status, page = await server.call("GET", BASE)
    assert sorted(i["metadata"]["name"] for i in page["items"]) == sorted([first, second])
