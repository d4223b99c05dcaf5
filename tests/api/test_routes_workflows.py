"""The REST API without a cluster: workflows created, run on the embedded executor, listed, watched, deleted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, ApiServer, seed_workflow

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
