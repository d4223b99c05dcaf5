"""Every route that names a namespace authorizes the caller for it before reading the body or looking anything up.

A token allowed only in ``argo`` that lints a workflow in ``team-b`` must hear 403 and nothing else: not the
findings against team-b's WorkflowTemplates (a did-you-mean would name them), and without the server reading
team-b's templates on its behalf. Both authenticators (the token file, the cluster's SubjectAccessReview) and
a real ``serve`` process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import NAMESPACE, TOKENS, ApiFactory, ApiServer, write_tokens
from tests.kube_standin import KubeStandIn
from webhook.admission.provider import FailurePolicy
from webhook.api.routes import _EVERY_NAMESPACE_ROUTES, _ROUTES, API
from webhook.kube.connection import from_kubeconfig
from webhook.kube.provider import ClusterProvider

ALICE, ADMIN = TOKENS[0]["token"], TOKENS[1]["token"]
OTHER = "team-b"
SECRET_NAMES = ("payroll-export", "send-salar")  # what a leak would show


def payroll_template() -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", "metadata": {"name": "payroll-export"},
            "spec": {"templates": [{"name": "send-salaries", "http": {"url": "https://payroll.example/send"}}]}}


def probing_workflow() -> dict[str, Any]:
    """A workflow in team-b that refers to a near miss of team-b's template: a did-you-mean would leak it."""
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "probe"},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "steps": [[
                {"name": "pay", "templateRef": {"name": "payroll-export", "template": "send-salary"}}]]}]}}


def probe_bodies() -> dict[str, dict[str, Any]]:
    wf = probing_workflow()
    template = {**wf, "kind": "WorkflowTemplate"}
    cron = {**wf, "kind": "CronWorkflow", "spec": {"schedule": "0 * * * *", "workflowSpec": wf["spec"]}}
    return {"workflow": wf, "template": template, "cronWorkflow": cron,
            "resourceKind": "WorkflowTemplate", "resourceName": "payroll-export"}  # type: ignore[dict-item]


def assert_refused_without_leak(status: int, body: Any, where: str) -> None:
    assert status == 403, (where, status, body)
    assert body["code"] == 7, (where, body)
    for secret in SECRET_NAMES:
        assert secret not in json.dumps(body), (where, body)


def every_namespaced_route() -> Iterator[tuple[str, str]]:
    for method, path, *_ in _ROUTES:
        if "{namespace}" in path:
            yield method, "/api/v1" + path.replace("{namespace}", OTHER).replace("{name}", "payroll-export")


# ---------------------------------------------------------------------------------------------- token file


async def seeded_local(api: ApiFactory) -> tuple[ApiServer, list[str]]:
    server = await api()
    status, body = await server.call("POST", f"/api/v1/workflow-templates/{OTHER}", {"template": payroll_template()},
                                     token=ADMIN)
    assert status == 200, body
    looked_up: list[str] = []
    api_object = server.app[API]
    templates = api_object.templates
    assert templates is not None

    async def counting(namespace: str) -> Any:
        looked_up.append(namespace)
        return await templates(namespace)

    api_object.templates = counting
    return server, looked_up


async def test_lint_in_a_namespace_the_token_may_not_use_is_403_with_no_did_you_mean(api: ApiFactory) -> None:
    server, looked_up = await seeded_local(api)
    status, body = await server.call("POST", f"/api/v1/workflows/{OTHER}/lint", {"workflow": probing_workflow()},
                                     token=ALICE)
    assert_refused_without_leak(status, body, "lint")
    assert "alice" in body["message"] and f"'{OTHER}'" in body["message"]
    assert looked_up == []
    # Someone allowed there hears the finding, and it does name the template: the 403 above is what hides it.
    status, body = await server.call("POST", f"/api/v1/workflows/{OTHER}/lint", {"workflow": probing_workflow()},
                                     token=ADMIN)
    assert status == 400 and "send-salaries" in body["message"], body
    assert looked_up == [OTHER]


async def test_every_namespaced_route_refuses_before_reading_the_body(api: ApiFactory) -> None:
    server, looked_up = await seeded_local(api)
    routes = list(every_namespaced_route())
    assert len(routes) >= 20
    for method, path in routes:
        # A body the server would reject as 400 if it read it, and one it would validate against team-b.
        for raw in (b"{not json", json.dumps(probe_bodies()).encode()):
            status, body = await server.call(method, path, raw=raw, token=ALICE)
            assert_refused_without_leak(status, body, f"{method} {path}")
    assert looked_up == []
    # The same calls by a token allowed there get past authorization (whatever they answer next).
    status, _ = await server.call("POST", f"/api/v1/workflows/{OTHER}", raw=b"{not json", token=ADMIN)
    assert status == 400


async def test_create_and_update_authorize_before_validating(api: ApiFactory) -> None:
    server, looked_up = await seeded_local(api)
    status, body = await server.call("POST", f"/api/v1/workflows/{OTHER}", {"workflow": probing_workflow()},
                                     token=ALICE)
    assert_refused_without_leak(status, body, "create")
    template = payroll_template()
    template["spec"]["templates"][0]["http"]["url"] = "{{inputs.parameters.nope}}"
    status, body = await server.call("PUT", f"/api/v1/workflow-templates/{OTHER}/payroll-export",
                                     {"template": template}, token=ALICE)
    assert_refused_without_leak(status, body, "update")
    assert looked_up == []


