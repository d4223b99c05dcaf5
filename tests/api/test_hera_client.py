"""Hera, unmodified, against argo-warden's REST API on 127.0.0.1 over TLS verified against our generated CA."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hera.exceptions import BadRequest, Forbidden, Unauthorized
from hera.workflows import Workflow, WorkflowsService
from hera.workflows.models import Workflow as WorkflowModel
from hera.workflows.models import WorkflowLintRequest

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, TOKENS, ApiFactory, ApiServer, seed_workflow


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
