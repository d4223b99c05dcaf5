"""Hera, unmodified, against argo-warden's REST API on 127.0.0.1 over TLS verified against our generated CA."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hera.exceptions import AlreadyExists, BadRequest, Forbidden, NotFound, Unauthorized
from hera.workflows import Workflow, WorkflowsService
from hera.workflows.models import ClusterWorkflowTemplate as ClusterWorkflowTemplateModel
from hera.workflows.models import (
    ClusterWorkflowTemplateLintRequest,
    LintCronWorkflowRequest,
    SubmitOpts,
    WorkflowCreateRequest,
    WorkflowLintRequest,
    WorkflowResubmitRequest,
    WorkflowResumeRequest,
    WorkflowRetryRequest,
    WorkflowStopRequest,
    WorkflowSubmitRequest,
    WorkflowSuspendRequest,
    WorkflowTemplateCreateRequest,
    WorkflowTemplateLintRequest,
    WorkflowTemplateUpdateRequest,
    WorkflowTerminateRequest,
)
from hera.workflows.models import CronWorkflow as CronWorkflowModel
from hera.workflows.models import Workflow as WorkflowModel
from hera.workflows.models import WorkflowTemplate as WorkflowTemplateModel

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, TOKENS, ApiFactory, ApiServer, seed_workflow
from tests.api.test_routes_templates_and_events import seed_template
from tests.api.test_routes_workflows import SLOW_RESPONSES, SLOW_WORKFLOW


def service(server: ApiServer, token: str | None = "") -> WorkflowsService:
    # requests takes a CA bundle path where hera's annotation says bool.
    return WorkflowsService(host=server.url, token=server.token if token == "" else token,
                            verify_ssl=str(server.ca_file), namespace=NAMESPACE)  # type: ignore[arg-type]


async def test_hera_lints_creates_waits_lists_and_deletes(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    hera = service(server)

    linted = await asyncio.to_thread(hera.lint_workflow,
                                     WorkflowLintRequest(workflow=WorkflowModel(**seed_workflow())))
    assert linted.spec.entrypoint == "main"
    bad = seed_workflow()
    bad["spec"]["templates"][1]["http"]["successCondition"] = "response.statuscode == 200"
    with pytest.raises(BadRequest) as info:
        await asyncio.to_thread(hera.lint_workflow, WorkflowLintRequest(workflow=WorkflowModel(**bad)))
    assert "response has no field 'statuscode'" in str(info.value)
    assert "did you mean 'response.statusCode'" in str(info.value)

    workflow = Workflow.from_dict(seed_workflow())
    workflow.workflows_service = hera
    workflow.namespace = NAMESPACE
    created = await asyncio.to_thread(workflow.create, wait=True, poll_interval=0)
    assert created.status is not None and created.status.phase == "Succeeded"
    nodes = created.status.nodes or {}
    results = {n.display_name: n.outputs.result for n in nodes.values() if n.outputs is not None}
    assert json.loads(results["process-data"] or "{}") == {"accepted": True, "id": "job-4711"}

    for _ in range(4):
        await asyncio.to_thread(_create, hera)
    names: list[str] = []
    token: str | None = None
    while True:
        page = await asyncio.to_thread(hera.list_workflows, limit="2", continue_=token)
        names += [item.metadata.name for item in page.items or [] if item.metadata.name]
        token = page.metadata.continue_
        if not token:
            break
    assert len(names) == 5 and names == sorted(names)
    await asyncio.to_thread(hera.delete_workflow, names[0])
    page = await asyncio.to_thread(hera.list_workflows)
    assert names[0] not in [item.metadata.name for item in page.items or []]


def _create(hera: WorkflowsService) -> Any:
    workflow = Workflow.from_dict(seed_workflow())
    workflow.workflows_service = hera
    workflow.namespace = NAMESPACE
    return workflow.create()


async def test_hera_sees_401_and_403(api: ApiFactory) -> None:
    server = await api()
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(service(server, token="wrong-token-but-long-enough").list_workflows)
    with pytest.raises(Unauthorized):
        await asyncio.to_thread(service(server, token=None).list_workflows)
    with pytest.raises(Forbidden) as info:
        await asyncio.to_thread(service(server).list_workflows, namespace="elsewhere")
    assert "alice" in str(info.value)
    assert (await asyncio.to_thread(service(server, token=TOKENS[1]["token"]).list_workflows,
                                    namespace="elsewhere")).items == []


async def test_hera_templates_submit_run_control_and_server_info(api: ApiFactory, tmp_path: Path) -> None:
    responses = tmp_path / "responses.yaml"
    recorded = yaml.safe_load(SEED_RESPONSES.read_text(encoding="utf-8"))
    recorded["responses"] += yaml.safe_load(SLOW_RESPONSES)["responses"]
    responses.write_text(yaml.safe_dump(recorded), encoding="utf-8")
    server = await api(responses=responses)
    hera = service(server)

    template = WorkflowTemplateModel(**seed_template())
    linted = await asyncio.to_thread(hera.lint_workflow_template, WorkflowTemplateLintRequest(template=template))
    assert linted.metadata.name == "seed"
    created = await asyncio.to_thread(hera.create_workflow_template,
                                      WorkflowTemplateCreateRequest(template=template))
    assert created.metadata.uid and created.metadata.resource_version
    got = await asyncio.to_thread(hera.get_workflow_template, "seed")
    got.metadata.labels = {"v": "2"}
    updated = await asyncio.to_thread(hera.update_workflow_template, "seed",
                                      WorkflowTemplateUpdateRequest(template=got))
    assert updated.metadata.labels == {"v": "2"}
    with pytest.raises(AlreadyExists):
        # The stale resourceVersion of the first answer: Argo's 409.
        await asyncio.to_thread(hera.update_workflow_template, "seed",
                                WorkflowTemplateUpdateRequest(template=created))
    listed = await asyncio.to_thread(hera.list_workflow_templates, label_selector="v=2")
    assert [t.metadata.name for t in listed.items or []] == ["seed"]

    submitted = await asyncio.to_thread(hera.submit_workflow, WorkflowSubmitRequest(
        resource_kind="WorkflowTemplate", resource_name="seed", submit_options=SubmitOpts(labels="origin=hera")))
    assert submitted.metadata.labels and submitted.metadata.labels["origin"] == "hera"
    done = await asyncio.to_thread(wait_for, hera, submitted.metadata.name or "")
    assert done.status is not None and done.status.phase == "Succeeded"
    await asyncio.to_thread(hera.delete_workflow_template, "seed")
    with pytest.raises(NotFound):
        await asyncio.to_thread(hera.get_workflow_template, "seed")

    # Run control on a workflow that waits for a slow response.
    slow = await asyncio.to_thread(hera.create_workflow, WorkflowCreateRequest(workflow=WorkflowModel(**SLOW_WORKFLOW)))
    name = slow.metadata.name or ""
    stopped = await asyncio.to_thread(hera.stop_workflow, name, WorkflowStopRequest(message="enough"))
    assert stopped.metadata.name == name
    assert (await asyncio.to_thread(wait_for, hera, name)).status.phase == "Failed"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Failed"):
        await asyncio.to_thread(hera.terminate_workflow, name, WorkflowTerminateRequest())
    retried = await asyncio.to_thread(hera.retry_workflow, name, WorkflowRetryRequest())
    assert retried.status is not None and retried.status.phase == "Running"
    await asyncio.to_thread(hera.terminate_workflow, name, WorkflowTerminateRequest())
    assert (await asyncio.to_thread(wait_for, hera, name)).status.phase == "Failed"  # type: ignore[union-attr]
    fresh = await asyncio.to_thread(hera.resubmit_workflow, name, WorkflowResubmitRequest())
    assert fresh.metadata.name != name and fresh.metadata.labels
    assert fresh.metadata.labels["workflows.argoproj.io/resubmitted-from-workflow"] == name
    await asyncio.to_thread(hera.terminate_workflow, fresh.metadata.name or "", WorkflowTerminateRequest())

    # Suspend and resume, as `argo suspend` / `argo resume` send them.
    gated = await asyncio.to_thread(hera.create_workflow,
                                    WorkflowCreateRequest(workflow=WorkflowModel(**SLOW_WORKFLOW)))
    gated_name = gated.metadata.name or ""
    suspended = await asyncio.to_thread(hera.suspend_workflow, gated_name, WorkflowSuspendRequest())
    assert suspended.spec.suspend is True
    resumed = await asyncio.to_thread(hera.resume_workflow, gated_name,
                                      WorkflowResumeRequest(node_field_selector="displayName=wait"))
    assert resumed.spec.suspend is None
    await asyncio.to_thread(hera.terminate_workflow, gated_name, WorkflowTerminateRequest())
    assert (await asyncio.to_thread(wait_for, hera, gated_name)).status.phase == "Failed"  # type: ignore[union-attr]
    with pytest.raises(BadRequest, match="Failed"):
        await asyncio.to_thread(hera.resume_workflow, gated_name, WorkflowResumeRequest())

    version = await asyncio.to_thread(hera.get_version)
    assert version.version
    assert (await asyncio.to_thread(hera.get_user_info)).subject == "alice"
    await asyncio.to_thread(hera.get_info)
    # Hera 7 models the plural schedules field (Argo 3.6+).
    cron = {"metadata": {"name": "nightly"},
            "spec": {"schedules": ["0 3 * * *"], "workflowSpec": seed_workflow()["spec"]}}
    assert (await asyncio.to_thread(hera.lint_cron_workflow, LintCronWorkflowRequest(
        cron_workflow=CronWorkflowModel(**cron)))).metadata.name == "nightly"
    cluster = {"metadata": {"name": "shared"}, "spec": seed_workflow()["spec"]}
    lint_cluster = ClusterWorkflowTemplateLintRequest(template=ClusterWorkflowTemplateModel(**cluster))
    # A ClusterWorkflowTemplate belongs to no namespace: alice's token (namespace argo) may not create one, nor lint it.
    with pytest.raises(Forbidden):
        await asyncio.to_thread(hera.lint_cluster_workflow_template, lint_cluster)
    admin = service(server, token=TOKENS[1]["token"])
    assert (await asyncio.to_thread(admin.lint_cluster_workflow_template, lint_cluster)).metadata.name == "shared"


def wait_for(hera: WorkflowsService, name: str) -> WorkflowModel:
    deadline = time.monotonic() + 15
    while True:
        got = hera.get_workflow(name)
        if got.status is not None and got.status.phase in ("Succeeded", "Failed", "Error"):
            return got
        assert time.monotonic() < deadline, got.status
        time.sleep(0.05)
