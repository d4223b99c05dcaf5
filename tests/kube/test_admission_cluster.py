"""The admission server with the cluster provider, against the stand-in API server (both over real TLS).

The Kubernetes API server is the one peer that cannot run here; the stand-in
speaks its wire format (see tests/kube_standin.py).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import time
from typing import Any

import pytest

from tests.admission.conftest import RunningServer, ServerFactory, review, valid_workflow
from tests.kube_standin import Fault, KubeStandIn
from webhook.admission.provider import FailurePolicy
from webhook.kube.connection import from_kubeconfig
from webhook.kube.provider import ClusterProvider
from webhook.server.config import AdmissionSettings, ServerConfig

NS = "team"


def secret_workflow(name: str = "api-token", key: str = "token", account: str | None = None) -> dict[str, Any]:
    """The seed workflow whose GET step sends a secret in its Authorization header."""
    wf = valid_workflow()
    headers = wf["spec"]["templates"][1]["http"]["headers"]
    headers[1] = {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}
    if account:
        wf["spec"]["serviceAccountName"] = account
    return wf


def setup_cluster(standin: KubeStandIn, user: str = "alice", account: str = "default") -> None:
    standin.add_secret(NS, "api-token", {"token": "t0k3n", "user": "u"})
    standin.allow(user, namespace=NS, name="api-token")
    standin.allow(f"system:serviceaccount:{NS}:{account}", namespace=NS)


async def start(start_server: ServerFactory, standin: KubeStandIn, policy: FailurePolicy = FailurePolicy.CLOSED,
                ) -> RunningServer:
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), policy)
    running: RunningServer = await start_server(ServerConfig(admission=AdmissionSettings(failure_policy=policy)),
                                                provider)
    provider.register_metrics(running.state.metrics.registry)
    return running


async def admit(server: RunningServer, obj: dict[str, Any], user: str = "alice",
                timeout: str = "10s") -> dict[str, Any]:
    status, body = await server.post(f"/validate?timeout={timeout}", review(obj, namespace=NS, user=user))
    assert status == 200, body
    response: dict[str, Any] = body["response"]
    return response


def message(response: dict[str, Any]) -> str:
    return str(response.get("status", {}).get("message", ""))


async def test_existing_secret_key_and_access_is_allowed_cleanly(start_server: ServerFactory,
                                                                  standin: KubeStandIn) -> None:
    setup_cluster(standin)
    server = await start(start_server, standin)
    response = await admit(server, secret_workflow())
    assert response["allowed"] is True, message(response)
    assert not [w for w in response.get("warnings", []) if "AW7" in w]


async def test_missing_secret_is_denied(start_server: ServerFactory, standin: KubeStandIn) -> None:
    setup_cluster(standin)
    standin.allow("alice", namespace=NS, name="api-tokn")
    server = await start(start_server, standin)
    response = await admit(server, secret_workflow(name="api-tokn"))
    assert response["allowed"] is False
    assert "AW700" in message(response) and "secret 'api-tokn' does not exist in namespace 'team'" in message(response)


async def test_missing_key_is_denied_with_a_suggestion(start_server: ServerFactory, standin: KubeStandIn) -> None:
    setup_cluster(standin)
    server = await start(start_server, standin)
    response = await admit(server, secret_workflow(key="tokn"))
    assert response["allowed"] is False
    assert "AW702" in message(response) and "has no key 'tokn'" in message(response)
    assert "did you mean 'token'?" in message(response)


async def test_a_user_who_may_not_read_the_secret_is_denied_and_learns_nothing_more(
        start_server: ServerFactory, standin: KubeStandIn) -> None:
    setup_cluster(standin)
    server = await start(start_server, standin)
    response = await admit(server, secret_workflow(key="tokn"), user="mallory")
    text = message(response)
    assert response["allowed"] is False
    assert "AW703" in text
    assert "user 'mallory' may not get secret 'api-token' in namespace 'team'" in text
    assert "template 'http-get'" in text
    # Neither whether the key exists nor which keys there are.
    assert "AW702" not in text and "token'?" not in text and "'user'" not in text


async def test_a_service_account_that_may_not_read_the_secret_is_a_warning(start_server: ServerFactory,
                                                                            standin: KubeStandIn) -> None:
    setup_cluster(standin, account="reader")
    server = await start(start_server, standin)
    response = await admit(server, secret_workflow(account="runner"))
    assert response["allowed"] is True
    warnings = " ".join(response.get("warnings", []))
    assert "AW704" in warnings and "service account 'runner' may not get secret" in warnings
    # spec.serviceAccountName unset: the namespace's default account is reviewed.
    response = await admit(server, secret_workflow())
    assert "AW704" in " ".join(response.get("warnings", []))
    sar_users = {r.body["spec"]["user"] for r in standin.requests if r.resource == "subjectaccessreviews"}
    assert {"alice", "system:serviceaccount:team:runner", "system:serviceaccount:team:default"} <= sar_users


def template_ref_workflow(name: str, template: str = "main", cluster: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "template": template}
    if cluster:
        ref["clusterScope"] = True
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "ref-"},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "steps": [[{"name": "call", "templateRef": ref}]]}]}}


WT = {"metadata": {"name": "shared"}, "spec": {"templates": [
    {"name": "main", "http": {"url": "https://example.com/", "timeoutSeconds": 5}}]}}


async def test_template_references_are_resolved_in_the_cluster(start_server: ServerFactory,
                                                                standin: KubeStandIn) -> None:
    standin.add_workflow_template(NS, copy.deepcopy(WT))
    standin.add_cluster_workflow_template(copy.deepcopy(WT))
    server = await start(start_server, standin)
    assert (await admit(server, template_ref_workflow("shared")))["allowed"] is True
    assert (await admit(server, template_ref_workflow("shared", cluster=True)))["allowed"] is True
    missing = await admit(server, template_ref_workflow("sharde"))
    assert missing["allowed"] is False and "WorkflowTemplate 'sharde' does not exist" in message(missing)
    missing = await admit(server, template_ref_workflow("nope", cluster=True))
    assert missing["allowed"] is False and "ClusterWorkflowTemplate 'nope' does not exist" in message(missing)
    wrong = await admit(server, template_ref_workflow("shared", template="mian"))
    assert wrong["allowed"] is False and "has no template 'mian'" in message(wrong)
    by_ref = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "x-"},
              "spec": {"workflowTemplateRef": {"name": "gone"}}}
    denied = await admit(server, by_ref)
    assert denied["allowed"] is False and "WorkflowTemplate 'gone' does not exist" in message(denied)
    by_ref["spec"]["workflowTemplateRef"] = {"name": "shared"}
    by_ref["spec"]["entrypoint"] = "main"
    assert (await admit(server, by_ref))["allowed"] is True


@pytest.mark.parametrize("fault", [
    Fault(hang=True), Fault(delay=5), Fault(status=500), Fault(status=403),
], ids=["dead", "slow", "500", "403"])
@pytest.mark.parametrize("policy", [FailurePolicy.CLOSED, FailurePolicy.OPEN])
async def test_api_trouble_follows_the_failure_policy_before_the_deadline(
        start_server: ServerFactory, standin: KubeStandIn, fault: Fault, policy: FailurePolicy) -> None:
    setup_cluster(standin)
    standin.fail("*", "*", fault)
    server = await start(start_server, standin, policy)
    # The answer is due 100 ms before the 1 s deadline. A full GC pass over everything this test process holds
    # by the end of the suite takes about that long (`serve` freezes its start-up objects; tests cannot):
    # collect now so none falls into the measured second.
    gc.collect()
    started = time.monotonic()
    response = await admit(server, secret_workflow(), timeout="1s")
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed
    if policy is FailurePolicy.CLOSED:
        assert response["allowed"] is False
        assert "AW705" in message(response) and "could not be checked" in message(response)
    else:
        assert response["allowed"] is True
        assert any("AW705" in w for w in response.get("warnings", []))


async def test_concurrent_reviews_share_one_call_per_lookup(start_server: ServerFactory,
                                                           standin: KubeStandIn) -> None:
    setup_cluster(standin)
    standin.latency = 0.05
    server = await start(start_server, standin)
    responses = await asyncio.gather(*(admit(server, secret_workflow()) for _ in range(12)))
    assert all(r["allowed"] for r in responses)
    # One secret read and two access reviews (user, service account) for twelve reviews; and one read of the
    # namespace, whose label may set the enforcement mode (the workflow has warnings).
    assert standin.count("GET", "secrets") == 1
    assert standin.count("POST", "subjectaccessreviews") == 2
    assert standin.count("GET", "namespaces") == 1
    await admit(server, secret_workflow())
    assert standin.count("GET", "secrets") == 1  # a cache hit
    _, metrics = await server.get("/metrics")
    assert 'argo_warden_cluster_lookups_total{result="coalesced"} 44.0' in metrics
    assert "argo_warden_kube_api_requests_total 4.0" in metrics


async def test_a_kept_snapshot_serves_only_its_user_and_only_while_its_answers_are_cached(
        start_server: ServerFactory, standin: KubeStandIn) -> None:
    setup_cluster(standin)
    server = await start(start_server, standin)
    provider = server.state.provider
    assert isinstance(provider, ClusterProvider)
    assert (await admit(server, secret_workflow()))["allowed"] is True
    assert (await admit(server, secret_workflow()))["allowed"] is True
    assert standin.count("GET", "secrets") == 1
    # Same object, another user: that user's own access review, not alice's snapshot.
    denied = await admit(server, secret_workflow(), user="mallory")
    assert denied["allowed"] is False and "user 'mallory' may not get secret" in message(denied)
    # The key goes away; once the cached answer is gone (TTL), the next review sees it.
    standin.add_secret(NS, "api-token", {"user": "u"})
    assert (await admit(server, secret_workflow()))["allowed"] is True  # still the cached answer
    provider.lookups.cache.clear()
    gone = await admit(server, secret_workflow())
    assert gone["allowed"] is False and "has no key 'token'" in message(gone)
    assert standin.count("GET", "secrets") == 2


async def test_a_referenced_template_sending_a_secret_where_the_caller_says_needs_the_callers_access(
        start_server: ServerFactory, standin: KubeStandIn) -> None:
    setup_cluster(standin)
    sender = {"metadata": {"name": "notifier"}, "spec": {"templates": [
        {"name": "notify", "inputs": {"parameters": [{"name": "url"}]},
         "http": {"url": "{{inputs.parameters.url}}", "method": "POST", "headers": [
             {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api-token", "key": "token"}}}]}},
        {"name": "fixed", "http": {"url": "https://billing.example/hook", "headers": [
            {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api-token", "key": "token"}}}]}}]}}
    standin.add_workflow_template(NS, sender)
    server = await start(start_server, standin)
    chosen = template_ref_workflow("notifier", template="notify")
    chosen["spec"]["templates"][0]["steps"][0][0]["arguments"] = {
        "parameters": [{"name": "url", "value": "https://collector.example/"}]}
    assert (await admit(server, chosen))["allowed"] is True
    denied = await admit(server, chosen, user="mallory")
    assert denied["allowed"] is False and "AW708" in message(denied)
    assert "user 'mallory' may not get secret 'api-token' in namespace 'team', which WorkflowTemplate 'notifier' " \
           "template 'notify'" in message(denied)
    # A shared template that sends to a url of its own may send what its callers cannot read.
    assert (await admit(server, template_ref_workflow("notifier", template="fixed"), user="mallory"))["allowed"]
    reviewed = {r.body["spec"]["user"] for r in standin.requests if r.resource == "subjectaccessreviews"}
    assert {"alice", "mallory"} <= reviewed


async def test_a_send_two_shared_templates_down_still_needs_the_callers_access(
        start_server: ServerFactory, standin: KubeStandIn) -> None:
    # workflow → ClusterWorkflowTemplate 'pipeline' → WorkflowTemplate 'notifier', which sends the secret to the
    # url the workflow passes down through both.
    setup_cluster(standin)
    standin.add_workflow_template(NS, {"metadata": {"name": "notifier"}, "spec": {"templates": [
        {"name": "notify", "inputs": {"parameters": [{"name": "url"}]},
         "http": {"url": "{{inputs.parameters.url}}", "method": "POST", "headers": [
             {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "api-token", "key": "token"}}}]}}]}})
    standin.add_cluster_workflow_template({"metadata": {"name": "pipeline"}, "spec": {"templates": [
        {"name": "run", "inputs": {"parameters": [{"name": "url"}]}, "steps": [[
            {"name": "tell", "templateRef": {"name": "notifier", "template": "notify"},
             "arguments": {"parameters": [{"name": "url", "value": "{{inputs.parameters.url}}"}]}}]]}]}})
    server = await start(start_server, standin)
    caller = template_ref_workflow("pipeline", template="run", cluster=True)
    caller["spec"]["templates"][0]["steps"][0][0]["arguments"] = {
        "parameters": [{"name": "url", "value": "https://collector.example/"}]}
    assert (await admit(server, caller))["allowed"] is True
    denied = await admit(server, caller, user="mallory")
    assert denied["allowed"] is False and "AW708" in message(denied)
    assert "WorkflowTemplate 'notifier'" in message(denied)
    # Fetched once each, and cached for the next review.
    assert standin.count("GET", "clusterworkflowtemplates") == 1 and standin.count("GET", "workflowtemplates") == 1


async def test_nested_template_fetching_is_bounded(start_server: ServerFactory, standin: KubeStandIn) -> None:
    # A chain of 10 templates each calling the next: admission fetches a few levels, not the whole chain.
    setup_cluster(standin)
    for i in range(10):
        standin.add_workflow_template(NS, {"metadata": {"name": f"link-{i}"}, "spec": {"templates": [
            {"name": "main", "steps": [[{"name": "next", "templateRef": {"name": f"link-{i + 1}",
                                                                        "template": "main"}}]]}]}})
    server = await start(start_server, standin)
    assert (await admit(server, template_ref_workflow("link-0")))["allowed"] is True
    assert standin.count("GET", "workflowtemplates") == 4  # the object's own reference and three levels more
