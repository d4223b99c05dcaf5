"""Mutation: secret lookups in headers become secretKeyRef, seed-dialect conditions become portable; idempotent."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import pytest

from tests.admission.conftest import seed_workflow, valid_workflow
from webhook.admission.mutation import (
    ORIGINAL_CONDITIONS,
    MutatorUnavailable,
    content_type_header,
    load_mutator,
    mutation_verdict,
    mutators,
    secret_lookup_headers,
)
from webhook.manifest import Manifest
from webhook.secrets.references import SecretKeyRef, parse_secret_lookup


@pytest.mark.parametrize("value, ref", [
    ("{{=lookup 'secret' 'my-api-secret' 'token'}}", SecretKeyRef("my-api-secret", "token")),
    ('{{=lookup "secret" "my-api-secret" "token"}}', SecretKeyRef("my-api-secret", "token")),
    ("{{= lookup  'secret'  'a.b-c'  'KEY_1.x' }}", SecretKeyRef("a.b-c", "KEY_1.x")),
    ("{{=lookup 'secret' \"mixed\" 'quotes'}}", SecretKeyRef("mixed", "quotes")),
])
def test_lookup_tags_that_name_a_secret_key(value: str, ref: SecretKeyRef) -> None:
    assert parse_secret_lookup(value) == ref


@pytest.mark.parametrize("value", [
    "Bearer {{=lookup 'secret' 'my-api-secret' 'token'}}",   # more than the tag: the value is a template
    "{{=lookup 'secret' 'my-api-secret' 'token'}} ",
    "{{=lookup 'configmap' 'cm' 'key'}}",
    "{{=lookup 'secret' 'my-api-secret\" 'token'}}",          # quotes do not pair
    "{{=lookup 'secret' 'Bad_Name' 'token'}}",                # not a Kubernetes secret name
    "{{=lookup 'secret' 'name' 'bad key'}}",
    "{{=lookup 'secret' 'name'}}",
    "{{lookup 'secret' 'name' 'key'}}",
    "{{inputs.parameters.token}}",
    None, 42,
])
def test_other_values_are_not_lookups(value: Any) -> None:
    assert parse_secret_lookup(value) is None


def _patched(obj: dict[str, Any], chain: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    verdict = mutation_verdict(Manifest(obj["kind"], obj, default_namespace="default"), chain)
    ops = verdict.patch or []
    return ops, jsonpatch.apply_patch(obj, ops)


def test_header_lookup_becomes_secret_key_ref_with_a_minimal_patch() -> None:
    wf = seed_workflow()
    ops, mutated = _patched(wf, (secret_lookup_headers,))
    assert ops == [
        {"op": "remove", "path": "/spec/templates/1/http/headers/1/value"},
        {"op": "add", "path": "/spec/templates/1/http/headers/1/valueFrom",
         "value": {"secretKeyRef": {"name": "my-api-secret", "key": "token"}}},
    ]
    assert mutated["spec"]["templates"][1]["http"]["headers"][1] == {
        "name": "Authorization", "valueFrom": {"secretKeyRef": {"name": "my-api-secret", "key": "token"}}}
    assert _patched(mutated, (secret_lookup_headers,))[0] == []


def test_plugin_templates_and_headers_with_value_from_are_left_alone() -> None:
    wf = seed_workflow()
    http = wf["spec"]["templates"][1].pop("http")
    wf["spec"]["templates"][1]["plugin"] = {"argo-warden": http}
    assert _patched(wf, (secret_lookup_headers,))[0] == []
    wf = seed_workflow()
    wf["spec"]["templates"][1]["http"]["headers"][1]["valueFrom"] = {"secretKeyRef": {"name": "x", "key": "y"}}
    assert _patched(wf, (secret_lookup_headers,))[0] == []


def test_cron_workflow_headers_are_rewritten_under_workflow_spec() -> None:
    wf = seed_workflow()
    cron = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "workflowSpec": wf["spec"]}}
    ops, _ = _patched(cron, (secret_lookup_headers,))
    assert {op["path"] for op in ops} == {"/spec/workflowSpec/templates/1/http/headers/1/value",
                                          "/spec/workflowSpec/templates/1/http/headers/1/valueFrom"}


def test_objects_that_are_not_argo_kinds_are_not_mutated() -> None:
    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "workflow", "spec": seed_workflow()["spec"]}
    assert mutation_verdict(Manifest("workflow", obj), mutators()).patch is None


def test_plugin_mutation_hook_reports_a_missing_module() -> None:
    with pytest.raises(MutatorUnavailable, match=r"webhook\.nowhere is not part of this build"):
        load_mutator("webhook.nowhere:rewrite")
    with pytest.raises(MutatorUnavailable, match="is not a function"):
        load_mutator("webhook.manifest:ARGO_KINDS")
    assert load_mutator("webhook.admission.mutation:secret_lookup_headers") is secret_lookup_headers


def test_seed_conditions_become_portable_and_the_originals_are_kept() -> None:
    conditions = pytest.importorskip("webhook.conditions",
                                     reason="the condition language (webhook.conditions) is not merged yet")
    wf = valid_workflow()
    wf["metadata"]["annotations"] = {"team": "payments"}
    ops, mutated = _patched(wf, mutators())
    get_cond = mutated["spec"]["templates"][1]["http"]["successCondition"]
    post_cond = mutated["spec"]["templates"][2]["http"]["successCondition"]
    assert conditions.is_portable(get_cond) and conditions.is_portable(post_cond)
    assert get_cond == conditions.to_portable("status_code == 200")
    annotations = mutated["metadata"]["annotations"]
    assert annotations["team"] == "payments"
    assert json.loads(annotations[ORIGINAL_CONDITIONS]) == {
        "spec.templates[1].http.successCondition": "status_code == 200",
        "spec.templates[2].http.successCondition": "status_code == 201",
    }
    # Idempotent: the mutated object mutates to itself.
    assert _patched(mutated, mutators())[0] == []
    # Only the conditions, the secret header, the content type and the annotation change.
    assert sorted(op["path"] for op in ops) == sorted([
        "/metadata/annotations/argo-warden.io~1original-conditions",
        "/spec/templates/1/http/headers/1/value",
        "/spec/templates/1/http/headers/1/valueFrom",
        "/spec/templates/1/http/successCondition",
        "/spec/templates/2/http/successCondition",
        "/spec/templates/2/http/contentType",
        "/spec/templates/2/http/headers",
    ])


def test_content_type_field_becomes_a_header_once() -> None:
    wf = seed_workflow()
    post = wf["spec"]["templates"][2]["http"]
    assert post["contentType"] == "application/json" and "headers" not in post
    ops, mutated = _patched(wf, (content_type_header,))
    assert ops == [
        {"op": "remove", "path": "/spec/templates/2/http/contentType"},
        {"op": "add", "path": "/spec/templates/2/http/headers",
         "value": [{"name": "Content-Type", "value": "application/json"}]},
    ]
    assert _patched(mutated, (content_type_header,))[0] == []


def test_an_explicit_content_type_header_wins_over_the_field() -> None:
    wf = seed_workflow()
    post = wf["spec"]["templates"][2]["http"]
    post["headers"] = [{"name": "content-type", "value": "text/plain"}]
    _ops, mutated = _patched(wf, (content_type_header,))
    http = mutated["spec"]["templates"][2]["http"]
    assert "contentType" not in http
    assert http["headers"] == [{"name": "content-type", "value": "text/plain"}]
