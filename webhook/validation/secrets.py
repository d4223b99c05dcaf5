"""Secret references: the secret exists, the key exists, and the requesting user may read what a template sends.

Codes AW700–AW799. What an HTTP template sends (header ``secretKeyRef``, lookup
tags) is checked strictly: a missing secret or key is an error, and at admission
a SubjectAccessReview must say the requesting user may ``get`` the secret (else
anyone allowed to create Workflows could mail out any secret the workflow's
service account can read). What pods read (env, envFrom, volumes, image pull
secrets, artifact credentials) is reported as warnings: the pod fails to start,
nothing leaks to a url of the author's choosing.

A template of another document that the manifest calls (templateRef,
workflowTemplateRef) and that sends a secret to a url or Host the caller's
arguments write is held to the same rule at admission (AW708): the caller
chooses where the secret goes (webhook.secrets.inherited).

Nothing about a secret the user may not read is disclosed: when the access
review says no (or cannot answer), existence and key names are not reported.
Messages name users, secrets, keys and templates — never a value; this module
never sees one.
"""

from __future__ import annotations

from collections.abc import Iterator

from webhook.diagnostics import ARGO_WARDEN_ONLY, Finding, Severity, define
from webhook.manifest import CLUSTER_WORKFLOW_TEMPLATE, Manifest
from webhook.secrets.inherited import find_inherited_sends
from webhook.secrets.references import SecretReference, find_secret_references, valid_secret_name
from webhook.spec.lookups import Lookup, LookupState
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import ValidationContext

SECRET_MISSING = define(
    "AW700", Severity.ERROR, "an HTTP template sends a secret that does not exist",
    why="An HTTP template that sends a secret that does not exist fails when the step runs.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(with --secrets or at admission) headers:\n- name: Authorization\n  valueFrom:\n    "
            "secretKeyRef: {name: missing, key: token}",
)
SECRETS_SKIPPED = define(
    "AW701", Severity.INFO, "secret references were not checked",
    why="Secret references could not be checked (no secret store given); said once per run.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(lint without --secrets, of a workflow whose HTTP template sends a secret)",
)
KEY_MISSING = define(
    "AW702", Severity.ERROR, "an HTTP template sends a secret key that does not exist",
    why="A secret key that does not exist fails the step when it runs.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(with --secrets) secretKeyRef: {name: api, key: tokn}   # the Secret has 'token'",
)
USER_DENIED = define(
    "AW703", Severity.ERROR, "the requesting user may not read a secret an HTTP template sends",
    why="A user must not exfiltrate a secret they cannot read by having a workflow send it.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission, a user without get on Secret 'api') secretKeyRef: {name: api, key: token}",
)
SERVICE_ACCOUNT_DENIED = define(
    "AW704", Severity.WARNING, "the workflow's service account may not read a secret",
    why="The workflow's service account cannot read the secret: the step fails when it runs.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission) the service account named by spec.serviceAccountName lacks get on the Secret",
)
SECRET_UNCHECKED = define(
    "AW705", Severity.WARNING, "a secret reference could not be checked",
    why="A secret reference that could not be checked (the cluster did not answer) is reported, not "
            "passed silently.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission, with the API server timing out)",
)
LOOKUP_INVALID = define(
    "AW706", Severity.ERROR, "a secret lookup names an invalid secret or key",
    why="A secret name or key that is not a valid Kubernetes name can never exist.",
    mirrors=ARGO_WARDEN_ONLY,
    example="secretKeyRef: {name: My_Secret, key: token}",
)
KEYS_UNREAD = define(
    "AW707", Severity.INFO, "secret key names were not read (metadata-only access)",
    why="With metadata-only access, a secret's key names cannot be read, so keys went unchecked.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission, argo-warden allowed to list Secret metadata only)",
)
INHERITED_DENIED = define(
    "AW708", Severity.ERROR,
    "a referenced template sends a secret the requesting user may not read to a destination this workflow sets",
    why="A referenced template that sends a secret to a destination this workflow sets lets the user "
            "exfiltrate it.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission) a templateRef'd HTTP template sends Secret 'api' to {{inputs.parameters.url}}, "
            "set by the user",
)
POD_SECRET_MISSING = define(
    "AW710", Severity.WARNING, "a pod or artifact uses a secret that does not exist",
    why="A pod or artifact that uses a secret that does not exist fails when the pod starts.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(with --secrets) env:\n- name: TOKEN\n  valueFrom:\n    secretKeyRef: {name: missing, key: "
            "token}",
)
POD_KEY_MISSING = define(
    "AW711", Severity.WARNING, "a pod or artifact uses a secret key that does not exist",
    why="A pod or artifact that uses a missing secret key fails when the pod starts.",
    mirrors=ARGO_WARDEN_ONLY,
    example="(with --secrets) secretKeyRef: {name: api, key: tokn}",
)
POD_USER_DENIED = define(
    "AW712", Severity.WARNING, "a pod uses a secret the requesting user may not read",
    why="A pod can expose a secret the user cannot read (env, logs).",
    mirrors=ARGO_WARDEN_ONLY,
    example="(at admission, a user without get on Secret 'api') env from secretKeyRef: {name: api, key: "
            "token}",
)

