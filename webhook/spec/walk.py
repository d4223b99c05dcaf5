"""Typed walks over a workflow spec: templates, steps, DAG tasks, with their JSON paths.

Every walk skips nodes of the wrong type silently: the schema rule reports those.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from webhook.diagnostics import JsonPath
from webhook.manifest import Manifest

TEMPLATE_TYPES = (
    "container", "script", "resource", "dag", "steps", "suspend", "data", "http", "plugin", "containerSet",
)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class TemplateAt:
    path: JsonPath
    template: dict[str, Any]
    # Set for a template written inline in a step or task (``inline:``).
    inline_in: JsonPath | None = None
    # The template's name, read once: the rules of one validation ask for it some fifty times.
    name: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", as_str(self.template.get("name")))

    @property
    def types(self) -> list[str]:
        return [t for t in TEMPLATE_TYPES if self.template.get(t) is not None]


@dataclass(frozen=True, slots=True)
class StepAt:
    """One step of a steps template (group ``group``) or one task of a DAG template."""

    path: JsonPath
    step: dict[str, Any]
    owner: TemplateAt
    group: int | None  # index of the parallel group for steps; None for DAG tasks
    # The step's name, read once (asked for by every rule that matches steps by name).
    name: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", as_str(self.step.get("name")))

    @property
    def is_task(self) -> bool:
        return self.group is None


_S = TypeVar("_S")
_W = TypeVar("_W")
_R = TypeVar("_R")
# Walks already taken in this validation: id(subject) -> (subject, result). The subject is kept so its id
# cannot be reused by another object while the entry lives.
_WALKS: ContextVar[dict[int, tuple[object, tuple[Any, ...]]] | None] = ContextVar("argo_warden_walks", default=None)
# Indexes built in this validation: (id(subject), builder) -> (subject, index); see remembered().
_BUILT: ContextVar[dict[tuple[int, object], tuple[object, Any]] | None] = ContextVar("argo_warden_built", default=None)
# Lists and mappings the schema rule found over their size limit in this validation (see note_oversized).
_OVERSIZED: ContextVar[set[JsonPath] | None] = ContextVar("argo_warden_oversized", default=None)


@contextlib.contextmanager
def remembered_walks() -> Iterator[None]:
    """Inside, each manifest's templates and each template's steps are walked once.

    The rules of one validation ask for them some seventy times; the manifest must
    not change meanwhile (rules only read it).
    """
    token = _WALKS.set({})
    built = _BUILT.set({})
    oversized = _OVERSIZED.set(set())
    try:
        yield
    finally:
        _OVERSIZED.reset(oversized)
        _BUILT.reset(built)
        _WALKS.reset(token)


def note_oversized(path: JsonPath) -> None:
    """Record that the node at ``path`` has more entries than its limit allows.

    Cheap limits first: the schema rule, which runs before every other rule, reports
    the size (AW112) and calls this; from then on ``spec_templates`` leaves out each
    template that holds such a node (all of them when the templates list itself is
    over its limit), so the expensive checks never run on a node already refused. A
    3,000-task DAG got its AW112 only after seconds of reference checks (and, as an
    AdmissionReview, a 504 instead).
    """
    oversized = _OVERSIZED.get()
    if oversized is not None:
        oversized.add(path)


# A template's keys holding its steps or tasks.
_CHILD_KEYS = frozenset({"steps", "dag"})


def _remembered(subject: _S, walk: Callable[[_S], Iterator[_W]]) -> Iterator[_W]:
    """``walk(subject)``, taken once per subject inside ``remembered_walks``."""
    walks = _WALKS.get()
    if walks is None:
        return walk(subject)
    kept = walks.get(id(subject))
    if kept is None or kept[0] is not subject:
        kept = walks[id(subject)] = (subject, tuple(walk(subject)))
    return iter(kept[1])


def remembered(subject: _S, build: Callable[[_S], _R]) -> _R:
    """``build(subject)``, made once per subject and builder inside ``remembered_walks`` (each call outside).

    For the indexes several rules of one validation build over the same manifest
    (its calls, its resolver): the first rule to ask pays, the others read. Like the
    walks, what is built must only read the subject.
    """
    built = _BUILT.get()
    if built is None:
        return build(subject)
    key = (id(subject), build)
    kept = built.get(key)
    if kept is None or kept[0] is not subject:
        kept = built[key] = (subject, build(subject))
    result: _R = kept[1]
    return result


def spec_templates(manifest: Manifest) -> Iterator[TemplateAt]:
    """The spec's ``templates`` list, then templates written inline in steps and tasks."""
    return _remembered(manifest, _spec_templates)


def any_oversized() -> bool:
    """Whether this validation left something out for being over its limit (then 'never used' cannot be told)."""
    return bool(_OVERSIZED.get())


