"""The policy stage and enforcement modes at admission, over real TLS (and the stand-in API server for labels)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from tests.admission.conftest import RunningServer, ServerFactory, invalid_workflow, review, valid_workflow
from tests.kube_standin import Fault, KubeStandIn
from webhook.admission.decide import judge
from webhook.admission.enforcement import enforce, mode_of
from webhook.admission.provider import FailurePolicy
from webhook.configuration import from_mapping
from webhook.kube.connection import from_kubeconfig
from webhook.kube.provider import ClusterProvider
from webhook.manifest import Manifest
from webhook.policy.settings import DEFAULT_POLICY, Enforcement, PolicySettings
from webhook.server.config import ServerConfig
from webhook.validation.context import ValidationContext
from webhook.validation.memo import ValidationMemo


def annotated(obj: dict[str, Any], codes: str) -> dict[str, Any]:
    obj["metadata"].setdefault("annotations", {})["argo-warden.io/ignore"] = codes
    return obj


async def validate(server: RunningServer, obj: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    status, body = await server.post("/validate", review(obj, namespace=namespace))
    assert status == 200, body
    response: dict[str, Any] = body["response"]
    return response


def codes_in(warnings: list[str]) -> list[str]:
    return sorted({w.split()[0] for w in warnings})


async def test_configured_ignore_and_severity_apply_at_admission(start_server: ServerFactory) -> None:
    plain = await start_server()
    assert "AW511" in codes_in((await validate(plain, valid_workflow()))["warnings"])
    quiet = await start_server(ServerConfig(policy=from_mapping({"ignore": ["AW511"]}, "cfg")))
    assert "AW511" not in codes_in((await validate(quiet, valid_workflow())).get("warnings", []))
    strict = await start_server(ServerConfig(policy=from_mapping({"severity": {"AW511": "error"}}, "cfg")))
    denied = await validate(strict, valid_workflow())
    assert denied["allowed"] is False and "AW511" in denied["status"]["message"]


async def test_annotation_silences_warnings_but_not_errors(server: RunningServer) -> None:
    allowed = await validate(server, annotated(valid_workflow(), "AW511"))
    assert allowed["allowed"] is True and "AW511" not in codes_in(allowed.get("warnings", []))
    # An error is not the author's to silence: denied still, and told why the annotation did not help.
    denied = await validate(server, annotated(invalid_workflow(), "AW403"))
    assert denied["allowed"] is False and "AW403" in denied["status"]["message"]
    assert any(w.startswith("AW902 ") and "cannot silence AW403" in w for w in denied["warnings"])
    # Unused and unknown codes in the annotation come back as warnings.
    response = await validate(server, annotated(valid_workflow(), "AW213, AW9999"))
    assert {"AW900", "AW901"} <= set(codes_in(response["warnings"]))


async def test_server_configuration_decides_what_annotations_may_silence(start_server: ServerFactory) -> None:
    relaxed = await start_server(ServerConfig(policy=from_mapping({"admission": {"unsuppressible": ["AW7"]}}, "c")))
    response = await validate(relaxed, annotated(invalid_workflow(), "AW403"))
    assert response["allowed"] is True
    # Input errors are never the annotation's, whatever the configuration says.
    assert not from_mapping({"admission": {"unsuppressible": []}}, "c").annotation_may_silence("AW001")


async def metric(server: RunningServer, name: str) -> dict[str, float]:
    """Samples of ``name`` by their label text (``code="AW403",enforcement="deny",namespace="default"``)."""
    _, text = await server.get("/metrics")
    return {labels: float(value) for labels, value in re.findall(rf"^{name}\{{([^}}]*)\}} (\S+)$", text, re.M)}


async def test_enforcement_modes(start_server: ServerFactory) -> None:
    warn = await start_server(ServerConfig(policy=replace(DEFAULT_POLICY, enforcement=Enforcement.WARN)))
    response = await validate(warn, invalid_workflow())
    assert response["allowed"] is True and "status" not in response
    assert any(w.startswith("would be denied: AW403 spec.templates[2].http.body") for w in response["warnings"])
    audit = await start_server(ServerConfig(policy=replace(DEFAULT_POLICY, enforcement=Enforcement.AUDIT)))
    response = await validate(audit, invalid_workflow())
    assert response["allowed"] is True and "warnings" not in response and "status" not in response
    counted = await metric(audit, "argo_warden_findings_total")
    assert counted['code="AW403",enforcement="audit",namespace="default"'] == 1.0
    deny = await start_server()
    assert (await validate(deny, invalid_workflow()))["allowed"] is False
    assert (await metric(deny, "argo_warden_findings_total"))[
        'code="AW403",enforcement="deny",namespace="default"'] == 1.0


def test_enforce_and_labels() -> None:
    assert mode_of("Warn", Enforcement.DENY) == (Enforcement.WARN, None)
    mode, problem = mode_of("dryrun", Enforcement.AUDIT)
    assert mode is Enforcement.AUDIT and problem is not None and "dryrun" in problem
    context = ValidationContext()
    verdict = judge(Manifest("Workflow", invalid_workflow(), default_namespace="d"), context, None)
    assert not verdict.allowed and verdict.errors
    assert enforce(verdict, Enforcement.DENY) is verdict
    assert enforce(verdict, Enforcement.WARN).allowed and enforce(verdict, Enforcement.AUDIT).warnings == ()


def test_policy_digest_is_part_of_the_memo_key() -> None:
    memo = ValidationMemo()
    context = ValidationContext(cache_key="k")
    wf = Manifest("Workflow", valid_workflow(), default_namespace="d")
    loud = judge(wf, context, memo)
    quiet = judge(wf, context, memo, from_mapping({"ignore": ["AW5"]}, "cfg"))
    assert any(c.startswith("AW5") for c in loud.codes) and not any(c.startswith("AW5") for c in quiet.codes)
    assert judge(wf, context, memo) == loud and memo.hits == 1 and memo.misses == 2
    assert PolicySettings().digest == DEFAULT_POLICY.digest != from_mapping({"ignore": ["AW5"]}, "c").digest


async def start_cluster(start_server: ServerFactory, standin: KubeStandIn, policy: PolicySettings) -> RunningServer:
    provider = ClusterProvider(from_kubeconfig(str(standin.kubeconfig())), FailurePolicy.CLOSED)
    return await start_server(ServerConfig(policy=policy), provider)  # type: ignore[no-any-return]


async def test_namespace_label_overrides_the_server_mode(start_server: ServerFactory, standin: KubeStandIn) -> None:
    standin.add_namespace("trial", {"argo-warden.io/enforcement": "warn"})
    standin.add_namespace("quiet", {"argo-warden.io/enforcement": "audit"})
    standin.add_namespace("typo", {"argo-warden.io/enforcement": "dryrun"})
    standin.add_namespace("strict")
    server = await start_cluster(start_server, standin, DEFAULT_POLICY)
    assert (await validate(server, invalid_workflow(), "strict"))["allowed"] is False
    assert (await validate(server, invalid_workflow(), "typo"))["allowed"] is False
    warned = await validate(server, invalid_workflow(), "trial")
    assert warned["allowed"] is True and any(w.startswith("would be denied: AW403") for w in warned["warnings"])
    quiet = await validate(server, invalid_workflow(), "quiet")
    assert quiet["allowed"] is True and "warnings" not in quiet
    # Cached like the other cluster reads: a second review in the namespace asks nothing.
    before = standin.count("GET", "namespaces")
    assert (await validate(server, invalid_workflow(), "trial"))["allowed"] is True
    assert standin.count("GET", "namespaces") == before == 4
    counted = await metric(server, "argo_warden_findings_total")
    assert counted['code="AW403",enforcement="warn",namespace="trial"'] == 2.0
    assert counted['code="AW403",enforcement="audit",namespace="quiet"'] == 1.0


async def test_namespace_lookup_that_fails_or_hangs_uses_the_server_mode(start_server: ServerFactory,
                                                                         standin: KubeStandIn) -> None:
    standin.add_namespace("trial", {"argo-warden.io/enforcement": "warn"})
    standin.fail("GET", "namespaces", Fault(status=403, times=1))
    server = await start_cluster(start_server, standin, replace(DEFAULT_POLICY, enforcement=Enforcement.AUDIT))
    assert (await validate(server, invalid_workflow(), "trial"))["allowed"] is True
    standin.fail("GET", "namespaces", Fault(hang=True))
    status, body = await server.post("/validate?timeout=1s", review(invalid_workflow(), namespace="elsewhere"))
    assert status == 200 and body["response"]["allowed"] is True
    await asyncio.sleep(0)


async def test_the_label_is_fetched_while_the_object_is_judged(start_server: ServerFactory,
                                                              standin: KubeStandIn) -> None:
    # The API server takes 0.3 s for every call: the namespace read overlaps the secret lookups instead of
    # following them, so a review costs about one round trip more than none, not two.
    standin.add_namespace("trial", {"argo-warden.io/enforcement": "warn"})
    standin.latency = 0.3
    server = await start_cluster(start_server, standin, DEFAULT_POLICY)
    wf = invalid_workflow()
    wf["spec"]["templates"][1]["http"]["headers"][1] = {
        "name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "token"}}}
    started = asyncio.get_running_loop().time()
    response = await validate(server, wf, "trial")
    elapsed = asyncio.get_running_loop().time() - started
    assert response["allowed"] is True and response["warnings"][0].startswith("would be denied: ")
    assert standin.count("GET", "namespaces") == 1
    assert elapsed < 0.3 * 2 + 0.25, elapsed
