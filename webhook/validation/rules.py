"""The ordered list of rules ``validate`` runs. Each module owns a range of codes (see its header)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from webhook.diagnostics import Finding
from webhook.manifest import Manifest
from webhook.validation import (
    conditions,
    cron,
    graph,
    http,
    json_strings,
    org_policies,
    pods,
    references,
    schema,
    secrets,
    structure,
    when,
)
from webhook.validation.context import ValidationContext

Rule = Callable[[Manifest, ValidationContext], Iterable[Finding]]

ALL: list[Rule] = [
    schema.check,
    structure.check,
    graph.check,
    pods.check,
    when.check,
    references.check,
    http.check,
    json_strings.check,
    conditions.check,
    cron.check,
    secrets.check,
    org_policies.check,
]
