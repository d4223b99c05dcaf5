"""What validation may know about the world outside the manifest: the validation context.

Validation is a pure function of (manifest, context). Everything that needs I/O
(the cluster, files of Secret manifests, other documents of a lint run) is
looked up *before* validation by an adapter and handed over as a snapshot that
implements the interfaces of ``webhook.spec.lookups``, so lint, admission and
REST share one validator.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook.diagnostics import Severity
from webhook.org_policies.model import PolicySet
from webhook.secrets.inherited import InheritedSend
from webhook.secrets.references import SecretReference
from webhook.spec.lookups import AccessReviewer, Lookup, NoTemplates, SecretSource, TemplateSource


class Mode(enum.Enum):
    """What the object is being checked for, as Argo's validator distinguishes it (its ``Opts``).

    LINT: a file checked before anyone submits it (``argo lint``): workflow arguments may still be
    left without a value, to be given at submission. SUBMIT: the object is being created (admission,
    REST API): a Workflow or CronWorkflow must then have every argument's value. WorkflowTemplates
    are checked as Argo checks them in either mode (their arguments are filled in by each submission).
    """

    LINT = "lint"
    SUBMIT = "submit"


@dataclass(slots=True)
class ValidationContext:
    # Unknown fields are errors (like `argo lint --strict`, the default); otherwise warnings.
    strict: bool = True
    mode: Mode = Mode.SUBMIT
    templates: TemplateSource = field(default_factory=NoTemplates)
    # None: secret checks are skipped, with one info diagnostic saying so.
    secrets: SecretSource | None = None
    access: AccessReviewer | None = None
    # Severity of a reference that cannot be resolved because the answer is unknown
    # (offline lint: warning; admission, where the cluster is the source of truth: error).
    unresolved_severity: Severity = Severity.WARNING
    # Name of the requesting user, for messages (admission only).
    user: str | None = None
    # The requesting user's name, uid and groups (admission, REST), for organisation policies.
    user_info: Mapping[str, Any] | None = None
    # The organisation's own policies (webhook.org_policies); their digest is part of ``cache_key``.
    policies: PolicySet | None = None
    # Identifies everything this context knows: two contexts with the same key give every manifest
    # the same diagnostics, so results may be memoised (webhook.validation.memo). None: never memoised.
    cache_key: str | None = None
    # The manifest's secret references when a provider already found them for this very manifest
    # (admission prefetch); None: the secret rule finds them itself.
    secret_references: Sequence[SecretReference] | None = None
    # Likewise the secrets referenced templates send where the manifest's arguments say (admission prefetch).
    inherited_sends: Sequence[InheritedSend] | None = None

    def unknown_severity(self, lookup: Lookup) -> Severity:
        """Severity of a finding about an UNKNOWN lookup: the lookup's own, else the context's."""
        return lookup.severity or self.unresolved_severity
