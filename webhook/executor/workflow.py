"""Before anything runs: which spec to run, its name, parameters, and whether every template can run here.

``prepare`` turns a Workflow (or WorkflowTemplate, ClusterWorkflowTemplate,
CronWorkflow) into a ``PreparedWorkflow`` or raises ``WorkflowInputError`` with
every problem at once: an unknown ``-p`` name, a parameter without a value, a
template reachable from the entrypoint that is not HTTP, steps or DAG. Nothing
runs half-way by surprise.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from webhook.executor.templates import ROOT_SCOPE, TemplateResolver, TemplateScope
from webhook.manifest import ARGO_KINDS, CRON_WORKFLOW, WORKFLOW, Manifest
from webhook.spec.http import PLUGIN_NAME
from webhook.spec.lookups import NoTemplates, TemplateSource
from webhook.spec.resolve import CallState, Resolver, TemplatesOnly
from webhook.spec.walk import TEMPLATE_TYPES, as_dict, as_list, as_str
from webhook.suggest import did_you_mean

# Kubernetes' generateName suffix alphabet (no vowels, no look-alike digits).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
RUNNABLE_TYPES = frozenset({"http", "steps", "dag", "suspend"})


class WorkflowInputError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(slots=True)
class PreparedWorkflow:
    kind: str
    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    entrypoint: str
    parameters: dict[str, str]
    templates: TemplateResolver
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def exit_template(self) -> dict[str, Any] | None:
        """What runs on exit: ``spec.onExit`` (a template name) or ``spec.hooks.exit``."""
        on_exit = as_str(self.spec.get("onExit"))
        if on_exit:
            return {"template": on_exit}
        hook = as_dict(as_dict(self.spec.get("hooks")).get("exit"))
        return hook or None


def template_type(template: dict[str, Any]) -> str | None:
    """``http`` (plugin templates of ours count as HTTP), ``steps``, ``dag``, or the type we cannot run."""
    for kind in TEMPLATE_TYPES:
        if template.get(kind) is None:
            continue
        if kind == "plugin":
            return "http" if isinstance(as_dict(template["plugin"]).get(PLUGIN_NAME), dict) else "plugin"
        return kind
    return None


def generated_name(prefix: str) -> str:
    chooser = random.SystemRandom()
    return prefix + "".join(chooser.choice(_SUFFIX_ALPHABET) for _ in range(5))


def prepare(workflow: Any, parameters: Mapping[str, str] | None = None, *, namespace: str | None = None,
            name: str | None = None, uid: str | None = None,
            templates: TemplateSource | None = None) -> PreparedWorkflow:
    if not isinstance(workflow, dict):
        raise WorkflowInputError(["the document is not a mapping"])
    kind = workflow.get("kind")
    if kind not in ARGO_KINDS:
        raise WorkflowInputError([f"kind {kind!r} cannot be run; expected one of {', '.join(ARGO_KINDS)}"])
    metadata = as_dict(workflow.get("metadata"))
    # Not copied: the run only reads the workflow (callers must not change it while it runs).
    manifest = Manifest(str(kind), workflow, default_namespace=namespace)
    spec = manifest.workflow_spec
    if not spec:
        raise WorkflowInputError(["the document has no spec" if kind != CRON_WORKFLOW else
                                  "the CronWorkflow has no spec.workflowSpec"])
    resolver = Resolver.for_manifest(manifest, TemplatesOnly(templates or NoTemplates()))
    problems: list[str] = []
    referenced = _referenced_spec(spec, resolver, problems)
    entrypoint = as_str(spec.get("entrypoint")) or as_str(referenced.get("entrypoint"))
    if not entrypoint:
        problems.append("spec.entrypoint is not set")
    values = _parameters(spec, referenced, dict(parameters or {}), problems)
    prepared = PreparedWorkflow(
        kind=str(kind),
        name=name or _run_name(str(kind), metadata),
        namespace=namespace or as_str(metadata.get("namespace")) or "default",
        uid=uid or str(uuid.uuid4()),
        spec=spec,
        entrypoint=entrypoint or "",
        parameters=values,
        templates=TemplateResolver(resolver),
        labels={str(k): str(v) for k, v in as_dict(metadata.get("labels")).items()},
        annotations={str(k): str(v) for k, v in as_dict(metadata.get("annotations")).items()},
    )
    if entrypoint:
        problems.extend(unsupported_templates(prepared))
    if problems:
        raise WorkflowInputError(problems)
    return prepared


def _run_name(kind: str, metadata: dict[str, Any]) -> str:
    name = as_str(metadata.get("name"))
    generate = as_str(metadata.get("generateName"))
    if kind == WORKFLOW:
        if name:
            return name
        return generated_name(generate or "workflow-")
    # Submitting a template (or a cron workflow) makes a new Workflow named after it, as `argo submit --from` does.
    return generated_name(f"{name}-" if name else generate or "workflow-")


def _referenced_spec(spec: dict[str, Any], resolver: Resolver[TemplatesOnly], problems: list[str]) -> dict[str, Any]:
    ref = spec.get("workflowTemplateRef")
    if ref is None:
        return {}
    name = as_str(as_dict(ref).get("name")) or "?"
    if resolver.referenced_spec is None:
        reason = resolver.referenced_reason or "not found"
        problems.append(f"workflowTemplateRef '{name}' cannot be read ({reason}); "
                        "put the WorkflowTemplate in the same file")
        return {}
    return resolver.referenced_spec


def _parameters(spec: dict[str, Any], referenced: dict[str, Any], given: dict[str, str],
                problems: list[str]) -> dict[str, str]:
    declared: dict[str, dict[str, Any]] = {}
    # The referenced template's parameters come first; the workflow's own override them.
    for source in (referenced, spec):
        for p in as_list(as_dict(source.get("arguments")).get("parameters")):
            pname = as_str(as_dict(p).get("name"))
            if pname:
                declared[pname] = p
    for pname in given:
        if pname not in declared:
            hint = did_you_mean(pname, declared)
            problems.append(f"-p {pname}: the workflow declares no parameter '{pname}'"
                            + (f" ({hint})" if hint else f" (it declares: {', '.join(declared) or 'none'})"))
    values: dict[str, str] = {}
    for pname, p in declared.items():
        if pname in given:
            value: Any = given[pname]
        elif p.get("value") is not None:
            value = p["value"]
        elif p.get("default") is not None:
            value = p["default"]
        elif p.get("valueFrom") is not None:
            problems.append(f"parameter '{pname}' takes its value from {_value_from(p['valueFrom'])}, which "
                            f"argo-warden run cannot read: pass -p {pname}=VALUE")
            continue
        else:
            problems.append(f"parameter '{pname}' has no value: pass -p {pname}=VALUE")
            continue
        text = value if isinstance(value, str) else _scalar_text(value)
        enum = as_list(p.get("enum"))
        if enum and text not in [e if isinstance(e, str) else _scalar_text(e) for e in enum]:
            problems.append(f"parameter '{pname}': {text!r} is not one of {', '.join(map(str, enum))}")
        values[pname] = text
    return values


def _value_from(value_from: Any) -> str:
    keys = list(as_dict(value_from))
    return f"valueFrom.{keys[0]}" if keys else "valueFrom"


def _scalar_text(value: Any) -> str:
    from webhook.executor.scope import format_value

    return format_value(value)


def unsupported_templates(prepared: PreparedWorkflow) -> list[str]:
    """A problem for each template reachable from the entrypoint (or exit handlers) that cannot run here."""
    problems: list[str] = []
    seen: set[int] = set()
    starts: list[tuple[str, dict[str, Any]]] = [(f"entrypoint '{prepared.entrypoint}'",
                                                 {"template": prepared.entrypoint})]
    exit_holder = prepared.exit_template
    if exit_holder is not None:
        starts.append(("the exit handler", exit_holder))
    for hook_name in as_dict(prepared.spec.get("hooks")):
        if hook_name != "exit":
            problems.append(f"lifecycle hook '{hook_name}' runs on an expression, which argo-warden run does not "
                            "support (only exit hooks)")
    stack: list[tuple[str, dict[str, Any], TemplateScope]] = [(w, h, ROOT_SCOPE) for w, h in starts]
    while stack:
        where, holder, scope = stack.pop()
        call, callee_scope = prepared.templates.resolve(holder, scope)
        if call.state is CallState.DYNAMIC:
            continue  # named at run time: checked when it runs
        if call.state is not CallState.RESOLVED or call.template is None:
            problems.append(f"{where} names template '{call.target or '?'}', which cannot be found"
                            + (f" ({call.reason})" if call.reason else ""))
            continue
        template = call.template
        if id(template) in seen:
            continue
        seen.add(id(template))
        tname = as_str(template.get("name")) or call.target or "<inline>"
        kind = template_type(template)
        if kind not in RUNNABLE_TYPES:
            problems.append(_unsupported(tname, kind))
            continue
        stack.extend((w, h, callee_scope) for w, h in _callees(tname, template, problems))
    return problems


def _unsupported(name: str, kind: str | None) -> str:
    if kind is None:
        return f"template '{name}' has no type"
    if kind == "plugin":
        return (f"template '{name}' is a plugin template of another plugin; argo-warden run executes only "
                f"'plugin: {{{PLUGIN_NAME}: ...}}' ones")
    return (f"template '{name}' is a {kind} template; argo-warden run executes HTTP and suspend templates and the "
            "steps and DAG templates that call them")


def _callees(name: str, template: dict[str, Any], problems: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    holders: list[tuple[str, Any]] = []
    for group in as_list(template.get("steps")):
        items = group.get("steps") if isinstance(group, dict) else group
        holders.extend(("step", s) for s in as_list(items))
    holders.extend(("task", t) for t in as_list(as_dict(template.get("dag")).get("tasks")))
    for what, holder in holders:
        if not isinstance(holder, dict):
            continue
        label = f"{what} '{as_str(holder.get('name')) or '?'}' of template '{name}'"
        yield label, holder
        exit_template = as_str(holder.get("onExit"))
        if exit_template:
            yield f"the exit handler of {label}", {"template": exit_template}
        for hook_name, hook in as_dict(holder.get("hooks")).items():
            if hook_name != "exit":
                problems.append(f"lifecycle hook '{hook_name}' of {label} runs on an expression, which "
                                "argo-warden run does not support (only exit hooks)")
            elif isinstance(hook, dict):
                yield f"the exit hook of {label}", hook
