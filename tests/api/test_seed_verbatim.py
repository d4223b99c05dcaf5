"""The seed as written, through the REST API: accepted, stored in portable form (what admission would have let
into a cluster), run; a call that cannot see the task it reads is refused naming that call."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from tests.api.conftest import EXAMPLES, NAMESPACE, ApiFactory
from tests.api.test_cluster import ALICE, NS, cluster_api, standin  # noqa: F401 - the fixture is used here
from tests.api.test_routes_workflows import BASE, wait_finished
from tests.kube_standin import KubeStandIn
from webhook.admission.mutation import ORIGINAL_CONDITIONS

RESPONSES = EXAMPLES / "seed-verbatim-responses.yaml"


def verbatim() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "seed-verbatim.yaml").read_text(encoding="utf-8"))
    return data


def assert_portable(obj: dict[str, Any]) -> None:
    templates = obj["spec"]["templates"]
    assert templates[0]["dag"]["tasks"][1]["arguments"]["parameters"] == [
        {"name": "get-data-result", "value": "{{tasks.get-data.outputs.result}}"}]
    post = templates[2]
    assert post["inputs"]["parameters"] == [{"name": "get-data-result"}]
    assert "{{inputs.parameters.get-data-result}}" in post["http"]["body"]
    assert "contentType" not in post["http"]
    assert post["http"]["headers"] == [{"name": "Content-Type", "value": "application/json"}]
    assert post["http"]["successCondition"] == "response.statusCode == 201"
    kept = json.loads(obj["metadata"]["annotations"][ORIGINAL_CONDITIONS])
    assert "{{tasks.get-data.outputs.result}}" in kept["spec.templates[2].http.body"]


async def test_the_verbatim_seed_is_stored_portable_and_runs(api: ApiFactory) -> None:
    server = await api(responses=RESPONSES)
    status, linted = await server.call("POST", f"{BASE}/lint", {"workflow": verbatim()})
    assert status == 200, linted
    status, created = await server.call("POST", BASE, {"workflow": verbatim()})
    assert status == 200, created
    assert_portable(created)
    done = await wait_finished(server, created["metadata"]["name"])
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert_portable(done)
    results = {n["displayName"]: n.get("outputs", {}).get("result") for n in done["status"]["nodes"].values()}
    assert json.loads(results["process-data"]) == {"accepted": True, "id": "job-4711"}
    # Dry run answers the same portable object and stores nothing more.
    status, dry = await server.call("POST", BASE, {"workflow": verbatim(), "serverDryRun": True})
    assert status == 200
    assert_portable(dry)
    status, page = await server.call("GET", BASE)
    assert status == 200 and len(page["items"]) == 1


async def test_a_call_that_cannot_see_the_task_is_refused_naming_it(api: ApiFactory) -> None:
    server = await api(responses=RESPONSES)
    wf = verbatim()
    del wf["spec"]["templates"][0]["dag"]["tasks"][1]["dependencies"]
    for path in (BASE, f"{BASE}/lint"):
        status, body = await server.call("POST", path, {"workflow": copy.deepcopy(wf)})
        assert status == 400 and body["code"] == 3, body
        assert "AW403" in body["message"] and "task 'process-data' of template 'main'" in body["message"]
    status, page = await server.call("GET", BASE)
    assert status == 200 and page["items"] == []


async def test_workflow_templates_are_stored_portable_on_create_and_update(api: ApiFactory) -> None:
    server = await api(responses=RESPONSES)
    template = verbatim()
    template["kind"] = "WorkflowTemplate"
    template["metadata"] = {"name": "seed"}
    base = f"/api/v1/workflow-templates/{NAMESPACE}"
    status, created = await server.call("POST", base, {"template": copy.deepcopy(template)})
    assert status == 200, created
    assert_portable(created)
    template["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    template["spec"]["templates"][1]["http"]["url"] = "http://example.com/api/data?again=1"
    status, updated = await server.call("PUT", f"{base}/seed", {"template": template})
    assert status == 200, updated
    assert_portable(updated)
    assert updated["spec"]["templates"][1]["http"]["url"].endswith("?again=1")


async def test_with_a_cluster_the_object_sent_to_the_api_server_is_portable(
        api: ApiFactory, standin: KubeStandIn, tmp_path: Path) -> None:  # noqa: F811
    server = await cluster_api(api, standin)
    status, created = await server.call("POST", f"/api/v1/workflows/{NS}", {"workflow": verbatim()}, token=ALICE)
    assert status == 200, created
    assert_portable(standin.objects[("workflows", NS, created["metadata"]["name"])])
