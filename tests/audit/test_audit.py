"""``argo-warden audit`` against the stand-in API server (TLS, real kubeconfig, the list wire format, paging).

A few hundred objects across namespaces and every kind; pages of 50 so each list
takes several requests; a list whose token expires midway; an API server that
answers slowly, and one that never answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.kube_standin import Fault, KubeStandIn
from webhook.audit.report import policy_reports, render_json, render_sarif, render_text
from webhook.audit.scan import Scope, audit
from webhook.configuration import from_mapping, resolve
from webhook.kube.client import KubeClient, path
from webhook.kube.connection import from_kubeconfig
from webhook.kube.listing import list_objects
from webhook.policy.settings import DEFAULT_POLICY

NAMESPACES = [f"team-{i}" for i in range(6)]
PER_NAMESPACE = 50  # workflows; plus templates and cron workflows


def workflow(name: str, entrypoint: str = "main", **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"app": "x"}, "managedFields": [{"manager": "kubectl"}]},
            "spec": {"entrypoint": entrypoint, "templates": [
                {"name": "main", "container": {"image": "alpine:3.19", "command": ["true"]}}], **spec},
            # What the controller writes; never judged (and a workflow's can be large).
            "status": {"phase": "Succeeded", "nodes": {f"n{i}": {"phase": "Succeeded"} for i in range(20)}}}


def populate(standin: KubeStandIn) -> dict[str, set[str]]:
    """Objects across namespaces; returns what must be denied, by namespace ("" for cluster-scoped)."""
    denied: dict[str, set[str]] = {}
    for ns in NAMESPACES:
        standin.add_namespace(ns)
        standin.add_secret(ns, "api", {"token": "s3cr3t-value"})
        standin.allow(f"system:serviceaccount:{ns}:default", namespace=ns)
        for i in range(PER_NAMESPACE):
            broken = i % 10 == 3
            standin.add_argo("workflows", workflow(f"wf-{i:03d}", "mian" if broken else "main"), ns)
            if broken:
                denied.setdefault(ns, set()).add(f"wf-{i:03d}")
        standin.add_argo("workflowtemplates", workflow("shared"), ns)
        standin.add_argo("cronworkflows", {"metadata": {"name": "nightly"}, "spec": {
            "schedule": "0 2 * * *", "workflowSpec": workflow("x")["spec"]}}, ns)
        # A reference to a template the namespace lacks, and one it has.
        standin.add_argo("workflows", {"metadata": {"name": "from-missing"}, "spec": {
            "workflowTemplateRef": {"name": "no-such-template"}}}, ns)
        standin.add_argo("workflows", {"metadata": {"name": "from-shared"}, "spec": {
            "workflowTemplateRef": {"name": "shared"}}}, ns)
        denied[ns].add("from-missing")
        # HTTP steps sending secrets: one that exists (the user's access is left to admission), one that does not.
        for name, secret in (("sends-known", "api"), ("sends-missing", "gone")):
            standin.add_argo("workflows", {"metadata": {"name": name}, "spec": {
                "entrypoint": "main", "templates": [{"name": "main", "http": {
                    "url": "https://example.com", "timeoutSeconds": 5,
                    "headers": [{"name": "Authorization", "valueFrom": {
                        "secretKeyRef": {"name": secret, "key": "token"}}}]}}]}}, ns)
        denied[ns].add("sends-missing")
    # A warning silenced by the object's annotation; an error its annotation may not silence.
    quiet = workflow("quiet")
    quiet["metadata"]["annotations"] = {"argo-warden.io/ignore": "AW510"}
    quiet["spec"]["templates"].append({"name": "call", "http": {"url": "https://example.com"}})
    standin.add_argo("workflows", quiet, "team-0")
    stubborn = workflow("stubborn", "mian")
    stubborn["metadata"]["annotations"] = {"argo-warden.io/ignore": "AW201"}
    standin.add_argo("workflows", stubborn, "team-0")
    denied["team-0"].add("stubborn")
    standin.add_namespace("empty")
    standin.add_argo("clusterworkflowtemplates", workflow("cluster-ok"))
    standin.add_argo("clusterworkflowtemplates", workflow("cluster-broken", "mian"))
    denied[""] = {"cluster-broken"}
    return denied


def total(standin: KubeStandIn) -> int:
    return sum(1 for (r, _, _) in standin.objects if r not in ("secrets", "namespaces"))


async def test_audit_judges_a_few_hundred_objects_across_namespaces(standin: KubeStandIn) -> None:
    expected = populate(standin)
    count = total(standin)
    assert count > 300
    connection = from_kubeconfig(str(standin.kubeconfig()))
    result = await audit(connection, Scope(), DEFAULT_POLICY, page_size=50)
    assert len(result.objects) == count
    got: dict[str, set[str]] = {}
    for o in result.denied:
        got.setdefault(o.namespace or "", set()).add(o.name)
    assert got == expected
    # Paged: 300+ workflows in pages of 50, every page asked for with limit and the previous continue token.
    assert standin.count("GET", "workflows") == -(-sum(1 for k in standin.objects if k[0] == "workflows") // 50)
    lists = [r for r in standin.requests if r.resource == "workflows"]
    assert all(r.path == "/apis/argoproj.io/v1alpha1/workflows" for r in lists)
    # Why: the same messages admission gives.
    by_name = {(o.namespace, o.name): o for o in result.objects}
    assert [d.code for d in by_name[("team-1", "wf-003")].errors] == ["AW201"]
    assert [d.code for d in by_name[("team-1", "sends-missing")].errors] == ["AW700"]
    assert by_name[("team-1", "sends-known")].verdict.allowed
    assert [d.message for d in by_name[("team-1", "from-missing")].errors] == [
        "WorkflowTemplate 'no-such-template' does not exist"]
    assert by_name[("team-1", "from-shared")].verdict.allowed
    assert "AW510" not in {d.code for d in by_name[("team-0", "quiet")].diagnostics}
    assert {d.code for d in by_name[("team-0", "stubborn")].diagnostics} >= {"AW201", "AW902"}
    # No secret value is read into the result or sent anywhere.
    assert "s3cr3t-value" not in render_json(result) + render_sarif(result) + render_text(result)
    # The lookups went through the cache: one read per secret, however many workflows name it.
    assert standin.count("GET", "secrets") == 2 * len(NAMESPACES)
    text = render_text(result)
    assert "Workflow team-1/wf-003: would be denied: 1 error" in text
    assert "error[AW201] spec.entrypoint: entrypoint names template 'mian'" in text
    assert text.endswith(f"{count} Argo objects in 6 namespaces: {sum(map(len, expected.values()))} would be "
                         f"denied, 6 with warnings, {count - sum(map(len, expected.values())) - 6} clean")


async def test_audit_of_one_namespace_and_the_policy(standin: KubeStandIn) -> None:
    populate(standin)
    connection = from_kubeconfig(str(standin.kubeconfig()))
    result = await audit(connection, Scope("team-2"), from_mapping({"ignore": ["AW201"]}, "cfg"))
    assert {o.namespace for o in result.objects} == {"team-2"}
    assert {o.name for o in result.denied} == {"from-missing", "sends-missing"}
    assert not any(r.resource == "clusterworkflowtemplates" for r in standin.requests)
    assert all(r.path.startswith("/apis/argoproj.io/v1alpha1/namespaces/team-2/") for r in standin.requests
               if r.resource in ("workflows", "workflowtemplates", "cronworkflows"))
    empty = await audit(connection, Scope("empty"), DEFAULT_POLICY)
    assert empty.objects == [] and render_text(empty) == "0 Argo objects in namespace empty: 0 would be denied, " \
                                                         "0 with warnings, 0 clean"


async def test_policy_reports(standin: KubeStandIn) -> None:
    expected = populate(standin)
    connection = from_kubeconfig(str(standin.kubeconfig()))
    result = await audit(connection, Scope(), DEFAULT_POLICY)
    reports = policy_reports(result, now=1_700_000_000)
    kinds = [(r["kind"], r["metadata"].get("namespace")) for r in reports]
    assert kinds == [("PolicyReport", ns) for ns in NAMESPACES] + [("ClusterPolicyReport", None)]
    for report in reports:
        assert report["apiVersion"] == "wgpolicyk8s.io/v1alpha2"
        assert report["metadata"]["name"] == "argo-warden"
        assert set(report["summary"]) == {"pass", "fail", "warn", "error", "skip"}
        for r in report["results"]:
            assert r["policy"] == "argo-warden" and r["result"] in ("pass", "fail", "warn")
            assert r["severity"] in ("high", "medium") if r["result"] != "pass" else "severity" not in r
            assert r["timestamp"] == {"seconds": 1_700_000_000, "nanos": 0}
            (resource,) = r["resources"]
            assert resource["apiVersion"] == "argoproj.io/v1alpha1" and resource["uid"]
            assert resource.get("namespace") == report["metadata"].get("namespace")
            assert all(isinstance(v, str) for v in r.get("properties", {}).values())
    team1 = reports[1]
    assert team1["scope"] == {"apiVersion": "v1", "kind": "Namespace", "name": "team-1"}
    failing = {r["resources"][0]["name"] for r in team1["results"] if r["result"] == "fail"}
    assert failing == expected["team-1"]
    fail = next(r for r in team1["results"] if r["rule"] == "AW201")
    assert fail["properties"] == {"path": "spec.entrypoint", "hint": "did you mean 'main'?"}
    assert team1["summary"]["fail"] == len([r for r in team1["results"] if r["result"] == "fail"])
    assert team1["summary"]["pass"] + len({r["resources"][0]["name"] for r in team1["results"]
                                           if r["result"] != "pass"}) == sum(
        1 for o in result.objects if o.namespace == "team-1")
    cluster = reports[-1]
    assert "scope" not in cluster and {r["resources"][0]["name"] for r in cluster["results"]} == {
        "cluster-ok", "cluster-broken"}


async def test_a_list_whose_continue_token_expires_restarts_once(standin: KubeStandIn) -> None:
    for i in range(120):
        standin.add_argo("workflows", workflow(f"wf-{i:03d}"), "ns")
    client = KubeClient(from_kubeconfig(str(standin.kubeconfig())))
    names: list[str] = []
    try:
        async for item in list_objects(client, path("apis", "argoproj.io", "v1alpha1", "workflows"), "workflows",
                                       timeout=5, page_size=50):
            names.append(item["metadata"]["name"])
            if len(names) == 60:
                standin.expire_continue_tokens()  # the third page's token is now too old: 410 Expired
    finally:
        await client.close()
    assert sorted(names) == [f"wf-{i:03d}" for i in range(120)] and len(names) == 120
    # Pages 1, 2, the expired 3, then a fresh list: 1 (all seen), 2 (all seen), 3.
    assert standin.count("GET", "workflows") == 6


async def test_namespace_list_items_get_their_kind(standin: KubeStandIn) -> None:
    standin.add_namespace("a")
    client = KubeClient(from_kubeconfig(str(standin.kubeconfig())))
    try:
        items = [i async for i in list_objects(client, path("api", "v1", "namespaces"), "namespaces", timeout=5)]
    finally:
        await client.close()
    assert [(i["apiVersion"], i["kind"], i["metadata"]["name"]) for i in items] == [("v1", "Namespace", "a")]


async def cli(*args: str, cwd: Path | None = None, tty: bool = False) -> tuple[int, str, str]:
    """The CLI in a subprocess (the stand-in keeps serving in this event loop meanwhile)."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    if tty:
        master, slave = pty.openpty()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "webhook", *args, cwd=cwd or ROOT,
                                                    stdout=asyncio.subprocess.PIPE, stderr=slave, env=env)
        os.close(slave)
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        return proc.returncode or 0, out.decode(), b"".join(chunks).decode(errors="replace")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "webhook", *args, cwd=cwd or ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=env)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_cli_outputs_and_exit_codes(standin: KubeStandIn, tmp_path: Path) -> None:
    expected = populate(standin)
    kubeconfig = str(standin.kubeconfig())
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "-A", "-o", "json", cwd=tmp_path)
    assert code == 1, err
    data = json.loads(out)
    assert data["summary"]["objects"] == total(standin)
    assert data["summary"]["denied"] == sum(map(len, expected.values())) == 6 * 7 + 2
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "-o", "policyreport", cwd=tmp_path)
    assert code == 1, err
    docs = list(yaml.safe_load_all(out))
    assert [d["kind"] for d in docs].count("PolicyReport") == 6 and docs[-1]["kind"] == "ClusterPolicyReport"
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "-o", "sarif", cwd=tmp_path)
    sarif = json.loads(out)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "apis/argoproj.io/v1alpha1/namespaces/team-1/workflows/wf-003" in uris
    # A namespace with nothing to deny exits 0; a config that ignores the codes turns the denials off.
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "-n", "empty", cwd=tmp_path)
    assert code == 0 and "0 Argo objects in namespace empty" in out, err
    (tmp_path / ".argo-warden.yaml").write_text("ignore: [AW201, AW214, AW700, AW9]\n")
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "-n", "team-3", cwd=tmp_path)
    assert code == 0 and "0 would be denied" in out, out + err


