"""Retrying a workflow as Argo does: keep what succeeded, run again what failed (and what a selector picks)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from webhook.api.errors import ApiError, Code
from webhook.api.identity import Identity
from webhook.api.local_backend import LocalBackend
from webhook.api.retry import NodeSelector, override_parameters, plan_retry
from webhook.api.store import Store
from webhook.executor.guard import HostPolicy


def workflow(phase: str, *nodes: tuple[str, str, str, str]) -> dict[str, Any]:
    """A stored Workflow named wf whose nodes are (id, name, type, phase)."""
    return {"metadata": {"name": "wf"}, "status": {"phase": phase, "nodes": {
        node_id: {"id": node_id, "name": name, "displayName": name.rsplit(".", 1)[-1], "type": type_,
                  "phase": node_phase, "templateName": "t-" + name.rsplit(".", 1)[-1],
                  "children": []} for node_id, name, type_, node_phase in nodes}}}


STEPS_FAILED = workflow(
    "Failed",
    ("r", "wf", "Steps", "Failed"),
    ("g0", "wf[0]", "StepGroup", "Succeeded"), ("a", "wf[0].a", "HTTP", "Succeeded"),
    ("g1", "wf[1]", "StepGroup", "Failed"), ("b", "wf[1].b", "HTTP", "Failed"),
    ("c", "wf[1].c", "HTTP", "Succeeded"),
    ("x", "wf.onExit", "HTTP", "Succeeded"),
)


def test_failed_steps_run_again_what_succeeded_is_kept_and_what_holds_them_is_reset() -> None:
    plan = plan_retry(STEPS_FAILED)
    assert set(plan.kept) == {"g0", "a", "c"}
    assert set(plan.reset) == {"r", "g1"}
    assert all(n["phase"] == "Running" and "finishedAt" not in n for n in plan.reset.values())
    # The exit handler always runs again; the failed step is forgotten.
    assert "x" not in plan.nodes() and "b" not in plan.nodes()
    assert set(plan.kept_by_name()) == {"wf[0]", "wf[0].a", "wf[1].c"}


def test_a_failed_retry_strategy_gets_a_fresh_round_of_attempts() -> None:
    plan = plan_retry(workflow(
        "Failed", ("r", "wf", "DAG", "Failed"), ("t", "wf.t", "Retry", "Failed"),
        ("t0", "wf.t(0)", "HTTP", "Failed"), ("t1", "wf.t(1)", "HTTP", "Failed"),
        ("u", "wf.u", "HTTP", "Succeeded"), ("l", "wf.u(0:x)", "HTTP", "Succeeded")))
    assert set(plan.reset) == {"r"} and set(plan.kept) == {"u", "l"}


def test_a_succeeded_workflow_is_retried_only_with_restart_successful_and_a_selector() -> None:
    done = workflow("Succeeded", ("r", "wf", "Steps", "Succeeded"), ("g0", "wf[0]", "StepGroup", "Succeeded"),
                    ("a", "wf[0].a", "HTTP", "Succeeded"), ("g1", "wf[1]", "StepGroup", "Succeeded"),
                    ("b", "wf[1].b", "HTTP", "Succeeded"))
    for options in ({}, {"restart_successful": True}, {"node_field_selector": "displayName=a"}):
        with pytest.raises(ApiError) as refused:
            plan_retry(done, **options)  # type: ignore[arg-type]
        assert refused.value.code == Code.FAILED_PRECONDITION and "restartSuccessful" in refused.value.message
    plan = plan_retry(done, restart_successful=True, node_field_selector="displayName=a")
    assert set(plan.reset) == {"r", "g0"} and set(plan.kept) == {"g1", "b"}


@pytest.mark.parametrize("phase", ["Running", "Pending", None])
def test_an_unfinished_workflow_cannot_be_retried(phase: str | None) -> None:
    with pytest.raises(ApiError) as refused:
        plan_retry({"metadata": {"name": "wf"}, "status": {"phase": phase} if phase else {}})
    assert refused.value.code == Code.FAILED_PRECONDITION


def test_node_field_selectors_as_argo_reads_them() -> None:
    node = {"id": "wf-1", "name": "wf[0].a", "displayName": "a", "templateName": "get", "phase": "Succeeded",
            "templateRef": {"name": "lib", "template": "get"},
            "inputs": {"parameters": [{"name": "url", "value": "https://x,y"}]}}
    assert NodeSelector.parse("displayName=a").matches(node)
    assert NodeSelector.parse("templateName==get,phase=Succeeded").matches(node)
    assert not NodeSelector.parse("displayName=a,phase!=Succeeded").matches(node)
    assert NodeSelector.parse("templateRef.name=lib,templateRef.template=get").matches(node)
    assert NodeSelector.parse(r"inputs.parameters.url.value=https://x\,y").matches(node)
    assert not NodeSelector.parse("inputs.parameters.other.value=1").matches(node)
    for bad, says in (("colour=red", "unknown field 'colour'"), ("displayName", "not field=value"), (" , ", "empty")):
        with pytest.raises(ApiError) as refused:
            NodeSelector.parse(bad)
        assert refused.value.code == Code.INVALID_ARGUMENT and says in refused.value.message


def test_parameters_override_the_workflows_arguments_by_name() -> None:
    spec: dict[str, Any] = {"arguments": {"parameters": [{"name": "env", "value": "dev"},
                                                         {"name": "n", "valueFrom": {"configMapKeyRef": {}}}]}}
    override_parameters(spec, ["env=prod", "n=3=three"])
    assert spec["arguments"]["parameters"] == [{"name": "env", "value": "prod"}, {"name": "n", "value": "3=three"}]
    with pytest.raises(ApiError) as refused:
        override_parameters(spec, ["colour=red"])
    assert refused.value.code == Code.INVALID_ARGUMENT and "'colour'" in refused.value.message


# ---------------------------------------------------------------------------------------------- end to end


class Shop:
    """An order service on 127.0.0.1: POST /orders makes an order; GET /confirm fails until told otherwise."""

    def __init__(self) -> None:
        self.orders = 0
        self.confirmations: list[str] = []
        self.confirm_fails = True

    async def order(self, request: web.Request) -> web.Response:
        self.orders += 1
        return web.json_response({"order": self.orders})

    async def confirm(self, request: web.Request) -> web.Response:
        self.confirmations.append(request.query.get("order", ""))
        return web.Response(status=503 if self.confirm_fails else 200, text="confirmed")


@pytest.fixture
async def shop() -> AsyncIterator[tuple[Shop, str]]:
    service = Shop()
    app = web.Application()
    app.router.add_post("/orders", service.order)
    app.router.add_get("/confirm", service.confirm)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield service, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def order_workflow(base: str) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "order-flow"},
            "spec": {"entrypoint": "main", "arguments": {"parameters": [{"name": "note", "value": "first"}]},
                     "templates": [
                         {"name": "main", "steps": [
                             [{"name": "order", "template": "order"}],
                             [{"name": "confirm", "template": "confirm", "arguments": {"parameters": [
                                 {"name": "id", "value": "{{steps.order.outputs.result}}"}]}}]]},
                         {"name": "order", "http": {"method": "POST", "url": f"{base}/orders"}},
                         {"name": "confirm", "inputs": {"parameters": [{"name": "id"}]},
                          "http": {"url": f"{base}/confirm?order={{{{=jsonpath(inputs.parameters.id, '$.order')}}}}"
                                          "&note={{workflow.parameters.note}}"}}]}}


async def finished(backend: LocalBackend, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        obj = await backend.get("Workflow", "default", name)
        if obj.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return obj
        assert time.monotonic() < deadline, obj.get("status")
        await asyncio.sleep(0.05)


def node(obj: dict[str, Any], display: str) -> dict[str, Any]:
    return next(n for n in obj["status"]["nodes"].values() if n["displayName"] == display)


async def test_retry_does_not_send_a_succeeded_step_again_and_reuses_its_output(
        tmp_path: Path, shop: tuple[Shop, str]) -> None:
    service, base = shop
    backend = LocalBackend(Store(str(tmp_path / "data")), policy=HostPolicy.from_entries(["127.0.0.1"]),
                           flush_seconds=0.02)
    await backend.start()
    try:
        await backend.create("Workflow", "default", order_workflow(base), Identity("alice"))
        failed = await finished(backend, "order-flow")
        assert failed["status"]["phase"] == "Failed" and service.orders == 1
        order_node = node(failed, "order")

        service.confirm_fails = False
        retried = await backend.retry("default", "order-flow", parameters=["note=second"])
        assert retried["status"]["phase"] == "Running"
        assert node(retried, "order")["phase"] == "Succeeded", "what succeeded is there from the start"
        done = await finished(backend, "order-flow")
        assert done["status"]["phase"] == "Succeeded", done["status"]
        # The order was not placed twice; the confirmation used the first order's answer.
        assert service.orders == 1
        assert service.confirmations == ["1", "1"]
        kept = node(done, "order")
        assert kept["id"] == order_node["id"] and kept["outputs"] == order_node["outputs"]
        assert kept["startedAt"] == order_node["startedAt"]
        assert done["spec"]["arguments"]["parameters"] == [{"name": "note", "value": "second"}]

        # A Succeeded workflow: only what the selector picks runs again (and nothing after it).
        again = await backend.retry("default", "order-flow", restart_successful=True,
                                    node_field_selector="displayName=order")
        assert "order" not in {n["displayName"] for n in again["status"]["nodes"].values()}
        done = await finished(backend, "order-flow")
        assert done["status"]["phase"] == "Succeeded" and service.orders == 2
        assert service.confirmations == ["1", "1"], "confirm succeeded and was not picked: kept"
    finally:
        await backend.close()


async def test_retry_and_resubmit_over_the_api_refuse_what_argo_refuses(api: Any) -> None:
    from tests.api.conftest import NAMESPACE, SEED_RESPONSES, seed_workflow

    server = await api(responses=SEED_RESPONSES)
    status, created = await server.call("POST", f"/api/v1/workflows/{NAMESPACE}", {"workflow": seed_workflow()})
    assert status == 200, created
    name = created["metadata"]["name"]
    base = f"/api/v1/workflows/{NAMESPACE}/{name}"
    deadline = time.monotonic() + 15
    while (await server.call("GET", base))[1]["status"]["phase"] == "Running":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    for body, code, says in (
            ({}, 9, "restartSuccessful"),
            ({"restartSuccessful": True, "nodeFieldSelector": "colour=red"}, 3, "unknown field"),
            ({"parameters": "x=1"}, 3, "name=value"),
            ({"restartSuccessful": True, "nodeFieldSelector": "displayName=get-data", "parameters": ["x=1"]}, 3,
             "'x' is not one of the workflow's arguments")):
        status, answer = await server.call("PUT", f"{base}/retry", body)
        assert (status, answer["code"]) == (400, code) and says in answer["message"], (body, answer)
    status, answer = await server.call("PUT", f"{base}/resubmit", {"parameters": ["nope"]})
    assert status == 400 and "name=value" in answer["message"]
    status, answer = await server.call("PUT", f"{base}/retry", {"restartSuccessful": True,
                                                               "nodeFieldSelector": "displayName=process-data"})
    assert status == 200 and answer["status"]["phase"] == "Running"
    kept = {n["displayName"] for n in answer["status"]["nodes"].values() if n["phase"] == "Succeeded"}
    assert "get-data" in kept and "process-data" not in kept
