"""What ``argo-warden audit`` prints: text, json, sarif, or wgpolicyk8s.io/v1alpha2 PolicyReports.

PolicyReports (the format Kyverno's Policy Reporter UI reads): one per namespace,
and a ClusterPolicyReport for the cluster-scoped ClusterWorkflowTemplates. Each
result is one finding on one object: ``policy`` argo-warden, ``rule`` the code,
``result`` fail (error) or warn (warning), ``severity`` high or medium; an object
without findings gets one ``pass`` result, so the report's summary counts every
object. Printed as YAML documents, to apply with ``kubectl apply -f -``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import yaml

from webhook.audit.scan import AuditedObject, AuditResult
from webhook.diagnostics import CATALOGUE, Diagnostic, Severity

REPORT_API = "wgpolicyk8s.io/v1alpha2"
REPORT_NAME = "argo-warden"
POLICY = "argo-warden"
# PolicyReport severities: critical, high, medium, low, info.
_SEVERITY = {Severity.ERROR: "high", Severity.WARNING: "medium"}
_RESULT = {Severity.ERROR: "fail", Severity.WARNING: "warn"}


def render(result: AuditResult, output: str) -> str:
    if output == "json":
        return render_json(result)
    if output == "sarif":
        return render_sarif(result)
    if output == "policyreport":
        return render_policy_reports(result)
    return render_text(result)


def _where(o: AuditedObject) -> str:
    return f"{o.kind} {o.display}"


def render_text(result: AuditResult) -> str:
    lines: list[str] = []
    for o in result.denied:
        errors = o.errors
        lines.append(f"{_where(o)}: would be denied: {len(errors)} error{'s' if len(errors) != 1 else ''}")
        for d in errors:
            where = f" {d.path}" if d.path else ""
            hint = f" (hint: {d.hint})" if d.hint else ""
            lines.append(f"  error[{d.code}]{where}: {d.message}{hint}")
        lines.append("")
    s = result.summary()
    scope = f"namespace {result.scope.namespace}" if result.scope.namespace else \
        f"{s['namespaces']} namespace{'s' if s['namespaces'] != 1 else ''}"
    lines.append(f"{s['objects']} Argo object{'s' if s['objects'] != 1 else ''} in {scope}: "
                 f"{s['denied']} would be denied, {s['warned']} with warnings, {s['clean']} clean")
    return "\n".join(lines)


def _object_dict(o: AuditedObject) -> dict[str, Any]:
    return {"apiVersion": o.api_version, "kind": o.kind, "namespace": o.namespace, "name": o.name, "uid": o.uid,
            "allowed": o.verdict.allowed,
            "diagnostics": [d.to_dict() for d in o.diagnostics if d.severity is not Severity.INFO]}


def render_json(result: AuditResult) -> str:
    shown = [o for o in result.objects if not o.verdict.allowed or o.warnings]
    return json.dumps({"summary": result.summary(), "objects": [_object_dict(o) for o in shown]}, indent=2)


def object_uri(o: AuditedObject) -> str:
    """Where the object lives, as an API path (SARIF's artifact location)."""
    resource = o.kind.lower() + "s"
    if o.namespace:
        return f"apis/{o.api_version}/namespaces/{o.namespace}/{resource}/{o.name}"
    return f"apis/{o.api_version}/{resource}/{o.name}"


def render_sarif(result: AuditResult) -> str:
    from webhook.lint import LintResult
    from webhook.reporting.sarif import render_sarif as sarif

    lint = LintResult(files=len(result.objects), documents=len(result.objects))
    for o in result.objects:
        lint.diagnostics.extend(replace(d, file=object_uri(o)) for d in o.diagnostics
                                if d.severity is not Severity.INFO)
    return sarif(lint)


def _reference(o: AuditedObject) -> dict[str, Any]:
    ref: dict[str, Any] = {"apiVersion": o.api_version, "kind": o.kind, "name": o.name}
    if o.namespace:
        ref["namespace"] = o.namespace
    if o.uid:
        ref["uid"] = o.uid
    return ref


def _results(o: AuditedObject, stamp: dict[str, int]) -> Iterator[dict[str, Any]]:
    findings = [d for d in o.diagnostics if d.severity is not Severity.INFO]
    if not findings:
        yield {"source": POLICY, "policy": POLICY, "rule": "validation", "result": "pass", "scored": True,
               "message": "no findings", "resources": [_reference(o)], "timestamp": stamp}
        return
    for d in findings:
        yield _result(o, d, stamp)


def _result(o: AuditedObject, d: Diagnostic, stamp: dict[str, int]) -> dict[str, Any]:
    info = CATALOGUE.codes.get(d.code)
    properties = {"path": d.path} if d.path else {}
    if d.hint:
        properties["hint"] = d.hint
    out: dict[str, Any] = {
        "source": POLICY, "policy": POLICY, "rule": d.code, "result": _RESULT[d.severity],
        "severity": _SEVERITY[d.severity], "scored": True, "message": d.message, "resources": [_reference(o)],
        "timestamp": stamp,
    }
    if info is not None:
        out["category"] = info.title
    if properties:
        out["properties"] = properties
    return out


def _summary(results: list[dict[str, Any]]) -> dict[str, int]:
    summary = {"pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 0}
    for r in results:
        summary[r["result"]] += 1
    return summary


def policy_reports(result: AuditResult, now: float | None = None) -> list[dict[str, Any]]:
    """One PolicyReport per namespace audited, and a ClusterPolicyReport when cluster-scoped objects were."""
    seconds = int(now if now is not None else time.time())
    stamp = {"seconds": seconds, "nanos": 0}
    by_namespace: dict[str | None, list[dict[str, Any]]] = {}
    if result.scope.namespace is not None:
        by_namespace[result.scope.namespace] = []  # an empty namespace gets an empty report: it was audited
    for o in result.objects:
        by_namespace.setdefault(o.namespace, []).extend(_results(o, stamp))
    reports: list[dict[str, Any]] = []
    for namespace in sorted(by_namespace, key=lambda n: (n is None, n or "")):
        results = by_namespace[namespace]
        metadata: dict[str, Any] = {"name": REPORT_NAME,
                                    "labels": {"app.kubernetes.io/managed-by": "argo-warden"}}
        report: dict[str, Any] = {"apiVersion": REPORT_API, "kind": "ClusterPolicyReport", "metadata": metadata}
        if namespace is not None:
            metadata["namespace"] = namespace
            report["kind"] = "PolicyReport"
            report["scope"] = {"apiVersion": "v1", "kind": "Namespace", "name": namespace}
        report["summary"] = _summary(results)
        report["results"] = results
        reports.append(report)
    return reports


def render_policy_reports(result: AuditResult) -> str:
    return yaml.safe_dump_all(policy_reports(result), sort_keys=False, explicit_start=True).rstrip("\n")
