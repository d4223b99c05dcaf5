"""The official argo-workflows SDK, unmodified, against argo-warden's REST API over TLS (our generated CA)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from argo_workflows import ApiClient, Configuration
from argo_workflows.apis import WorkflowServiceApi
from argo_workflows.exceptions import ForbiddenException, UnauthorizedException
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_lint_request import (
    IoArgoprojWorkflowV1alpha1WorkflowLintRequest,
)

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, ApiServer, seed_workflow


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
    from argo_workflows.exceptions import ApiException

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
