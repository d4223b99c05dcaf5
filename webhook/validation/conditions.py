"""Every HTTP template's successCondition, checked by the condition language (codes AW600–AW699).

The codes are defined in webhook.conditions.issues; this rule turns the
checker's issues into findings whose span is the bad token inside the string,
so the caret lands on it. Plugin templates of argo-warden
(``plugin: {argo-warden: {...}}``) carry the same field and are checked alike.
"""

from __future__ import annotations

from collections.abc import Iterator

from webhook.conditions import issues as _codes  # noqa: F401 - registers AW600–AW699 in the catalogue
from webhook.diagnostics import Finding
from webhook.manifest import Manifest
from webhook.spec.http import shared_http_templates
from webhook.validation.context import ValidationContext


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    for at, path, http in shared_http_templates(manifest):
        text = http.get("successCondition")
        if not isinstance(text, str) or text == "":
            continue  # no condition: upstream's default (a 2xx status)
        from webhook.conditions import check_condition

        label = f"template '{at.name}'" if at.name else "http template"
        where = (*path, "successCondition")
        for issue in check_condition(text):
            yield Finding(issue.code, where, f"{label}: successCondition: {issue.message}", hint=issue.hint,
                          span=(issue.start, issue.end), severity=issue.severity)

