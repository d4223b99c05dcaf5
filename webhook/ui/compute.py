"""The page's work, as pure functions over the same cores as the command line: lint, graph, eval.

Each runs on the event loop for small inputs and in a worker thread for large ones
(the caller decides); none reads files, the network or the clock.
"""

from __future__ import annotations

from typing import Any

from webhook.conditions.answers import InputError as ResponseError
from webhook.conditions.answers import json_report, saved_response
from webhook.lint import LintOptions, lint_sources
from webhook.loading import Document, load_text
from webhook.manifest import argo_kind_of
from webhook.policy.settings import DEFAULT_POLICY, PolicySettings
from webhook.spec.lookups import SecretSource
from webhook.ui.graph import from_spec, from_status
from webhook.ui.layout import lay_out

# The name diagnostics carry for the pasted text.
PLAYGROUND_FILE = "playground.yaml"
MAX_CONDITION = 64 * 1024


class InputError(Exception):
    """The request cannot be worked on; the message is one line, safe to show."""


def lint_text(text: str, namespace: str | None, secrets: SecretSource | None,
              policy: PolicySettings = DEFAULT_POLICY) -> dict[str, Any]:
    """``argo-warden lint -o json`` of ``text``; each diagnostic also says how wide its span is (``length``).

    ``policy`` is the server's (``serve --config/--select/--ignore``), as for the REST API's lint.
    """
    # No repository to search for WorkflowTemplates the text refers to: the page has only the text.
    options = LintOptions(namespace=namespace, secrets=secrets, search_repository=False, policy=policy)
    result = lint_sources([load_text(text, PLAYGROUND_FILE)], options)
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