def _spec_templates(manifest: Manifest) -> Iterator[TemplateAt]:
    base = (*manifest.spec_path, "templates")
    oversized = _OVERSIZED.get() or set()
    if base in oversized:
        return
    depth = len(base)
    skipped = {p[depth] for p in oversized if len(p) > depth and p[:depth] == base}
    stack: list[TemplateAt] = [
        TemplateAt((*base, i), t)
        for i, t in enumerate(as_list(manifest.workflow_spec.get("templates")))
        if isinstance(t, dict) and i not in skipped
    ]
    stack.reverse()
    while stack:
        at = stack.pop()
        yield at
        inner: list[TemplateAt] = []
        for step in template_steps(at):
            inline = step.step.get("inline")
            if isinstance(inline, dict):
                inner.append(TemplateAt((*step.path, "inline"), inline, inline_in=step.path))
        stack.extend(reversed(inner))


def named_templates(manifest: Manifest) -> dict[str, TemplateAt]:
    """Top-level templates by name (first one wins; duplicates are reported by the structure rule)."""
    out: dict[str, TemplateAt] = {}
    base = (*manifest.spec_path, "templates")
    for i, t in enumerate(as_list(manifest.workflow_spec.get("templates"))):
        if isinstance(t, dict):
            name = as_str(t.get("name"))
            if name is not None and name not in out:
                out[name] = TemplateAt((*base, i), t)
    return out


def template_steps(at: TemplateAt) -> Iterator[StepAt]:
    return _remembered(at, _template_steps)


def _template_steps(at: TemplateAt) -> Iterator[StepAt]:
    t = at.template
    steps = t.get("steps")
    if isinstance(steps, list):
        for g, group in enumerate(steps):
            # Argo also accepts the older form where a group is {"steps": [...]}.
            if isinstance(group, dict) and isinstance(group.get("steps"), list):
                items, base = group["steps"], (*at.path, "steps", g, "steps")
            else:
                items, base = as_list(group), (*at.path, "steps", g)
            for i, step in enumerate(items):
                if isinstance(step, dict):
                    yield StepAt((*base, i), step, at, g)
    dag = t.get("dag")
    if isinstance(dag, dict):
        for i, task in enumerate(as_list(dag.get("tasks"))):
            if isinstance(task, dict):
                yield StepAt((*at.path, "dag", "tasks", i), task, at, None)


def all_steps(manifest: Manifest) -> Iterator[StepAt]:
    for at in spec_templates(manifest):
        yield from template_steps(at)


def get_path(data: Any, path: JsonPath) -> Any:
    node = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not -len(node) <= part < len(node):
                return None
        elif not isinstance(node, dict):
            return None
        node = node[part] if isinstance(part, int) else node.get(part)
    return node


def iter_strings(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every string in a subtree, with its path (iterative: documents may be wide)."""
    return iter(_strings(value, path, ""))


def tagged_strings(value: Any, path: JsonPath, skip: frozenset[str] = frozenset()) -> list[tuple[JsonPath, str]]:
    """The strings in a subtree that hold a ``{{`` tag, with their paths, in document order.

    ``skip`` leaves out keys of ``value`` itself (a template's ``steps``, a step's
    ``inline``: walked on their own). Most strings of a spec hold no tag, and
    their paths are never built.
    """
    return _strings(value, path, "{{", skip)


def own_tagged_strings(at: TemplateAt) -> list[tuple[JsonPath, str]]:
    """The tagged strings of a template's own fields, leaving out its ``steps`` and ``dag`` (whose steps and tasks
    are walked on their own); once per template inside ``remembered_walks`` (the reference rule and the sibling
    reads both read them)."""
    return remembered(at, _own_tagged_strings)


def _own_tagged_strings(at: TemplateAt) -> list[tuple[JsonPath, str]]:
    return tagged_strings(at.template, at.path, _CHILD_KEYS)


def _strings(value: Any, path: JsonPath, containing: str,
             skip: frozenset[str] = frozenset()) -> list[tuple[JsonPath, str]]:
    """The strings of a subtree that contain ``containing`` (every one for ''), in document order.

    Iterative (documents may be deep or wide): the stack holds the iterators of the
    containers being read, each with its path, so children come out in order without
    being pushed one by one, and a path is built only for a container about to be
    opened or a string that is kept.
    """
    if isinstance(value, str):
        return [(path, value)] if containing in value else []
    found: list[tuple[JsonPath, str]] = []
    children: Iterator[tuple[Any, Any]]
    if isinstance(value, dict):
        children = iter([(k, v) for k, v in value.items() if k not in skip] if skip else value.items())
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return found
    here = path
    stack: list[tuple[JsonPath, Iterator[tuple[Any, Any]]]] = []
    while True:
        for key, child in children:
            if isinstance(child, str):
                if containing in child:
                    found.append(((*here, key), child))
            elif isinstance(child, dict):
                stack.append((here, children))
                here, children = (*here, key), iter(child.items())
                break  # read the child, then come back to the rest of this container
            elif isinstance(child, list):
                stack.append((here, children))
                here, children = (*here, key), enumerate(child)
                break
        else:
            if not stack:
                return found
            here, children = stack.pop()


def find_template(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The template called ``name`` in a workflow spec's ``templates``."""
    for t in as_list(spec.get("templates")):
        if isinstance(t, dict) and t.get("name") == name:
            return t
    return None
