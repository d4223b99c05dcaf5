"""WorkflowTemplates (CRUD, submit, references from workflows) and the workflow event stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import yaml

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, ApiServer, seed_workflow
from tests.api.test_routes_workflows import BASE, wait_finished

TEMPLATES = f"/api/v1/workflow-templates/{NAMESPACE}"


def seed_template(name: str = "seed") -> dict[str, Any]:
    spec = seed_workflow()["spec"]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": name},
            "spec": spec}


async def test_template_crud_with_optimistic_updates(api: ApiFactory) -> None:
    server = await api()
    status, created = await server.call("POST", TEMPLATES, {"template": seed_template()})
    assert status == 200, created
    version = created["metadata"]["resourceVersion"]
    status, got = await server.call("GET", f"{TEMPLATES}/seed")
    assert status == 200 and got == created
    changed = dict(got)
    changed["spec"] = {**got["spec"], "entrypoint": "main"}
    changed["metadata"] = {**got["metadata"], "labels": {"v": "2"}}
    status, updated = await server.call("PUT", f"{TEMPLATES}/seed", {"template": changed})
    assert status == 200 and updated["metadata"]["labels"] == {"v": "2"}
    assert int(updated["metadata"]["resourceVersion"]) > int(version)
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    stale = {**changed, "metadata": {**changed["metadata"], "resourceVersion": version}}
    status, body = await server.call("PUT", f"{TEMPLATES}/seed", {"template": stale})
    assert status == 409 and body["code"] == 10 and "stale" in body["message"]
    invalid = {**changed, "spec": {**changed["spec"], "entrypoint": "nowhere"}}
    status, body = await server.call("PUT", f"{TEMPLATES}/seed", {"template": invalid})
    assert status == 400 and "nowhere" in body["message"]
    status, page = await server.call("GET", TEMPLATES)
    assert status == 200 and page["kind"] == "WorkflowTemplateList" and len(page["items"]) == 1
    assert (await server.call("DELETE", f"{TEMPLATES}/seed"))[0] == 200
    assert (await server.call("GET", f"{TEMPLATES}/seed"))[0] == 404


async def test_submit_from_a_template_runs_it_with_parameters(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    assert (await server.call("POST", TEMPLATES, {"template": seed_template()}))[0] == 200
    status, created = await server.call("POST", f"{BASE}/submit", {
        "resourceKind": "WorkflowTemplate", "resourceName": "seed",
        "submitOptions": {"labels": "origin=test", "generateName": "from-seed-"}})
    assert status == 200, created
    md = created["metadata"]
    assert md["name"].startswith("from-seed-") and md["labels"]["origin"] == "test"
    assert md["labels"]["workflows.argoproj.io/workflow-template"] == "seed"
    assert created["spec"]["workflowTemplateRef"] == {"name": "seed"}
    done = await wait_finished(server, md["name"])
    assert done["status"]["phase"] == "Succeeded", done["status"]
    status, body = await server.call("POST", f"{BASE}/submit", {"resourceKind": "WorkflowTemplate",
                                                                 "resourceName": "missing"})
    assert status == 400 and "missing" in body["message"], body
    status, body = await server.call("POST", f"{BASE}/submit", {"resourceKind": "CronWorkflow",
                                                                 "resourceName": "seed"})
    assert status == 400 and "resourceKind" in body["message"]


async def read_events(server: ApiServer, query: str, count: int, sse: bool = False) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {server.token}"}
    if sse:
        headers["Accept"] = "text/event-stream"
    events: list[dict[str, Any]] = []
    async with server.session.get(f"{server.url}/api/v1/workflow-events/{NAMESPACE}{query}",
                                  headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/event-stream" if sse else "application/json")
        async with asyncio.timeout(10):
            async for raw in resp.content:
                line = raw.decode().strip()
                if not line or line.startswith(":"):
                    continue
                if sse:
                    assert line.startswith("data: ")
                    line = line[len("data: "):]
                events.append(json.loads(line))
                if len(events) >= count and events[-1]["result"]["object"]["status"]["phase"] == "Succeeded":
                    break
    return events


async def test_a_client_follows_a_run_on_the_event_stream(api: ApiFactory, tmp_path: Path) -> None:
    # The seed's answers, a little slow, so that the run is seen Running before it ends.
    slow = yaml.safe_load(SEED_RESPONSES.read_text(encoding="utf-8"))
    for entry in slow["responses"]:
        entry["delay"] = 0.3
    responses = tmp_path / "slow-seed.yaml"
    responses.write_text(yaml.safe_dump(slow), encoding="utf-8")
    server = await api(responses=responses)
    for sse in (False, True):
        wf = seed_workflow()
        wf["metadata"] = {"name": f"followed-{'sse' if sse else 'lines'}"}
        name = wf["metadata"]["name"]
        reader = asyncio.create_task(read_events(server, f"?listOptions.fieldSelector=metadata.name%3D{name}", 2,
                                                 sse=sse))
        await asyncio.sleep(0.2)
        assert (await server.call("POST", BASE, {"workflow": wf}))[0] == 200
        events = await reader
        kinds = [e["result"]["type"] for e in events]
        assert kinds[0] == "ADDED" and set(kinds[1:]) == {"MODIFIED"}, kinds
        assert {e["result"]["object"]["metadata"]["name"] for e in events} == {name}
        phases = [e["result"]["object"]["status"]["phase"] for e in events]
        assert phases[0] == "Running" and phases[-1] == "Succeeded" and len(phases) >= 3


async def test_the_stream_starts_with_what_exists(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    wf = seed_workflow()
    wf["metadata"] = {"name": "existing"}
    await server.call("POST", BASE, {"workflow": wf})
    await wait_finished(server, "existing")
    events = await read_events(server, "", 1)
    assert events[0]["result"]["type"] == "ADDED"
    assert events[0]["result"]["object"]["metadata"]["name"] == "existing"


async def test_a_missing_workflow_template_is_not_found_in_the_namespace_with_a_did_you_mean(
        api: ApiFactory) -> None:
    server = await api()
    assert (await server.call("POST", TEMPLATES, {"template": seed_template("nightly-report")}))[0] == 200
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "r-"},
          "spec": {"workflowTemplateRef": {"name": "nightly-reprot"}}}
    for path in (BASE, f"{BASE}/lint"):
        status, body = await server.call("POST", path, {"workflow": wf})
        assert status == 400, body
        message = body["message"]
        assert f"WorkflowTemplate 'nightly-reprot' not found in namespace '{NAMESPACE}'" in message, message
        assert "did you mean 'nightly-report'?" in message and "files given" not in message, message
    # A templateRef from a step says the same.
    step = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "r-"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "steps": [[
                {"name": "a", "templateRef": {"name": "nightly-reprot", "template": "main"}}]]}]}}
    status, body = await server.call("POST", f"{BASE}/lint", {"workflow": step})
    assert status == 400 and f"not found in namespace '{NAMESPACE}'" in body["message"], body


async def test_the_lint_endpoint_lints_and_create_submits(api: ApiFactory) -> None:
    """As Argo's server: lint lets arguments wait for the submission; creating a workflow does not."""
    server = await api()
    wf = seed_workflow()
    wf["spec"]["arguments"] = {"parameters": [{"name": "later"}]}
    status, body = await server.call("POST", f"{BASE}/lint", {"workflow": wf})
    assert status == 200, body
    status, body = await server.call("POST", BASE, {"workflow": wf})
    assert status == 400 and "AW222" in body["message"], body
