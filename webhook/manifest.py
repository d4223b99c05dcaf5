"""An Argo object to validate: its kind, its data and (when it came from a file) where its nodes stand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook.diagnostics import JsonPath, shortened
from webhook.positions import PositionMap

ARGO_API_GROUP = "argoproj.io"
WORKFLOW = "Workflow"
WORKFLOW_TEMPLATE = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE = "ClusterWorkflowTemplate"
CRON_WORKFLOW = "CronWorkflow"
ARGO_KINDS = (WORKFLOW, WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE, CRON_WORKFLOW)
_NEAR_MISS_LENGTH = 2 * max(len(k) for k in ARGO_KINDS)


def is_argo_kind(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    api = data.get("apiVersion")
    return (
        data.get("kind") in ARGO_KINDS
        and isinstance(api, str)
        and api.split("/", 1)[0] == ARGO_API_GROUP
    )


def argo_kind_of(data: Any) -> str | None:
    """The kind to validate a document as, or None when it is not meant as one of the four Argo kinds.

    Besides exact matches, a document of the argoproj.io group whose kind is a
    near miss (``workflow``, ``CronWorkFlow``, ``WorkflowTemplates``) is kept, so
    the schema rule can say what is wrong instead of the document vanishing. Other
    argoproj.io kinds (Argo CD, Events, Rollouts, WorkflowEventBinding…) are skipped.
    """
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind in ARGO_KINDS:
        return str(kind)
    api = data.get("apiVersion")
    if not (isinstance(api, str) and api.split("/", 1)[0] == ARGO_API_GROUP and isinstance(kind, str)):
        return None
    import difflib

    if len(kind) > _NEAR_MISS_LENGTH:
        # Far longer than any Argo kind, so no near miss (a ratio of 0.9 needs lengths within 20%);
        # comparing a megabyte kind with each took seconds on the event loop.
        return None
    lowered = kind.lower()
    for k in ARGO_KINDS:
        if lowered == k.lower() or difflib.SequenceMatcher(None, lowered, k.lower()).ratio() >= 0.9:
            return kind
    return None


@dataclass(slots=True)
class Manifest:
    kind: str
    data: dict[str, Any]
    file: str | None = None
    document: int | None = None
    positions: PositionMap | None = None
    # Namespace to assume when metadata has none (admission request, REST path, lint default).
    default_namespace: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        md = self.data.get("metadata")
        return md if isinstance(md, dict) else {}

    @property
    def name(self) -> str | None:
        n = self.metadata.get("name")
        return n if isinstance(n, str) else None

    @property
    def display_name(self) -> str:
        md = self.metadata
        name = md.get("name")
        if isinstance(name, str) and name:
            return shortened(name)
        gen = md.get("generateName")
        return f"{shortened(gen)}*" if isinstance(gen, str) and gen else "<unnamed>"

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        if isinstance(ns, str) and ns:
            return ns
        return self.default_namespace

    @property
    def spec_path(self) -> JsonPath:
        """Path to the workflow spec: ``spec``, or ``spec.workflowSpec`` for a CronWorkflow."""
        return ("spec", "workflowSpec") if self.kind == CRON_WORKFLOW else ("spec",)

    @property
    def workflow_spec(self) -> dict[str, Any]:
        node: Any = self.data
        for part in self.spec_path:
            node = node.get(part) if isinstance(node, dict) else None
        return node if isinstance(node, dict) else {}
