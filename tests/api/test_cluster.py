"""The REST API with a cluster: tokens reviewed by the (stand-in) Kubernetes API, each request access-reviewed,
workflows kept as Argo's custom resources there. The stand-in speaks the API server's wire format."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiFactory, ApiServer, seed_workflow
from tests.kube_standin import Fault, KubeStandIn
from webhook.admission.provider import FailurePolicy
from webhook.kube.connection import from_kubeconfig
from webhook.kube.provider import ClusterProvider

NS = "team"
ALICE, MALLORY = "alice-kube-token-0000000001", "mallory-kube-token-00000002"
BASE = f"/api/v1/workflows/{NS}"
VERBS = ("create", "get", "list", "watch", "update", "delete")


@pytest.fixture
async def standin(tmp_path: Path) -> AsyncIterator[KubeStandIn]:
    server = KubeStandIn(tmp_path)
    server.serve_argo_api({ALICE: {"username": "alice", "uid": "u-1", "groups": ["devs"]},
                           MALLORY: {"username": "mallory", "groups": []}})
    for verb in VERBS:
        server.allow("alice", resource="workflows", namespace=NS, verb=verb)
        server.allow("alice", resource="workflowtemplates", namespace=NS, verb=verb)
    server.allow("mallory", resource="workflows", namespace=NS, verb="get")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def cluster_api(api: ApiFactory, standin: KubeStandIn, auth_mode: str = "client") -> ApiServer:
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
    server: ApiServer = await api(tokens=None, provider=provider, auth_mode=auth_mode)
    return server


async def test_workflows_live_in_the_cluster(api: ApiFactory, standin: KubeStandIn) -> None:
    server = await cluster_api(api, standin)
    status, created = await server.call("POST", BASE, {"workflow": seed_workflow()}, token=ALICE)
    assert status == 200, created
    name = created["metadata"]["name"]
    assert ("workflows", NS, name) in standin.objects and created["metadata"]["uid"]
    status, got = await server.call("GET", f"{BASE}/{name}", token=ALICE)
    assert status == 200 and got["spec"]["entrypoint"] == "main"
    for i in range(3):
        wf = seed_workflow()
        wf["metadata"] = {"name": f"more-{i}", "labels": {"batch": "b"}}
        assert (await server.call("POST", BASE, {"workflow": wf}, token=ALICE))[0] == 200
    status, page = await server.call("GET", f"{BASE}?listOptions.limit=2&listOptions.labelSelector=batch%3Db",
                                     token=ALICE)
    assert status == 200 and len(page["items"]) == 2 and page["metadata"]["continue"]
    status, rest = await server.call("GET", f"{BASE}?listOptions.limit=2&listOptions.labelSelector=batch%3Db"
                                     f"&listOptions.continue={page['metadata']['continue']}", token=ALICE)
    assert [i["metadata"]["name"] for i in page["items"] + rest["items"]] == ["more-0", "more-1", "more-2"]
    assert (await server.call("DELETE", f"{BASE}/{name}", token=ALICE))[0] == 200
    assert ("workflows", NS, name) not in standin.objects
    status, body = await server.call("GET", f"{BASE}/{name}", token=ALICE)
    assert status == 404 and body["code"] == 5 and name in body["message"]
    # Validation first, with the cluster as the source of truth: a missing WorkflowTemplate is an error.
    ref = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "r-"},
           "spec": {"workflowTemplateRef": {"name": "not-there"}}}
    status, body = await server.call("POST", BASE, {"workflow": ref}, token=ALICE)
    assert status == 400 and "not-there" in body["message"], body


async def test_tokens_are_reviewed_once_and_access_per_request(api: ApiFactory, standin: KubeStandIn,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = await cluster_api(api, standin)
    status, body = await server.call("GET", BASE, token="not-a-kubernetes-token")
    assert status == 401 and body["code"] == 16
    status, body = await server.call("GET", BASE, token=None)
    assert status == 401
    status, body = await server.call("POST", BASE, {"workflow": seed_workflow()}, token=MALLORY)
    assert status == 403 and body["code"] == 7
    assert "mallory" in body["message"] and "create workflows.argoproj.io" in body["message"]
    assert (await server.call("GET", BASE, token=MALLORY))[0] == 403  # list is another verb
    for _ in range(3):
        assert (await server.call("GET", BASE, token=ALICE))[0] == 200
    # One TokenReview per token, one access review per (user, verb, resource, namespace) while cached.
    assert standin.count("POST", "tokenreviews") == 3
    assert standin.count("POST", "subjectaccessreviews") == 3
    status, info = await server.call("GET", "/api/v1/userinfo", token=ALICE)
    assert info["subject"] == "alice" and info["groups"] == ["devs"]
    sar = [r.body for r in standin.requests if r.resource == "subjectaccessreviews"][-1]
    assert sar["spec"]["resourceAttributes"]["group"] == "argoproj.io" and sar["spec"]["uid"] == "u-1"
    assert ALICE not in caplog.text and MALLORY not in caplog.text


async def test_stop_terminate_resubmit_and_retry_as_argos_server_does(api: ApiFactory,
                                                                     standin: KubeStandIn) -> None:
    server = await cluster_api(api, standin)
    wf = seed_workflow()
    wf["metadata"] = {"name": "flow", "labels": {"team": "x"}}
    assert (await server.call("POST", BASE, {"workflow": wf}, token=ALICE))[0] == 200
    status, body = await server.call("PUT", f"{BASE}/flow/stop", {"message": "enough"}, token=ALICE)
    assert status == 200 and standin.objects[("workflows", NS, "flow")]["spec"]["shutdown"] == "Stop"
    status, body = await server.call("PUT", f"{BASE}/flow/terminate", {}, token=ALICE)
    assert standin.objects[("workflows", NS, "flow")]["spec"]["shutdown"] == "Terminate"
    status, body = await server.call("PUT", f"{BASE}/flow/retry", {}, token=ALICE)
    assert status == 400 and body["code"] == 9, "not finished yet"
    stored = standin.objects[("workflows", NS, "flow")]
    stored["status"] = {"phase": "Failed", "finishedAt": "2026-11-22T10:00:00Z", "message": "boom", "nodes": {
        "flow": {"id": "flow", "name": "flow", "type": "DAG", "phase": "Failed", "children": ["a", "b"]},
        "a": {"id": "a", "name": "flow.get-data", "type": "HTTP", "phase": "Succeeded"},
        "b": {"id": "b", "name": "flow.process-data", "type": "HTTP", "phase": "Failed"}}}
    stored["metadata"]["labels"].update({"workflows.argoproj.io/phase": "Failed",
                                         "workflows.argoproj.io/completed": "true"})
    status, body = await server.call("PUT", f"{BASE}/flow/stop", {}, token=ALICE)
    assert status == 400 and "Failed" in body["message"]
    status, retried = await server.call("PUT", f"{BASE}/flow/retry", {}, token=ALICE)
    assert status == 200, retried
    # As Argo's server: what succeeded is kept, the failed step is forgotten, the DAG above it runs again.
    nodes = retried["status"]["nodes"]
    assert retried["status"]["phase"] == "Running" and set(nodes) == {"flow", "a"}
    assert nodes["flow"]["phase"] == "Running" and nodes["flow"]["children"] == ["a"]
    assert nodes["a"]["phase"] == "Succeeded"
    assert "workflows.argoproj.io/completed" not in retried["metadata"]["labels"]
    assert "shutdown" not in retried["spec"]
    status, fresh = await server.call("PUT", f"{BASE}/flow/resubmit", {}, token=ALICE)
    assert status == 200 and fresh["metadata"]["name"].startswith("flow-")
    assert fresh["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "flow"
    assert fresh["metadata"]["labels"]["team"] == "x"


async def test_suspend_and_resume_as_argos_server_does(api: ApiFactory, standin: KubeStandIn) -> None:
    server = await cluster_api(api, standin)
    wf = seed_workflow()
    wf["metadata"] = {"name": "gate"}
    assert (await server.call("POST", BASE, {"workflow": wf}, token=ALICE))[0] == 200
    status, body = await server.call("PUT", f"{BASE}/gate/suspend", {}, token=ALICE)
    assert status == 200 and standin.objects[("workflows", NS, "gate")]["spec"]["suspend"] is True
    stored = standin.objects[("workflows", NS, "gate")]
    stored["status"] = {"phase": "Running", "nodes": {
        "gate": {"id": "gate", "name": "gate", "type": "Steps", "phase": "Running", "children": ["a", "b"]},
        "a": {"id": "a", "name": "gate[0].approve", "displayName": "approve", "type": "Suspend", "phase": "Running",
              "outputs": {"parameters": [{"name": "who", "valueFrom": {"supplied": {}, "default": "nobody"}}]}},
        "b": {"id": "b", "name": "gate[0].review", "displayName": "review", "type": "Suspend", "phase": "Running"}}}
    status, body = await server.call("PUT", f"{BASE}/gate/resume", {"nodeFieldSelector": "displayName=approve"},
                                     token=ALICE)
    assert status == 200, body
    nodes = standin.objects[("workflows", NS, "gate")]["status"]["nodes"]
    assert nodes["a"]["phase"] == "Succeeded" and nodes["a"]["finishedAt"].endswith("Z")
    assert nodes["a"]["outputs"]["parameters"][0]["value"] == "nobody"
    assert nodes["b"]["phase"] == "Running" and nodes["gate"]["phase"] == "Running"
    assert "suspend" not in standin.objects[("workflows", NS, "gate")]["spec"]
    # An output to be supplied that has no default cannot be resumed past.
    nodes["b"]["outputs"] = {"parameters": [{"name": "ok", "valueFrom": {"supplied": {}}}]}
    status, body = await server.call("PUT", f"{BASE}/gate/resume", {}, token=ALICE)
    assert status == 400 and body["code"] == 9 and "'ok' of node 'review' has not been set" in body["message"]
    standin.objects[("workflows", NS, "gate")]["status"]["phase"] = "Succeeded"
    status, body = await server.call("PUT", f"{BASE}/gate/suspend", {}, token=ALICE)
    assert status == 400 and "Succeeded" in body["message"]


async def test_templates_and_the_event_stream(api: ApiFactory, standin: KubeStandIn) -> None:
    server = await cluster_api(api, standin)
    template = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "seed"},
                "spec": seed_workflow()["spec"]}
    status, created = await server.call("POST", f"/api/v1/workflow-templates/{NS}", {"template": template},
                                        token=ALICE)
    assert status == 200, created
    stale = {**created, "metadata": {**created["metadata"], "resourceVersion": "1"}}
    status, body = await server.call("PUT", f"/api/v1/workflow-templates/{NS}/seed", {"template": stale},
                                     token=ALICE)
    assert status == 409 and body["code"] == 10
    status, body = await server.call("PUT", f"/api/v1/workflow-templates/{NS}/seed", {"template": created},
                                     token=ALICE)
    assert status == 200
    events: list[dict[str, Any]] = []

    async def follow() -> None:
        async with server.session.get(f"{server.url}/api/v1/workflow-events/{NS}",
                                      headers={"Authorization": f"Bearer {ALICE}"}) as resp:
            assert resp.status == 200
            async for line in resp.content:
                if line.strip():
                    events.append(json.loads(line))
                    if len(events) == 2:
                        return

    reader = asyncio.create_task(follow())
    await asyncio.sleep(0.2)
    status, submitted = await server.call("POST", f"{BASE}/submit", {"resourceKind": "WorkflowTemplate",
                                                                      "resourceName": "seed"}, token=ALICE)
    assert status == 200, submitted
    await server.call("PUT", f"{BASE}/{submitted['metadata']['name']}/stop", {}, token=ALICE)
    await asyncio.wait_for(reader, 10)
    assert [e["result"]["type"] for e in events] == ["ADDED", "MODIFIED"]
    assert events[1]["result"]["object"]["spec"]["shutdown"] == "Stop"


async def test_api_server_trouble_becomes_a_clear_grpc_error(api: ApiFactory, standin: KubeStandIn) -> None:
    server = await cluster_api(api, standin)
    assert (await server.call("GET", BASE, token=ALICE))[0] == 200
    standin.fail("POST", "workflows", Fault(status=500, times=1))
    status, body = await server.call("POST", BASE, {"workflow": seed_workflow()}, token=ALICE)
    assert status == 503 and body["code"] == 14 and "500" in body["message"]
    standin.fail("GET", "workflows", Fault(status=403, times=1))
    status, body = await server.call("GET", BASE, token=ALICE)
    assert status == 403 and "service account" in body["message"]
    standin.fail("POST", "tokenreviews", Fault(status=500))
    status, body = await server.call("GET", BASE, token="a-token-never-seen-before-x")
    assert status == 503 and body["code"] == 14


async def test_the_api_sections_deadlines_bound_the_cluster_calls(api: ApiFactory, standin: KubeStandIn) -> None:
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
    server: ApiServer = await api(tokens=None, provider=provider, cluster_call_seconds=0.3, review_seconds=0.3)
    assert (await server.call("GET", BASE, token=ALICE))[0] == 200
    standin.fail("GET", "workflows", Fault(delay=2.0, times=1))
    status, body = await server.call("GET", BASE, token=ALICE)
    assert status == 503 and "within 0.3 s" in body["message"], body
    standin.fail("POST", "tokenreviews", Fault(delay=2.0, times=1))
    status, body = await server.call("GET", BASE, token="a-token-never-seen-before-y")
    assert status == 503 and "did not answer in time" in body["message"], body
