"""The page's work, as pure functions over the same cores as the command line: lint, graph, eval.

Each runs on the event loop for small inputs and in a worker thread for large ones
(the caller decides); none reads files, the network or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webhook.conditions.answers import InputError as ResponseError
from webhook.conditions.answers import json_report, saved_response
from webhook.lint import LintOptions, lint_sources
from webhook.loading import Document, LoadedSource, load_text
from webhook.manifest import argo_kind_of
from webhook.policy.settings import DEFAULT_POLICY, PolicySettings
from webhook.spec.lookups import Lookup, SecretSource, unknown
from webhook.ui.graph import from_spec, from_status
from webhook.ui.layout import lay_out

# The name diagnostics carry for the pasted text.
PLAYGROUND_FILE = "playground.yaml"
MAX_CONDITION = 64 * 1024


class InputError(Exception):
    """The request cannot be worked on; the message is one line, safe to show."""


# Namespaces one pasted text may have its secret references checked in (each must be authorised).
MAX_NAMESPACES = 16


def load_playground(text: str) -> LoadedSource:
    return load_text(text, PLAYGROUND_FILE)


def secret_namespaces(source: LoadedSource, namespace: str | None) -> set[str]:
    """The namespaces linting ``source`` would look up secrets in: each Argo document's, else ``namespace``."""
    found: set[str] = set()
    for doc in source.documents:
        if argo_kind_of(doc.data) is None:
            continue
        metadata = doc.data.get("metadata") if isinstance(doc.data, dict) else None
        own = metadata.get("namespace") if isinstance(metadata, dict) else None
        chosen = own if isinstance(own, str) and own else namespace
        if chosen:
            found.add(chosen)
            if len(found) > MAX_NAMESPACES:
                raise InputError(f"the text names more than {MAX_NAMESPACES} namespaces; lint fewer documents at once")
    return found


@dataclass(frozen=True, slots=True)
class WithinNamespaces:
    """A secret store seen only in ``namespaces`` (those the caller was authorised for); elsewhere unknown.

    A document whose namespace is not known would otherwise be checked against a Secret of that name in
    any namespace, telling its author which secrets exist where.
    """

    store: SecretSource
    namespaces: frozenset[str]

    @property
    def description(self) -> str:
        return self.store.description

    def secret_keys(self, namespace: str | None, name: str) -> Lookup:
        if namespace is None:
            return unknown("the document names no namespace (give one to check its secret references)")
        if namespace not in self.namespaces:
            return unknown(f"namespace '{namespace}' was not authorised for this request")
        return self.store.secret_keys(namespace, name)


def lint_text(source: LoadedSource | str, namespace: str | None, secrets: SecretSource | None,
              policy: PolicySettings = DEFAULT_POLICY) -> dict[str, Any]:
    """``argo-warden lint -o json`` of the text; each diagnostic also says how wide its span is (``length``).

    ``policy`` is the server's (``serve --config/--select/--ignore``), as for the REST API's lint.
    """
    if isinstance(source, str):
        source = load_playground(source)
    text = source.text or ""
    # No repository to search for WorkflowTemplates the text refers to: the page has only the text.
    options = LintOptions(namespace=namespace, secrets=secrets, search_repository=False, policy=policy)
    result = lint_sources([source], options)
    lines = text.split("\n")
    return {"summary": result.summary(),
            "diagnostics": [{**d.to_dict(), "length": _span(lines, d.line, d.column, d.length)}
                            for d in result.diagnostics]}


def _span(lines: list[str], line: int | None, column: int | None, length: int) -> int:
    """How many characters to highlight: a diagnostic on a whole scalar has a caret of one; mark the scalar.

    Linear in the line's length: a quoted scalar ends at its closing quote, a plain one
    before a comment or the end of the line.
    """
    if length > 1 or line is None or column is None or not 0 < line <= len(lines):
        return max(length, 1)
    rest = lines[line - 1][column - 1:].rstrip("\r")
    if not rest:
        return 1
    quote = rest[0]
    if quote in "'\"":
        i = 1
        while i < len(rest):
            if quote == '"' and rest[i] == "\\":
                i += 2
                continue
            if rest[i] == quote:
                if quote == "'" and rest[i + 1: i + 2] == "'":  # '' is a quote inside single quotes
                    i += 2
                    continue
                return i + 1
            i += 1
        return len(rest)
    if quote in "[{|>":
        return 1  # a collection or block scalar: its first character
    comment = rest.find(" #")
    plain = (rest if comment < 0 else rest[:comment]).rstrip()
    return max(len(plain), 1)


def graph_of_text(text: str) -> dict[str, Any]:
    """The first Argo document of ``text`` drawn from its templates; ``error`` says why nothing is drawn."""
    source = load_text(text, PLAYGROUND_FILE)
    for document in source.documents:
        if isinstance(document.data, dict) and argo_kind_of(document.data) is not None:
            layout = lay_out(from_spec(document.data))
            _mark_definitions(layout["nodes"], document)
            # The document as JSON too: the page submits it through the REST API as it is.
            return {**layout, "kind": document.data.get("kind"), "object": document.data, "error": None}
    reason = (source.diagnostics[0].message if source.diagnostics
              else "no Argo document (Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow) to draw")
    return {**lay_out(from_spec({})), "kind": None, "object": None, "error": reason}


def _mark_definitions(nodes: list[dict[str, Any]], document: Document) -> None:
    """Where each node's template is defined in the text (``templateLine``/``templateColumn``, 1-based)."""
    if document.positions is None:
        return
    spec = document.data.get("spec")
    spec = spec.get("workflowSpec", spec) if isinstance(spec, dict) and "workflowSpec" in spec else spec
    prefix: tuple[str, ...] = ("spec", "workflowSpec") if spec is not document.data.get("spec") else ("spec",)
    templates = spec.get("templates") if isinstance(spec, dict) else None
    where: dict[str, tuple[int, int]] = {}
    for i, template in enumerate(templates if isinstance(templates, list) else []):
        name = template.get("name") if isinstance(template, dict) else None
        position = document.positions.nodes.get((*prefix, "templates", i))
        if isinstance(name, str) and position is not None:
            where.setdefault(name, (position.line + 1, position.column + 1))
    for node in nodes:
        found = where.get(node.get("template", ""))
        if found is not None:
            node["templateLine"], node["templateColumn"] = found


def graph_of_object(workflow: dict[str, Any]) -> dict[str, Any]:
    """A stored workflow: what ran (``status.nodes``) once it has nodes, else what its templates will run."""
    status = workflow.get("status")
    has_nodes = isinstance(status, dict) and isinstance(status.get("nodes"), dict) and bool(status["nodes"])
    graph = from_status(workflow) if has_nodes else from_spec(workflow)
    return {**lay_out(graph), "kind": workflow.get("kind"), "source": "status" if has_nodes else "spec",
            "error": None}


def evaluate(condition: str, response: Any) -> dict[str, Any]:
    """``argo-warden eval -o json`` of ``condition`` against a saved response object."""
    if len(condition) > MAX_CONDITION:
        raise InputError(f"the condition is longer than {MAX_CONDITION // 1024} KiB")
    try:
        status, headers, body, request = saved_response(response if response is not None else {}, "response")
    except ResponseError as exc:
        raise InputError(str(exc)) from None
    if not 100 <= status <= 999:
        raise InputError(f"response: statusCode {status}: an HTTP status is a number from 100 to 999")
    return json_report(condition, status, headers, body, request)
