"""The static types of a policy's bindings, read off argo-warden's own schema of the four kinds.

The condition checker already knows records (fields with did-you-mean), arrays and
maps; a schema definition becomes a record named after its title, so a typo such as
``template.contianer`` is reported when the policy is loaded, with the field it meant.
Definitions are converted once and shared, which also ties the recursive ones
(a step's ``inline`` template) into a finite graph of types.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from webhook.conditions.types import ANY, BOOL, FLOAT, INT, STRING, Type, array_of
from webhook.schema import KIND_DEFINITIONS, schema

# What a policy can be written `for`, the binding it gets and the schema definition that types it.
BINDINGS: dict[str, str] = {
    "object": "",  # the object itself: typed by the kinds the policy matches
    "template": "Template",
    "step": "WorkflowStep",
    "task": "DAGTask",
    "http": "HTTP",
    "container": "V1Container",
}


class _Converter:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions
        self.named: dict[str, Type] = {}

    def definition(self, name: str) -> Type:
        known = self.named.get(name)
        if known is not None:
            return known
        node = self.definitions.get(name)
        if not isinstance(node, dict):
            return ANY
        if _is_record(node):
            # Registered before its fields are converted, so a definition that contains itself ends here.
            record = Type("record", name=_record_name(name, node))
            self.named[name] = record
            record.fields = self._fields(node)
            return record
        converted = self.node(node)
        self.named[name] = converted
        return converted

    def _fields(self, node: dict[str, Any]) -> tuple[tuple[str, Type], ...]:
        props = node.get("properties")
        if not isinstance(props, dict):
            return ()
        return tuple((key, self.node(value)) for key, value in props.items())

    def node(self, node: Any) -> Type:
        if not isinstance(node, dict):
            return ANY
        reference = node.get("$ref")
        if isinstance(reference, str):
            return self.definition(reference.rsplit("/", 1)[-1])
        if _is_record(node):
            title = node.get("title")
            record = Type("record", name=title if isinstance(title, str) else "object")
            record.fields = self._fields(node)
            return record
        kind = node.get("type")
        if kind == "array":
            return array_of(self.node(node.get("items")))
        if kind == "object":
            values = node.get("additionalProperties")
            return Type("map", self.node(values) if isinstance(values, dict) else ANY)
        return _SCALARS.get(kind, ANY) if isinstance(kind, str) else ANY


_SCALARS = {"string": STRING, "integer": INT, "number": FLOAT, "boolean": BOOL}


def _is_record(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" and isinstance(node.get("properties"), dict) \
        and node.get("additionalProperties") is False


def _record_name(name: str, node: dict[str, Any]) -> str:
    title = node.get("title")
    shown = title if isinstance(title, str) else name
    # The kubernetes client's model names (V1Container) read as Kubernetes' own (Container).
    if shown.startswith("V1") and shown[2:3].isupper():
        shown = shown[2:]
    return shown


@cache
def _converter() -> _Converter:
    return _Converter(schema()["$defs"])


def binding_type(binding: str) -> Type:
    """The type of ``template``, ``step``, ``task``, ``http`` or ``container``."""
    return _converter().definition(BINDINGS[binding])


def object_type(kinds: tuple[str, ...]) -> Type:
    """The type of ``object`` for a policy matching ``kinds`` (every Argo kind when empty).

    One kind gives its exact type; several give every field any of them has, typed as they
    agree (Workflow and WorkflowTemplate share WorkflowSpec; CronWorkflow's ``spec`` is merged
    with theirs, so ``object.spec.workflowSpec`` and ``object.spec.entrypoint`` both check,
    and reading one on the other kind gives nil).
    """
    converter = _converter()
    chosen = kinds or tuple(KIND_DEFINITIONS)
    types = [converter.definition(KIND_DEFINITIONS[k]) for k in chosen if k in KIND_DEFINITIONS]
    if not types:
        return ANY
    return _merge(types, {}, "object")


def _merge(types: list[Type], merged: dict[tuple[int, ...], Type], name: str) -> Type:
    distinct = list({id(t): t for t in types}.values())
    if len(distinct) == 1:
        return distinct[0]
    if not all(t.kind == "record" for t in distinct):
        return ANY
    key = tuple(sorted(id(t) for t in distinct))
    known = merged.get(key)
    if known is not None:
        return known
    record = Type("record", name=name)
    merged[key] = record
    fields: dict[str, list[Type]] = {}
    for t in distinct:
        for field_name, field_type in t.fields:
            fields.setdefault(field_name, []).append(field_type)
    record.fields = tuple((n, _merge(ts, merged, n)) for n, ts in fields.items())
    return record


USER = Type("record", fields=(("username", STRING), ("uid", STRING), ("groups", array_of(STRING))),
            name="user")
