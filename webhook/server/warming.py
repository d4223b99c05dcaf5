"""Warming a process up before it serves: the first review must not pay for compiling checkers and grammars."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from webhook.admission.mutation import Mutator, mutation_verdict
from webhook.logs import event
from webhook.manifest import ARGO_KINDS, Manifest
from webhook.memory import freeze_start_up_objects
from webhook.validation import validate
from webhook.validation.context import ValidationContext

# Validated once before listening: the first real review would otherwise pay for compiling the schema
# checkers and grammars (tens of milliseconds) inside the API server's deadline.
_WARM_UP = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "warm-up-"},
    "spec": {"entrypoint": "main", "templates": [
        # depends and when each have a grammar of their own, built on first use (~30 ms for depends).
        {"name": "main", "dag": {"tasks": [
            {"name": "get", "template": "get"},
            {"name": "then", "template": "get", "depends": "get.Succeeded || get.Failed",
             "when": "{{tasks.get.status}} == Succeeded"},
        ]}},
        {"name": "get", "http": {"url": "https://example.com/", "timeoutSeconds": 5,
                                 "successCondition": "response.statusCode == 200",
                                 "headers": [{"name": "Accept", "value": "application/json"}]}},
    ]},
}


def warm_up(chain: Sequence[Mutator]) -> None:
    """Compile what the first review would, then take everything built so far out of the GC's full passes."""
    try:
        _warm_up(chain)
    except Exception as exc:
        # Only a speed-up: a review that hits the same fault is answered under the failure policy and logged.
        event("warm-up failed", logging.WARNING, error=type(exc).__name__)
    freeze_start_up_objects()


def _warm_up(chain: Sequence[Mutator]) -> None:
    for kind in ARGO_KINDS:
        data = dict(_WARM_UP, kind=kind)
        if kind == "CronWorkflow":
            data["spec"] = {"schedule": "0 * * * *", "workflowSpec": _WARM_UP["spec"]}
        manifest = Manifest(kind, data, default_namespace="default")
        validate(manifest, ValidationContext())
        mutation_verdict(manifest, chain)