async def test_cli_progress_bar_on_a_terminal(standin: KubeStandIn, tmp_path: Path) -> None:
    populate(standin)
    code, out, err = await cli("audit", "--kubeconfig", str(standin.kubeconfig()), cwd=tmp_path, tty=True)
    assert code == 1
    assert "judging" in err or "listed" in err, err
    assert "would be denied" in out and "judging" not in out


async def test_slow_api_server(standin: KubeStandIn, tmp_path: Path) -> None:
    populate(standin)
    standin.fail("GET", "workflows", Fault(delay=1.0))
    started = asyncio.get_running_loop().time()
    code, out, err = await cli("audit", "--kubeconfig", str(standin.kubeconfig()), "-n", "team-4", "-o", "json",
                               "--timeout", "5", cwd=tmp_path)
    assert code == 1, err
    assert json.loads(out)["summary"]["objects"] == PER_NAMESPACE + 6
    assert asyncio.get_running_loop().time() - started >= 1.0


async def test_api_server_that_never_answers_or_refuses(standin: KubeStandIn, tmp_path: Path) -> None:
    populate(standin)
    kubeconfig = str(standin.kubeconfig())
    standin.fail("GET", "workflowtemplates", Fault(hang=True))
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, "--timeout", "1", cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.strip() == "argo-warden audit: the API server did not answer the list of workflowtemplates within 1 s"
    standin.faults.clear()
    standin.fail("GET", "cronworkflows", Fault(status=403))
    code, out, err = await cli("audit", "--kubeconfig", kubeconfig, cwd=tmp_path)
    assert code == 2 and "not allowed to list cronworkflows" in err and "Traceback" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["--in-cluster", "--context", "x"], "--context picks a kubeconfig context"),
    (["--kubeconfig", "/nonexistent/kubeconfig"], "does not exist"),
    (["-n", "a", "-A"], "not allowed with argument"),
    (["--select", "AW2O1"], "did you mean 'AW201'?"),
])
async def test_cli_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    code, out, err = await cli("audit", *args, cwd=tmp_path)
    assert code == 2 and out == "" and message in err and "Traceback" not in err, err


async def test_audit_applies_the_organisations_policies(standin: KubeStandIn) -> None:
    examples = ROOT / "examples" / "policies"
    cron = yaml.safe_load((examples / "cases" / "org002-cron-sidecar.yaml").read_text())
    compliant = yaml.safe_load((examples / "cases" / "compliant.yaml").read_text())
    standin.add_argo("cronworkflows", cron, "finance")
    assert compliant["kind"] == "Workflow"
    compliant["metadata"]["name"] = compliant["metadata"]["generateName"] + "abcde"  # as created
    standin.add_argo("workflows", compliant)
    connection = from_kubeconfig(str(standin.kubeconfig()))
    policy = resolve(["."], None, policies=[str(examples / "policies.yaml")])
    result = await audit(connection, Scope(), policy)
    by_name = {o.name: o for o in result.objects}
    assert "ORG002" in {d.code for d in by_name["nightly-report"].diagnostics}
    assert not any(d.code.startswith("ORG") for d in by_name["compliant-abcde"].diagnostics)
    plain = await audit(connection, Scope(), DEFAULT_POLICY)
    assert not any(d.code.startswith("ORG") for o in plain.objects for d in o.diagnostics)