async def test_cluster_scoped_lint_and_every_namespace_forms_need_a_token_for_all(api: ApiFactory) -> None:
    server = await api()
    template = {**payroll_template(), "kind": "ClusterWorkflowTemplate"}
    status, body = await server.call("POST", "/api/v1/cluster-workflow-templates/lint", {"template": template},
                                     token=ALICE)
    assert status == 403 and "no namespace" in body["message"], body
    assert (await server.call("POST", "/api/v1/cluster-workflow-templates/lint", {"template": template},
                              token=ADMIN))[0] == 200
    for method, path, *_ in _EVERY_NAMESPACE_ROUTES:
        status, body = await server.call(method, "/api/v1" + path, token=ALICE)
        assert status == 403 and "all namespaces" in body["message"], (path, body)
    # An empty namespace in a lint or create path is no route at all (never "every namespace").
    for path in ("/api/v1/workflows//lint", "/api/v1/workflows/"):
        status, _ = await server.call("POST", path, {"workflow": probing_workflow()}, token=ADMIN)
        assert status in (404, 405), path


def test_a_route_that_names_a_namespace_cannot_be_added_without_access() -> None:
    from webhook.api.routes import Access, _route, version

    with pytest.raises(TypeError):
        _route("POST", "/workflows/{namespace}/lint", version, "signed in")
    with pytest.raises(TypeError):
        _route("GET", "/workflows/{namespace}/{name}", version, Access("get", "workflows"))


# ---------------------------------------------------------------------------------------------- cluster

CLUSTER_ALICE, CLUSTER_BOB = "alice-kube-token-0000000001", "bob-kube-token-000000000002"


@pytest.fixture
async def standin(tmp_path: Path) -> AsyncIterator[KubeStandIn]:
    server = KubeStandIn(tmp_path)
    server.serve_argo_api({CLUSTER_ALICE: {"username": "alice", "groups": []},
                           CLUSTER_BOB: {"username": "bob", "groups": []}})
    for verb in ("create", "get", "list", "update"):
        server.allow("alice", resource="workflows", namespace=NAMESPACE, verb=verb)
        server.allow("alice", resource="workflowtemplates", namespace=NAMESPACE, verb=verb)
        server.allow("bob", resource="workflows", namespace=OTHER, verb=verb)
    server.add_workflow_template(OTHER, payroll_template())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def template_lookups(standin: KubeStandIn) -> list[str]:
    return [f"{r.method} {r.path}" for r in standin.requests if "workflowtemplates" in r.resource]


async def test_cluster_lint_elsewhere_is_403_and_reads_no_template(api: ApiFactory, standin: KubeStandIn) -> None:
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
    server = await api(tokens=None, provider=provider)
    for method, path in every_namespaced_route():
        status, body = await server.call(method, path, raw=json.dumps(probe_bodies()).encode(), token=CLUSTER_ALICE)
        assert_refused_without_leak(status, body, f"{method} {path}")
    assert template_lookups(standin) == []
    reviews = [r.body["spec"]["resourceAttributes"] for r in standin.requests if r.resource == "subjectaccessreviews"]
    lint = {"verb": "create", "group": "argoproj.io", "resource": "workflows", "namespace": OTHER}
    assert lint in reviews, reviews
    # Cluster-scoped: asked for without a namespace.
    cluster = {**payroll_template(), "kind": "ClusterWorkflowTemplate"}
    status, body = await server.call("POST", "/api/v1/cluster-workflow-templates/lint", {"template": cluster},
                                     token=CLUSTER_ALICE)
    assert status == 403 and "cluster-scoped" in body["message"], body
    last = [r.body for r in standin.requests if r.resource == "subjectaccessreviews"][-1]
    assert last["spec"]["resourceAttributes"] == {"verb": "create", "group": "argoproj.io",
                                                  "resource": "clusterworkflowtemplates"}
    # All namespaces: a review with no namespace, which alice's namespaced grants do not satisfy.
    assert (await server.call("GET", "/api/v1/workflows/", token=CLUSTER_ALICE))[0] == 403
    # bob may create workflows in team-b: his lint is checked against team-b's templates, which are read.
    status, body = await server.call("POST", f"/api/v1/workflows/{OTHER}/lint", {"workflow": probing_workflow()},
                                     token=CLUSTER_BOB)
    assert status == 400 and "send-salaries" in body["message"], body
    assert template_lookups(standin)


# ---------------------------------------------------------------------------------------------- serve process


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(port: int, method: str, path: str, token: str, raw: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=raw, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_serve_process_refuses_lint_elsewhere_before_looking(tmp_path: Path) -> None:
    port = _free_port()
    tokens = write_tokens(tmp_path, TOKENS)
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook", "serve", "--no-tls", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(tmp_path / "data"), "--tokens", str(tokens)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "the server exited"
            try:
                if _call(port, "GET", "/api/v1/version", ADMIN, b"")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        status, body = _call(port, "POST", f"/api/v1/workflow-templates/{OTHER}", ADMIN,
                             json.dumps({"template": payroll_template()}).encode())
        assert status == 200, body
        probe = json.dumps({"workflow": probing_workflow()}).encode()
        status, body = _call(port, "POST", f"/api/v1/workflows/{OTHER}/lint", ALICE, probe)
        assert_refused_without_leak(status, body, "serve: lint")
        status, body = _call(port, "POST", f"/api/v1/workflows/{OTHER}", ALICE, probe)
        assert_refused_without_leak(status, body, "serve: create")
        status, body = _call(port, "POST", f"/api/v1/workflows/{NAMESPACE}/lint", ALICE, probe)
        assert status in (200, 400) and "send-salaries" not in json.dumps(body), body  # alice's own namespace
        status, body = _call(port, "POST", f"/api/v1/workflows/{OTHER}/lint", ADMIN, probe)
        assert status == 400 and "send-salaries" in body["message"], body
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert b"Traceback" not in err