DEFAULT_SERVICE_ACCOUNT = "default"


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    yield from _own(manifest, context)
    if context.access is not None:
        yield from _inherited(manifest, context)


def _own(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    references = context.secret_references
    if references is None:
        references = find_secret_references(manifest)
    if not references:
        return
    checkable: list[SecretReference] = []
    for ref in references:
        if ref.valid:
            checkable.append(ref)
        else:
            yield _invalid(ref)
    if not checkable:
        return
    if context.secrets is None:
        count = len({(r.name, r.key) for r in checkable})
        yield Finding(SECRETS_SKIPPED, checkable[0].name_at,
                      f"{count} secret reference{'s' if count != 1 else ''} not checked: no secret store is "
                      f"configured", span=checkable[0].name_span,
                      hint="lint with --secrets FILE (Secret manifests), or let the admission webhook check "
                           "them against the cluster")
        return
    namespace = manifest.namespace
    account = service_account(manifest)
    for ref in checkable:
        yield from _reference(ref, namespace, account, context)


def _inherited(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    """Secrets a referenced template sends where this workflow's arguments say: the user must may read them."""
    assert context.access is not None
    sends = context.inherited_sends
    if sends is None:
        sends = find_inherited_sends(manifest, context.templates)
    namespace = manifest.namespace
    who = f"user '{context.user}'" if context.user else "the requesting user"
    reported: set[tuple[str, str, str]] = set()
    for send in sends:
        key = (send.ref.name, send.source, send.template)
        if key in reported:
            continue
        reported.add(key)
        decision = context.access.may_get_secret(namespace, send.ref.name, None)
        what = f"{send.source} template '{send.template}' ({send.ref.where})"
        if decision.state is LookupState.UNKNOWN:
            yield Finding(SECRET_UNCHECKED, send.call_at,
                          f"{what} sends secret '{send.ref.name}' to {send.destination!r}, set by this workflow; "
                          f"whether {who} may read it could not be checked: {decision.reason or 'unknown'}",
                          severity=context.unknown_severity(decision))
        elif decision.value is not True:
            where = f" in namespace '{namespace}'" if namespace else ""
            yield Finding(INHERITED_DENIED, send.call_at,
                          f"{who} may not get secret '{send.ref.name}'{where}, which {what} sends to "
                          f"{send.destination!r}, a destination this workflow's arguments set",
                          hint="only secrets you may read can be sent where you choose; ask for 'get' on it, "
                               "or have the template fix its url")


def service_account(manifest: Manifest) -> str | None:
    """The account the workflow's pods (and Argo's agent) run as; None when it is only known at run time."""
    if manifest.kind == CLUSTER_WORKFLOW_TEMPLATE:
        return None
    name = manifest.workflow_spec.get("serviceAccountName")
    if name is None or name == "":
        return DEFAULT_SERVICE_ACCOUNT
    return name if isinstance(name, str) and "{{" not in name else None


def _reference(ref: SecretReference, namespace: str | None, account: str | None,
               context: ValidationContext) -> Iterator[Finding]:
    if context.access is not None:
        decision = context.access.may_get_secret(namespace, ref.name, None)
        if not (decision.found and decision.value is True):
            # Denied or unknown: nothing about the secret itself (existence, key names) is disclosed.
            yield from _user_not_allowed(ref, namespace, decision, context)
            return
    assert context.secrets is not None
    keys = context.secrets.secret_keys(namespace, ref.name)
    if keys.state is LookupState.UNKNOWN:
        yield _unchecked(ref, f"secret '{ref.name}' could not be read: {keys.reason or 'unknown'}",
                         context.unknown_severity(keys))
        return
    if keys.state is LookupState.MISSING:
        if not ref.optional:
            yield _missing_secret(ref, namespace, context, keys.reason)
        return
    if ref.key is not None and keys.value is None:
        yield Finding(KEYS_UNREAD, ref.key_at or ref.name_at,
                      f"{ref.label}: key '{ref.key}' of secret '{ref.name}' not checked: only metadata is read",
                      span=ref.key_span, hint="serve --secret-access keys checks key names too")
    elif ref.key is not None and ref.key not in keys.value:
        if not ref.optional:
            yield _missing_key(ref, keys.value)
        return
    if context.access is not None and ref.sent and account is not None:
        yield from _service_account(ref, namespace, account, context)


def _user_not_allowed(ref: SecretReference, namespace: str | None, decision: Lookup,
                      context: ValidationContext) -> Iterator[Finding]:
    who = f"user '{context.user}'" if context.user else "the requesting user"
    where = f" in namespace '{namespace}'" if namespace else ""
    if decision.state is LookupState.UNKNOWN:
        severity = context.unknown_severity(decision)
        if not ref.sent:
            severity = _at_most_warning(severity)
        yield _unchecked(ref, f"whether {who} may read secret '{ref.name}' could not be checked: "
                              f"{decision.reason or 'unknown'}", severity)
        return
    if ref.sent:
        yield Finding(USER_DENIED, ref.name_at,
                      f"{who} may not get secret '{ref.name}'{where}, which {ref.label} sends out",
                      span=ref.name_span,
                      hint="only secrets you may read can be sent; ask for 'get' on it or use another secret")
    else:
        yield Finding(POD_USER_DENIED, ref.name_at,
                      f"{who} may not get secret '{ref.name}'{where}, which {ref.label} reads: "
                      f"whoever runs this workflow can see it", span=ref.name_span)


def _service_account(ref: SecretReference, namespace: str | None, account: str,
                     context: ValidationContext) -> Iterator[Finding]:
    assert context.access is not None
    decision = context.access.may_get_secret(namespace, ref.name, account)
    if decision.state is LookupState.UNKNOWN:
        severity = _at_most_warning(context.unknown_severity(decision))
        yield _unchecked(ref, f"whether service account '{account}' may read secret '{ref.name}' could not be "
                              f"checked: {decision.reason or 'unknown'}", severity)
    elif decision.state is LookupState.FOUND and decision.value is False:
        yield Finding(SERVICE_ACCOUNT_DENIED, ref.name_at,
                      f"service account '{account}' may not get secret '{ref.name}': {ref.label} will fail",
                      span=ref.name_span,
                      hint="grant the workflow's service account 'get' on this secret, or set "
                           "spec.serviceAccountName to one that has it")


def _missing_secret(ref: SecretReference, namespace: str | None, context: ValidationContext,
                    reason: str | None = None) -> Finding:
    assert context.secrets is not None
    where = f"namespace '{namespace}'" if namespace else context.secrets.description
    code = SECRET_MISSING if ref.sent else POD_SECRET_MISSING
    hint = f"{reason}: a workflow reads secrets of its own namespace" if reason else \
        "create the secret, or correct its name"
    return Finding(code, ref.name_at, f"{ref.label}: secret '{ref.name}' does not exist in {where}",
                   span=ref.name_span, hint=hint)


def _missing_key(ref: SecretReference, keys: frozenset[str]) -> Finding:
    assert ref.key is not None
    code = KEY_MISSING if ref.sent else POD_KEY_MISSING
    hint = did_you_mean(ref.key, keys) or (f"its keys: {one_of(keys)}" if keys else "the secret has no keys")
    return Finding(code, ref.key_at or ref.name_at, f"{ref.label}: secret '{ref.name}' has no key '{ref.key}'",
                   span=ref.key_span, hint=hint)


def _unchecked(ref: SecretReference, message: str, severity: Severity) -> Finding:
    return Finding(SECRET_UNCHECKED, ref.name_at, f"{ref.label}: {message}", span=ref.name_span, severity=severity)


def _invalid(ref: SecretReference) -> Finding:
    if not valid_secret_name(ref.name):
        return Finding(LOOKUP_INVALID, ref.name_at,
                       f"{ref.label}: '{ref.name}' is not a valid secret name", span=ref.name_span,
                       hint="secret names are lower-case letters, digits, '-' and '.'")
    return Finding(LOOKUP_INVALID, ref.key_at or ref.name_at,
                   f"{ref.label}: '{ref.key}' is not a valid secret key", span=ref.key_span,
                   hint="secret keys are letters, digits, '-', '_' and '.'")


def _at_most_warning(severity: Severity) -> Severity:
    return Severity.WARNING if severity is Severity.ERROR else severity
