"""Objects that are JSON but not what a workflow may be: always a 4xx in grpc shape, over plain HTTP too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import NAMESPACE, SEED_RESPONSES, ApiFactory, seed_workflow

BASE = f"/api/v1/workflows/{NAMESPACE}"


def mutated(change: Any) -> dict[str, Any]:
    wf = seed_workflow()
    change(wf)
    return wf


HOSTILE: list[tuple[str, Any]] = [
    ("workflow is a list", []),
    ("workflow is a string", "apiVersion: argoproj.io/v1alpha1"),
    ("spec is a string", mutated(lambda w: w.update(spec="x"))),
    ("metadata is a list", mutated(lambda w: w.update(metadata=[]))),
    ("labels hold a number", mutated(lambda w: w["metadata"].update(labels={"a": 1}))),
    ("templates is an object", mutated(lambda w: w["spec"].update(templates={"a": 1}))),
    ("a template without a name", mutated(lambda w: w["spec"]["templates"].append({"http": {"url": "x"}}))),
    ("another namespace in metadata", mutated(lambda w: w["metadata"].update(namespace="other"))),
    ("kind is not Workflow", mutated(lambda w: w.update(kind="CronWorkflow"))),
]


@pytest.mark.parametrize(("what", "workflow"), HOSTILE, ids=[what for what, _ in HOSTILE])
async def test_hostile_workflows_are_refused_with_400_and_nothing_is_stored(api: ApiFactory, what: str,
                                                                            workflow: Any) -> None:
    server = await api(responses=SEED_RESPONSES, tls=False)
    assert server.url.startswith("http://")
    for path in (BASE, f"{BASE}/lint"):
        status, body = await server.call("POST", path, {"namespace": NAMESPACE, "workflow": workflow})
        assert status == 400, (what, path, body)
        assert body["code"] == 3 and isinstance(body["message"], str) and body["message"], body
        assert "Traceback" not in body["message"]
    status, page = await server.call("GET", BASE)
    assert status == 200 and page["items"] == []


# Argo's lint does not look at names; creating needs one the Kubernetes API server would take.
BAD_NAMES: list[tuple[str, dict[str, Any]]] = [
    ("name is not DNS-1123", {"name": "Not_A_Name"}),
    ("name is too long", {"name": "a" * 254}),
    ("no name at all", {}),
    ("generateName is not DNS-1123", {"generateName": "UPPER-"}),
    ("generateName leaves no room", {"generateName": "a" * 249}),
    ("generateName is a number", {"generateName": 7}),
]


@pytest.mark.parametrize(("what", "metadata"), BAD_NAMES, ids=[what for what, _ in BAD_NAMES])
async def test_creating_needs_a_valid_name_or_prefix(api: ApiFactory, what: str, metadata: dict[str, Any]) -> None:
    server = await api(responses=SEED_RESPONSES, tls=False)
    workflow = mutated(lambda w: w.update(metadata=metadata))
    status, body = await server.call("POST", BASE, {"workflow": workflow})
    assert status == 400 and body["code"] == 3 and "name" in body["message"], (what, body)
    template = {"metadata": metadata, "spec": workflow["spec"]}
    status, body = await server.call("POST", f"/api/v1/workflow-templates/{NAMESPACE}", {"template": template})
    assert status == 400 and body["code"] == 3 and "name" in body["message"], (what, body)
    status, page = await server.call("GET", BASE)
    assert status == 200 and page["items"] == []


async def test_a_prefix_ending_in_a_dash_gets_five_characters(api: ApiFactory) -> None:
    server = await api(responses=SEED_RESPONSES, tls=False)
    prefix = "a" * 247 + "-"
    status, body = await server.call("POST", BASE, {"workflow": mutated(lambda w: w.update(
        metadata={"generateName": prefix}))})
    assert status == 200, body
    assert body["metadata"]["name"].startswith(prefix) and len(body["metadata"]["name"]) == 253
