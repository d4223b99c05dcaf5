"""Which template a step, task or hook runs, resolved in the right scope.

A template reached through ``templateRef`` belongs to its WorkflowTemplate: the
steps and tasks inside it name templates of that WorkflowTemplate, not of the
workflow (Argo's "template scope"). Each scope gets its own validation
``Resolver``, built on first use and cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from webhook.manifest import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW_TEMPLATE, Manifest
from webhook.spec.resolve import Call, Resolver, TemplatesOnly

# A scope is the id() of the WorkflowTemplate object the template came from; ROOT_SCOPE is the workflow's own.
TemplateScope = int
ROOT_SCOPE: TemplateScope = 0


@dataclass(slots=True)
class TemplateResolver:
    root: Resolver[TemplatesOnly]
    _scopes: dict[TemplateScope, Resolver[TemplatesOnly]] = field(default_factory=dict)

    def resolve(self, holder: dict[str, Any], scope: TemplateScope) -> tuple[Call, TemplateScope]:
        """What ``holder`` runs, and the scope the callee's own calls resolve in."""
        resolver = self._scopes.get(scope, self.root)
        call = resolver.call(holder, ())
        if call.source is None or call.template is None:
            return call, scope
        source = call.source
        key = id(source)
        if key not in self._scopes:
            kind = CLUSTER_WORKFLOW_TEMPLATE if source.get("kind") == CLUSTER_WORKFLOW_TEMPLATE else WORKFLOW_TEMPLATE
            manifest = Manifest(kind, source, default_namespace=self.root.manifest.namespace)
            self._scopes[key] = Resolver.for_manifest(manifest, self.root.context)
        return call, key
