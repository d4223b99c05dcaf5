"""What a template's pod is made of: container sets, volume mounts, pod-level resources, podGC.

Codes AW240–AW249. Argo's validator checks container sets (workflow/validate and the
ContainerSetTemplate type) and pod-level resources; a mount that names no volume it
leaves to Kubernetes, which refuses the pod when the step starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from webhook.diagnostics import Finding, JsonPath, Severity, define
from webhook.manifest import CRON_WORKFLOW, WORKFLOW, Manifest
from webhook.spec.resolve import validation_resolver
from webhook.spec.walk import TemplateAt, as_dict, as_list, as_str, spec_templates
from webhook.suggest import did_you_mean, one_of
from webhook.validation.context import ValidationContext

CONTAINER_SET = define(
    "AW240", Severity.ERROR, "a containerSet's containers or their dependencies are wrong",
    why="A container set's containers run in the order their dependencies give; unknown names or cycles "
            "never run.",
    mirrors="ContainerSetTemplate.Validate (via validate.go): 'dependency not defined', cycles, names",
)
VOLUME_UNDECLARED = define(
    "AW241", Severity.ERROR, "a volumeMount names no declared volume",
    why="Kubernetes refuses a pod whose volumeMount names no volume: the step fails when it starts.",
    mirrors="argo-warden only (Kubernetes pod validation; Argo's validator accepts it)",
)
POD_GC_SELECTOR = define(
    "AW245", Severity.ERROR, "podGC's labelSelector is malformed",
    why="Argo turns podGC.labelSelector into a Kubernetes selector when it validates the workflow; an unknown "
    "operator, or values that do not fit it, make it refuse the workflow.",
    mirrors="validate.go: Workflow: 'podGC.labelSelector invalid' (metav1.LabelSelectorAsSelector)",
)
POD_RESOURCE_NAME = define(
    "AW242", Severity.ERROR, "pod-level resources name something other than cpu, memory, hugepages",
    why="Pod-level resources take only cpu, memory and hugepages-*, and no claims; the pod would be "
            "refused mid-workflow.",
    mirrors="validate.go: validatePodResources",
)

# Kubernetes pod-level resources: only these may be set for the pod as a whole.
_POD_RESOURCES = ("cpu", "memory")
_HUGEPAGES = "hugepages-"
# Containers of a template whose volumeMounts must name a volume of the pod.
_MOUNTING = ("container", "script")
_MOUNTING_LISTS = ("sidecars", "initContainers")
# The template keys _mounting_containers reads: a template with none of them mounts nothing.
_MOUNTING_KEYS = frozenset({*_MOUNTING, *_MOUNTING_LISTS, "containerSet"})


def check(manifest: Manifest, context: ValidationContext) -> Iterator[Finding]:
    spec = manifest.workflow_spec
    # Most specs set neither: their checks (and the paths they are given) are skipped.
    selector = as_dict(spec.get("podGC")).get("labelSelector")
    if selector is not None:
        yield from _pod_gc_selector(selector, (*manifest.spec_path, "podGC", "labelSelector"))
    if spec.get("podResources") is not None:
        yield from _pod_resources(spec.get("podResources"), (*manifest.spec_path, "podResources"),
                                  "spec.podResources")
    volumes = _declared_volumes(manifest, context)
    workflow = manifest.kind in (WORKFLOW, CRON_WORKFLOW)
    for at in spec_templates(manifest):
        resources = at.template.get("podResources")
        cs = at.template.get("containerSet")
        if isinstance(resources, dict) or isinstance(cs, dict):
            label = _label(at)
            yield from _pod_resources(resources, (*at.path, "podResources"), f"{label}: podResources")
            if isinstance(cs, dict):
                yield from _container_set(at, cs, label)
        # Only a template with containers has mounts to check (a DAG, steps or HTTP template has none).
        if volumes is not None and not _MOUNTING_KEYS.isdisjoint(at.template):
            yield from _mounts(at, volumes, workflow)


def _label(at: TemplateAt) -> str:
    return f"template '{at.name}'" if at.name else "inline template"


# ---------------------------------------------------------------- podGC


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _pod_gc_selector(selector: Any, path: JsonPath) -> Iterator[Finding]:
    for i, req in enumerate(as_list(as_dict(selector).get("matchExpressions"))):
        if not isinstance(req, dict):
            continue
        op = req.get("operator")
        values = req.get("values")
        at = (*path, "matchExpressions", i)
        if isinstance(op, str) and op not in _SELECTOR_OPERATORS:
            yield Finding(POD_GC_SELECTOR, (*at, "operator"), f"podGC.labelSelector: operator {op!r} is unknown",
                          hint=did_you_mean(op, _SELECTOR_OPERATORS) or f"choose one of: {one_of(_SELECTOR_OPERATORS)}")
        elif op in ("In", "NotIn") and not values:
            yield Finding(POD_GC_SELECTOR, (*at, "operator"),
                          f"podGC.labelSelector: operator {op} needs values", hint="add values: [...]")
        elif op in ("Exists", "DoesNotExist") and values:
            yield Finding(POD_GC_SELECTOR, (*at, "values"),
                          f"podGC.labelSelector: operator {op} takes no values", on_key=True)


# ---------------------------------------------------------------- pod-level resources


def _pod_resources(resources: Any, path: JsonPath, label: str) -> Iterator[Finding]:
    if not isinstance(resources, dict):
        return
    if resources.get("claims"):
        yield Finding(POD_RESOURCE_NAME, (*path, "claims"), f"{label}.claims: claims cannot be made for the pod "
                      "as a whole", on_key=True, hint="set resourceClaims on the template instead")
    for section in ("limits", "requests"):
        for name in as_dict(resources.get(section)):
            if name not in _POD_RESOURCES and not str(name).startswith(_HUGEPAGES):
                yield Finding(POD_RESOURCE_NAME, (*path, section, name),
                              f"{label}: '{name}' is not a pod-level resource (cpu, memory and hugepages-* are)",
                              on_key=True, hint="request it in the container's own resources")


# ---------------------------------------------------------------- container sets


def _container_set(at: TemplateAt, cs: dict[str, Any], label: str) -> Iterator[Finding]:
    base = (*at.path, "containerSet")
    containers = [(i, c) for i, c in enumerate(as_list(cs.get("containers"))) if isinstance(c, dict)]
    if "containers" in cs and not containers:
        yield Finding(CONTAINER_SET, (*base, "containers"), f"{label}: a containerSet needs at least one container",
                      on_key=True)
        return
    names: dict[str, int] = {}
    for i, c in containers:
        name = c.get("name")
        if not isinstance(name, str) or not name:
            continue  # the schema says so (AW102)
        if name in names:
            yield Finding(CONTAINER_SET, (*base, "containers", i, "name"),
                          f"{label}: container name '{name}' is used twice")
        else:
            names[name] = i
    mounts: dict[str, str] = {}
    for i, m in enumerate(as_list(cs.get("volumeMounts"))):
        mp = as_str(as_dict(m).get("mountPath"))
        if mp and mp in mounts:
            yield Finding(CONTAINER_SET, (*base, "volumeMounts", i, "mountPath"),
                          f"{label}: mountPath '{mp}' is already used by {mounts[mp]}")
        elif mp:
            mounts[mp] = f"volume '{as_str(as_dict(m).get('name')) or '?'}'"
    graph: dict[str, list[str]] = {}
    for i, c in containers:
        name = as_str(c.get("name"))
        for j, dep in enumerate(as_list(c.get("dependencies"))):
            if not isinstance(dep, str):
                continue
            if dep not in names:
                yield Finding(CONTAINER_SET, (*base, "containers", i, "dependencies", j),
                              f"{label}: container '{name or '?'}' depends on '{dep}', which is not a container "
                              "of this set", hint=did_you_mean(dep, list(names)) or
                              (f"containers: {one_of(list(names))}" if names else None))
            elif name:
                graph.setdefault(name, []).append(dep)
    cycle = _cycle(graph)
    if cycle is not None:
        first = cycle[0]
        yield Finding(CONTAINER_SET, (*base, "containers", names[first], "dependencies"),
                      f"{label}: containers depend on each other in a cycle: {' -> '.join([*cycle, first])}",
                      on_key=True)


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the graph, if it has any (iterative depth-first search: linear, no recursion limit)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in graph:
        if root in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            deps = graph.get(node, [])
            if index < len(deps):
                stack.append((node, index + 1))
                dep = deps[index]
                if state.get(dep) == 1:
                    return path[path.index(dep):]
                if dep not in state:
                    stack.append((dep, 0))
            else:
                state[node] = 2
                path.pop()
    return None


# ---------------------------------------------------------------- volume mounts


def _declared_volumes(manifest: Manifest, context: ValidationContext) -> set[str] | None:
    """Names a mount may use, or None when they cannot be known (a podSpecPatch, an unreadable referenced spec)."""
    spec = manifest.workflow_spec
    specs = [spec]
    if isinstance(spec.get("workflowTemplateRef"), dict):
        resolver = validation_resolver(manifest, context)
        if resolver.referenced_spec is None:
            return None
        specs.append(resolver.referenced_spec)
    names: set[str] = set()
    for s in specs:
        if s.get("podSpecPatch") not in (None, ""):
            return None
        names.update(n for v in as_list(s.get("volumes")) if (n := as_str(as_dict(v).get("name"))))
        names.update(n for v in as_list(s.get("volumeClaimTemplates"))
                     if (n := as_str(as_dict(as_dict(v).get("metadata")).get("name"))))
    return names


def _mounts(at: TemplateAt, spec_volumes: set[str], workflow: bool) -> Iterator[Finding]:
    t = at.template
    if t.get("podSpecPatch") not in (None, ""):
        return
    # The template's own volumes, added to the spec's on the first mount to check (most templates mount nothing).
    volumes: set[str] | None = None
    for where, c in _mounting_containers(t):
        for i, m in enumerate(as_list(c.get("volumeMounts"))):
            name = as_str(as_dict(m).get("name"))
            # A mount without mountPath is already refused by the schema (AW102): one mistake, one finding.
            if not name or name in spec_volumes or "{{" in name or not as_dict(m).get("mountPath"):
                continue
            if volumes is None:
                volumes = spec_volumes | {n for v in as_list(t.get("volumes")) if (n := as_str(as_dict(v).get("name")))}
            if name in volumes:
                continue
            label = _label(at)
            path = (*at.path, *where, "volumeMounts", i, "name")
            if workflow:
                yield Finding(VOLUME_UNDECLARED, path,
                              f"{label}: volumeMount '{name}' names no volume of the workflow or template",
                              hint=did_you_mean(name, sorted(volumes))
                              or "declare it in spec.volumes, the template's volumes or spec.volumeClaimTemplates")
            else:
                # A WorkflowTemplate's templates run in pods of the workflows that use it, which may declare it.
                yield Finding(VOLUME_UNDECLARED, path,
                              f"{label}: volumeMount '{name}' names no volume declared here; every workflow "
                              "that runs this template must declare it", severity=Severity.WARNING,
                              hint=did_you_mean(name, sorted(volumes))
                              or "declare it in spec.volumes or the template's volumes")


def _mounting_containers(t: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """The template's containers whose volumeMounts must name a volume, with their keys in the template."""
    for key in _MOUNTING:
        c = t.get(key)
        if isinstance(c, dict):
            yield (key,), c
    for key in _MOUNTING_LISTS:
        for i, c in enumerate(as_list(t.get(key))):
            if isinstance(c, dict):
                yield (key, i), c
    cs = t.get("containerSet")
    if isinstance(cs, dict):
        yield ("containerSet",), cs
        for i, c in enumerate(as_list(cs.get("containers"))):
            if isinstance(c, dict):
                yield ("containerSet", "containers", i), c
