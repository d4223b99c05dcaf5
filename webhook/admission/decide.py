"""Turn a review into a verdict: the shortcuts that need no work, and the verdict of validation's diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from webhook.admission.response import Verdict, allow
from webhook.admission.review import AdmissionRequest
from webhook.diagnostics import Diagnostic, Severity
from webhook.manifest import Manifest, argo_kind_of
from webhook.policy.apply import ObjectPolicy
from webhook.policy.settings import DEFAULT_POLICY, PolicySettings
from webhook.validation.context import ValidationContext
from webhook.validation.memo import ValidationMemo, refined
from webhook.validation.secrets import SECRETS_SKIPPED

# A denial lists this many errors (kubectl prints the message on one line) and counts the rest.
LISTED_ERRORS = 3
LISTED_WARNINGS = 8
# HTTP-like status of a denial for findings: the object is well-formed JSON but not a valid manifest.
INVALID = 422
# Information the person applying the object must hear: a check that did not happen is not a check that passed.
ADMISSION_NOTICES = frozenset({SECRETS_SKIPPED})


def shortcut(request: AdmissionRequest) -> Verdict | None:
    """A verdict reached without validating, or None when the object must be checked."""
    if request.operation in ("DELETE", "CONNECT"):
        return allow(f"{request.operation.lower()}-not-checked")
    if request.sub_resource:
        # status and scale updates never change what runs.
        return allow("subresource-not-checked")
    if argo_kind_of(request.object) is None:
        return allow("not-an-argo-kind")
    if request.operation == "UPDATE" and unchanged_spec(request):
        # The Argo controller rewrites its objects constantly; the spec is what we judge.
        return allow("unchanged-spec")
    return None


def unchanged_spec(request: AdmissionRequest) -> bool:
    if request.object is None or request.old_object is None:
        return False
    return "spec" in request.object and request.object.get("spec") == request.old_object.get("spec")


def manifest_of(request: AdmissionRequest) -> Manifest:
    """The object under review as a Manifest; its namespace defaults to the request's."""
    obj = request.object or {}
    kind = argo_kind_of(obj) or request.kind
    return Manifest(kind, obj, file=None, default_namespace=request.namespace)


def judge(manifest: Manifest, context: ValidationContext, memo: ValidationMemo | None,
          policy: PolicySettings = DEFAULT_POLICY) -> Verdict:
    """The verdict of validating ``manifest`` under ``policy``: remembered in ``memo`` when one is given."""
    if memo is None:
        return validation_verdict(manifest, diagnostics_under(manifest, context, policy))
    return memo.conclude(manifest, _with_policies(context, policy), validation_verdict, object_policy(policy))


def diagnostics_under(manifest: Manifest, context: ValidationContext, policy: PolicySettings) -> list[Diagnostic]:
    """Validation, then the policy stage: the diagnostics a verdict is drawn from (``argo-warden audit`` too)."""
    return refined(manifest, _with_policies(context, policy), object_policy(policy))


def _with_policies(context: ValidationContext, policy: PolicySettings) -> ValidationContext:
    if policy.org_policies and context.policies is not policy.org_policies:
        # The organisation's policies run inside validation; the memo key holds their digest (refine.key).
        return replace(context, policies=policy.org_policies)
    return context


_POLICIES: dict[str, ObjectPolicy] = {}


def object_policy(policy: PolicySettings) -> ObjectPolicy:
    # One per settings: a server has one policy, and its per-code answers are cached inside it.
    found = _POLICIES.get(policy.digest)
    if found is None:
        if len(_POLICIES) > 64:
            _POLICIES.clear()
        found = _POLICIES[policy.digest] = ObjectPolicy(policy)
    return found


def validation_verdict(manifest: Manifest, diagnostics: Sequence[Diagnostic]) -> Verdict:
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in diagnostics
                if d.severity is Severity.WARNING or (d.severity is Severity.INFO and d.code in ADMISSION_NOTICES)]
    codes = tuple(sorted({d.code for d in (*errors, *warnings)}))
    warning_lines = tuple(_line(d) for d in warnings[:LISTED_WARNINGS])
    if len(warnings) > LISTED_WARNINGS:
        warning_lines += (f"and {len(warnings) - LISTED_WARNINGS} more warnings (argo-warden lint lists all)",)
    if not errors:
        return allow("validated", warning_lines, codes)
    listed = "; ".join(_line(d, with_hint=True) for d in errors[:LISTED_ERRORS])
    more = f"; and {len(errors) - LISTED_ERRORS} more" if len(errors) > LISTED_ERRORS else ""
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    message = f"{manifest.kind} {manifest.display_name}: {count}: {listed}{more}"
    error_lines = tuple(_line(d) for d in errors[:LISTED_WARNINGS])
    if len(errors) > LISTED_WARNINGS:
        error_lines += (f"and {len(errors) - LISTED_WARNINGS} more errors (argo-warden lint lists all)",)
    # One Verdict: deny() and then replace() for the errors built two, and shortened the warnings twice.
    return Verdict(False, "validated", message=message, code=INVALID, warnings=warning_lines, codes=codes,
                   errors=error_lines)


def _line(d: Diagnostic, with_hint: bool = False) -> str:
    where = f" {d.path}" if d.path else ""
    hint = f" (hint: {d.hint})" if with_hint and d.hint else ""
    return f"{d.code}{where}: {d.message}{hint}"
