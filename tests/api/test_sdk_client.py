"""The official argo-workflows SDK, unmodified, against argo-warden's REST API over TLS (our generated CA)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from argo_workflows import ApiClient, Configuration
from argo_workflows.apis import InfoServiceApi, WorkflowServiceApi, WorkflowTemplateServiceApi
from argo_workflows.exceptions import ApiException, ForbiddenException, NotFoundException, UnauthorizedException
from argo_workflows.model.io_argoproj_workflow_v1alpha1_submit_opts import IoArgoprojWorkflowV1alpha1SubmitOpts
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_lint_request import (
    IoArgoprojWorkflowV1alpha1WorkflowLintRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_resubmit_request import (
    IoArgoprojWorkflowV1alpha1WorkflowResubmitRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_retry_request import (
    IoArgoprojWorkflowV1alpha1WorkflowRetryRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_stop_request import (
    IoArgoprojWorkflowV1alpha1WorkflowStopRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_submit_request import (
    IoArgoprojWorkflowV1alpha1WorkflowSubmitRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_template_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTemplateCreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_template_lint_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTemplateLintRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_template_update_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTemplateUpdateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_terminate_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTerminateRequest,
)

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, ApiServer, seed_workflow
from tests.api.test_routes_templates_and_events import seed_template
from tests.api.test_routes_workflows import SLOW_RESPONSES, SLOW_WORKFLOW


def workflow_api(server: ApiServer, token: str | None = "") -> WorkflowServiceApi:
    config = Configuration(host=server.url, ssl_ca_cert=str(server.ca_file))
    chosen = server.token if token == "" else token
    if chosen is not None:
        config.api_key["BearerToken"] = chosen
        config.api_key_prefix["BearerToken"] = "Bearer"
    return WorkflowServiceApi(ApiClient(config))


def request_with(model: Any, workflow: dict[str, Any]) -> Any:
    # The generated models convert nested dicts themselves when asked to (as the SDK's own examples do).
    return model(workflow=workflow, _check_type=False)


def create_and_wait(api: WorkflowServiceApi) -> Any:
    created = api.create_workflow(NAMESPACE, request_with(IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
                                                          seed_workflow()), _check_return_type=False)
    name = created["metadata"]["name"]
    deadline = time.monotonic() + 15
    while True:
        got = api.get_workflow(NAMESPACE, name, _check_return_type=False)
        if got["status"]["phase"] in ("Succeeded", "Failed", "Error"):
            return got
        assert time.monotonic() < deadline
        time.sleep(0.05)


async def test_sdk_lints_creates_waits_lists_and_deletes(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES)
    sdk = workflow_api(server)
    linted = await asyncio.to_thread(sdk.lint_workflow, NAMESPACE, request_with(
        IoArgoprojWorkflowV1alpha1WorkflowLintRequest, seed_workflow()), _check_return_type=False)
    assert linted["spec"]["entrypoint"] == "main"
    bad = seed_workflow()
    bad["spec"]["templates"][0]["dag"]["tasks"][1]["depends"] = "get-dta"
    with pytest.raises(ApiException) as info:
        await asyncio.to_thread(sdk.lint_workflow, NAMESPACE, request_with(
            IoArgoprojWorkflowV1alpha1WorkflowLintRequest, bad), _check_return_type=False)
    assert info.value.status == 400
    assert "get-dta" in json.loads(info.value.body)["message"]

    done = await asyncio.to_thread(create_and_wait, sdk)
    assert done["status"]["phase"] == "Succeeded"
    results = {n["displayName"]: n.get("outputs", {}).get("result") for n in done["status"]["nodes"].values()}
    assert json.loads(results["get-data"])["data"]["items"] == ["alpha", "beta", "gamma"]

    for _ in range(2):
        await asyncio.to_thread(create_and_wait, sdk)
    # Typed answers too: the SDK's own models accept what we send.
    page = await asyncio.to_thread(sdk.list_workflows, NAMESPACE, list_options_limit="2")
    assert len(page.items) == 2 and page.metadata._continue
    rest = await asyncio.to_thread(sdk.list_workflows, NAMESPACE, list_options_limit="2",
                                   list_options_continue=page.metadata._continue)
    names = [w.metadata.name for w in [*page.items, *rest.items]]
    assert len(set(names)) == 3
    typed = await asyncio.to_thread(sdk.get_workflow, NAMESPACE, names[0])
    assert typed.status.phase == "Succeeded"
    await asyncio.to_thread(sdk.delete_workflow, NAMESPACE, names[0])
    left = await asyncio.to_thread(sdk.list_workflows, NAMESPACE)
    assert names[0] not in [w.metadata.name for w in left.items]


async def test_sdk_sees_401_and_403(api: ApiFactory) -> None:
    server = await api()
    with pytest.raises(UnauthorizedException) as unauthorized:
        await asyncio.to_thread(workflow_api(server, token=None).list_workflows, NAMESPACE)
    assert unauthorized.value.status == 401 and json.loads(unauthorized.value.body)["code"] == 16
    with pytest.raises(UnauthorizedException):
        await asyncio.to_thread(workflow_api(server, token="a-wrong-token-of-some-length").list_workflows, NAMESPACE)
    with pytest.raises(ForbiddenException) as forbidden:
        await asyncio.to_thread(workflow_api(server).list_workflows, "elsewhere")
    assert forbidden.value.status == 403 and "alice" in json.loads(forbidden.value.body)["message"]


async def test_sdk_templates_submit_run_control_and_server_info(api: ApiFactory, tmp_path: Path) -> None:
    responses = tmp_path / "responses.yaml"
    recorded = yaml.safe_load(SEED_RESPONSES.read_text(encoding="utf-8"))
    recorded["responses"] += yaml.safe_load(SLOW_RESPONSES)["responses"]
    responses.write_text(yaml.safe_dump(recorded), encoding="utf-8")
    server = await api(responses=responses)
    client = api_client(server)
    templates = WorkflowTemplateServiceApi(client)
    workflows = WorkflowServiceApi(client)

    # Answers are parsed into the SDK's typed models (the default _check_return_type=True).
    linted = await asyncio.to_thread(templates.lint_workflow_template, NAMESPACE,
                                     IoArgoprojWorkflowV1alpha1WorkflowTemplateLintRequest(
                                         template=seed_template(), _check_type=False))
    assert linted.metadata.name == "seed"
    created = await asyncio.to_thread(templates.create_workflow_template, NAMESPACE,
                                      IoArgoprojWorkflowV1alpha1WorkflowTemplateCreateRequest(
                                          template=seed_template(), _check_type=False))
    assert created.metadata.uid and created.metadata.resource_version
    got = await asyncio.to_thread(templates.get_workflow_template, NAMESPACE, "seed", _check_return_type=False)
    got["metadata"]["labels"] = {"v": "2"}
    updated = await asyncio.to_thread(templates.update_workflow_template, NAMESPACE, "seed",
                                      IoArgoprojWorkflowV1alpha1WorkflowTemplateUpdateRequest(
                                          template=got, _check_type=False))
    assert updated.metadata.labels == {"v": "2"}
    with pytest.raises(ApiException) as conflict:
        await asyncio.to_thread(templates.update_workflow_template, NAMESPACE, "seed",
                                IoArgoprojWorkflowV1alpha1WorkflowTemplateUpdateRequest(
                                    template=client.sanitize_for_serialization(created), _check_type=False))
    assert conflict.value.status == 409 and json.loads(conflict.value.body)["code"] == 10
    listed = await asyncio.to_thread(templates.list_workflow_templates, NAMESPACE,
                                     list_options_label_selector="v=2")
    assert [t.metadata.name for t in listed.items] == ["seed"]

    submitted = await asyncio.to_thread(workflows.submit_workflow, NAMESPACE,
                                        IoArgoprojWorkflowV1alpha1WorkflowSubmitRequest(
                                            resource_kind="WorkflowTemplate", resource_name="seed",
                                            submit_options=IoArgoprojWorkflowV1alpha1SubmitOpts(labels="origin=sdk")))
    assert submitted.metadata.labels["origin"] == "sdk"
    done = await asyncio.to_thread(wait_for, workflows, submitted.metadata.name)
    assert done.status.phase == "Succeeded"
    await asyncio.to_thread(templates.delete_workflow_template, NAMESPACE, "seed")
    with pytest.raises(NotFoundException):
        await asyncio.to_thread(templates.get_workflow_template, NAMESPACE, "seed")

    slow = await asyncio.to_thread(workflows.create_workflow, NAMESPACE,
                                   IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=SLOW_WORKFLOW,
                                                                                   _check_type=False))
    name = slow.metadata.name
    # Answers about running workflows are typed too (no null timestamps: see wait_for).
    running = await asyncio.to_thread(workflows.get_workflow, NAMESPACE, name)
    assert running.status.phase == "Running" and running.status.started_at
    stopped = await asyncio.to_thread(workflows.stop_workflow, NAMESPACE, name,
                                      IoArgoprojWorkflowV1alpha1WorkflowStopRequest(message="enough"))
    assert stopped.metadata.name == name
    assert (await asyncio.to_thread(wait_for, workflows, name)).status.phase == "Failed"
    retried = await asyncio.to_thread(workflows.retry_workflow, NAMESPACE, name,
                                      IoArgoprojWorkflowV1alpha1WorkflowRetryRequest())
    assert retried.status.phase == "Running"
    await asyncio.to_thread(workflows.terminate_workflow, NAMESPACE, name,
                            IoArgoprojWorkflowV1alpha1WorkflowTerminateRequest())
    assert (await asyncio.to_thread(wait_for, workflows, name)).status.phase == "Failed"
    fresh = await asyncio.to_thread(workflows.resubmit_workflow, NAMESPACE, name,
                                    IoArgoprojWorkflowV1alpha1WorkflowResubmitRequest())
    assert fresh.metadata.labels["workflows.argoproj.io/resubmitted-from-workflow"] == name
    await asyncio.to_thread(workflows.terminate_workflow, NAMESPACE, fresh.metadata.name,
                            IoArgoprojWorkflowV1alpha1WorkflowTerminateRequest())

    info = InfoServiceApi(client)
    assert (await asyncio.to_thread(info.get_version)).version
    assert (await asyncio.to_thread(info.get_user_info)).subject == "alice"
    await asyncio.to_thread(info.get_info)


def api_client(server: ApiServer) -> ApiClient:
    return workflow_api(server).api_client


def wait_for(workflows: WorkflowServiceApi, name: str) -> Any:
    """The finished workflow, polled as the SDK's typed model.

    Argo Server sends a running workflow's finishedAt as null, which the SDK's typed
    models refuse (argoproj/argo-workflows#9122); argo-warden leaves the field out
    until it happened, so typed polls work."""
    deadline = time.monotonic() + 15
    while (got := workflows.get_workflow(NAMESPACE, name)).status.phase not in ("Succeeded", "Failed", "Error"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return got
