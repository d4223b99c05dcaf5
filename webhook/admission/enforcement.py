"""Enforcement modes: what a validating review does with an object argo-warden would refuse.

``deny`` refuses it (the default); ``warn`` admits it and sends the errors back as
admission warnings (kubectl prints them); ``audit`` admits it silently, and the
server logs and counts the findings. The mode is the server's (``--enforcement``
or ``admission.enforcement`` in its configuration), unless the object's
namespace carries the label ``argo-warden.io/enforcement``: a platform team rolls
out namespace by namespace. Both validated denials and the failure policy's
("could not be checked") denials follow the mode: a namespace in audit is never
blocked by argo-warden.
"""

from __future__ import annotations

from dataclasses import replace

from webhook.admission.response import Verdict, allow
from webhook.policy.settings import Enforcement

LABEL = "argo-warden.io/enforcement"
# Kubernetes lets a response carry many warnings but kubectl prints each; keep a denial's worth.
MAX_WARNINGS = 12


def mode_of(label: str | None, default: Enforcement) -> tuple[Enforcement, str | None]:
    """The mode a namespace label asks for, or ``default``; and a problem with the label to log, if any."""
    if label is None:
        return default, None
    try:
        return Enforcement(label.strip().lower()), None
    except ValueError:
        return default, (f"namespace label {LABEL}={label[:40]!r} is not one of "
                         f"{', '.join(e.value for e in Enforcement)}; using {default.value}")


def enforce(verdict: Verdict, mode: Enforcement) -> Verdict:
    """``verdict`` as ``mode`` says (a verdict that admits is left as it is, except that audit keeps quiet)."""
    if mode is Enforcement.DENY:
        return verdict
    if mode is Enforcement.AUDIT:
        if verdict.allowed and not verdict.warnings:
            return verdict
        return allow(f"{verdict.reason}-audited" if not verdict.allowed else verdict.reason, (), verdict.codes)
    if verdict.allowed:
        return verdict
    errors = verdict.errors or ((verdict.message or "denied"),)
    warnings = tuple(f"would be denied: {line}" for line in errors) + verdict.warnings
    return replace(allow(f"{verdict.reason}-warned", warnings[:MAX_WARNINGS], verdict.codes), errors=verdict.errors)
