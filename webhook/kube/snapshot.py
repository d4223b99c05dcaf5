"""Answers fetched before validation, behind the validation context's protocols (pure, synchronous reads)."""

from __future__ import annotations

from dataclasses import dataclass, field

from webhook.spec.lookups import Lookup, unknown

# A question the prefetch step did not ask: a fault of ours, never a reason to deny.
NOT_ASKED = "it was not looked up before validation"


@dataclass(slots=True)
class SnapshotSecrets:
    answers: dict[tuple[str | None, str], Lookup] = field(default_factory=dict)
    description: str = "the cluster"

    def secret_keys(self, namespace: str | None, name: str) -> Lookup:
        return self.answers.get((namespace, name)) or unknown(NOT_ASKED)


@dataclass(slots=True)
class SnapshotAccess:
    # (namespace, secret, service account or None for the requesting user) → may get (bool)
    answers: dict[tuple[str | None, str, str | None], Lookup] = field(default_factory=dict)

    def may_get_secret(self, namespace: str | None, name: str, service_account: str | None) -> Lookup:
        return self.answers.get((namespace, name, service_account)) or unknown(NOT_ASKED)


@dataclass(slots=True)
class SnapshotTemplates:
    workflow_templates: dict[tuple[str | None, str], Lookup] = field(default_factory=dict)
    cluster_templates: dict[str, Lookup] = field(default_factory=dict)

    def workflow_template(self, namespace: str | None, name: str) -> Lookup:
        return self.workflow_templates.get((namespace, name)) or unknown(NOT_ASKED)

    def cluster_workflow_template(self, name: str) -> Lookup:
        return self.cluster_templates.get(name) or unknown(NOT_ASKED)
