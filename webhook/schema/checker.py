"""A compiled checker for the JSON Schema subset our schema uses, built for speed and precise reports.

Generic validators report ``oneOf`` noise and cost tens of milliseconds to
import and compile; this one turns each definition into a node once and then
walks a document in one pass, reporting each mistake once with the node it
broke. Semantics follow Go's JSON decoding, which is what Argo applies:

- ``null`` is accepted anywhere (Go leaves the field unset), and a required
  field that is null counts as missing;
- a wrong type stops the walk below that value (one mistake, one issue);
- an unknown key is reported and not walked into; a required field whose name is
  the closest match of an unknown key is not reported again as missing;
- values holding ``{{...}}`` skip format, pattern and enum checks, since Argo
  substitutes them before it reads the value.

Supported keywords: ``$ref``/``$defs``, ``type``, ``properties``,
``additionalProperties``, ``propertyNames``, ``required``, ``enum``, ``items``,
``minItems``/``maxItems``, ``minProperties``/``maxProperties``,
``minimum``/``maximum``, ``minLength``/``maxLength``, ``pattern``, ``format``
and the ``x-…`` annotations described in dsl.py.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from webhook.diagnostics import JsonPath
from webhook.schema import names
from webhook.suggest import closest

Schema = Mapping[str, Any]


class IssueKind(enum.Enum):
    UNKNOWN_FIELD = "unknown-field"
    WRONG_TYPE = "wrong-type"
    REQUIRED = "required"
    ENUM = "enum"
    FORMAT = "format"
    RANGE = "range"
    SIZE = "size"
    PATTERN = "pattern"
    LENGTH = "length"
    EXCLUSIVE = "exclusive"


@dataclass(frozen=True, slots=True)
class Issue:
    kind: IssueKind
    # Where the offending value is (for UNKNOWN_FIELD and EXCLUSIVE: the key; for REQUIRED: the object).
    path: JsonPath
    node: Node
    value: Any
    # The field concerned (UNKNOWN_FIELD, REQUIRED, EXCLUSIVE) or the reason a format check gave.
    detail: str | None = None
    # EXCLUSIVE: every field that was set.
    fields: tuple[str, ...] = ()


Issues = list[Issue]

_JSON_TYPES: dict[type, str] = {
    dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number",
}

FormatCheck = Callable[[str], "str | None"]
FORMATS: dict[str, FormatCheck] = {
    "quantity": names.quantity_problem,
    "duration": names.duration_problem,
    "seconds-or-duration": names.seconds_or_duration_problem,
    "label-key": names.label_key_problem,
    "label-value": names.label_value_problem,
}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "null" if value is None else type(value).__name__)


def _templated(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


class Node:
    __slots__ = ("hint", "title", "trivially_valid")

    def __init__(self) -> None:
        self.title: str | None = None
        self.hint: str | None = None
        # The Python types whose every value this node accepts without looking at it (a plain string
        # field, a number without bounds): the parent skips ``check`` and the path it would build for
        # them, which is most of a document's leaves. Set by the compiler once the node is filled.
        self.trivially_valid: frozenset[type] = frozenset()

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        raise NotImplementedError

    @property
    def expected(self) -> str:
        """What a value of this node is, for messages: 'a string', 'a list', 'a mapping (Container)'."""
        raise NotImplementedError


class AnyNode(Node):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.trivially_valid = frozenset(_JSON_TYPES)

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        return

    @property
    def expected(self) -> str:
        return "any value"


class ScalarNode(Node):
    __slots__ = ("enum", "format", "format_check", "max_length", "maximum", "min_length", "minimum",
                 "pattern", "types")

    def __init__(self) -> None:
        super().__init__()
        self.types: frozenset[str] = frozenset()
        self.enum: tuple[Any, ...] | None = None
        self.format: str | None = None
        self.format_check: FormatCheck | None = None
        self.pattern: re.Pattern[str] | None = None
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.min_length: int | None = None
        self.max_length: int | None = None

    def accepts_type(self, value: Any) -> bool:
        kind = _JSON_TYPES.get(type(value))
        if kind in self.types:
            return True
        if kind == "integer":
            return "number" in self.types
        if kind == "number":
            return "integer" in self.types and float(value).is_integer()
        return False

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        if not self.accepts_type(value):
            out.append(Issue(IssueKind.WRONG_TYPE, path, self, value))
            return
        if isinstance(value, str):
            if "{{" in value:
                return
            if self.enum is not None and value not in self.enum:
                out.append(Issue(IssueKind.ENUM, path, self, value))
                return
            if self.format_check is not None:
                problem = self.format_check(value)
                if problem is not None:
                    out.append(Issue(IssueKind.FORMAT, path, self, value, problem))
                    return
            if self.pattern is not None and not self.pattern.search(value):
                out.append(Issue(IssueKind.PATTERN, path, self, value))
                return
            if (self.min_length is not None and len(value) < self.min_length) or (
                self.max_length is not None and len(value) > self.max_length
            ):
                out.append(Issue(IssueKind.LENGTH, path, self, value))
        elif not isinstance(value, bool) and (
            (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
        ):
            out.append(Issue(IssueKind.RANGE, path, self, value))
        elif self.enum is not None and value not in self.enum:
            out.append(Issue(IssueKind.ENUM, path, self, value))

    @property
    def expected(self) -> str:
        if self.format == "int-or-string":
            return "an integer or a string"
        if self.format == "quantity":
            return "a quantity (a number or a string such as '512Mi')"
        parts = [_TYPE_WORDS[t] for t in _TYPE_ORDER if t in self.types]
        if not parts:
            return "nothing"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


_TYPE_ORDER = ("string", "integer", "number", "boolean", "array", "object")
_TYPE_WORDS = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
    "array": "a list", "object": "a mapping",
}


class ArrayNode(Node):
    __slots__ = ("items", "max_items", "min_items")

    def __init__(self) -> None:
        super().__init__()
        self.items: Node = ANY
        self.min_items: int | None = None
        self.max_items: int | None = None

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        if type(value) is not list:
            out.append(Issue(IssueKind.WRONG_TYPE, path, self, value))
            return
        if (self.min_items is not None and len(value) < self.min_items) or (
            self.max_items is not None and len(value) > self.max_items
        ):
            out.append(Issue(IssueKind.SIZE, path, self, value))
        items = self.items
        if items is ANY:
            return
        trivial = items.trivially_valid
        for i, item in enumerate(value):
            if item is not None and type(item) not in trivial:
                items.check(item, (*path, i), out)

    @property
    def expected(self) -> str:
        inner = self.items
        if isinstance(inner, ObjectNode | ArrayNode) and inner.title:
            return f"a list of {inner.title}"
        if isinstance(inner, ScalarNode) and inner.types == frozenset({"string"}):
            return "a list of strings"
        return "a list"


class MapNode(Node):
    """A mapping with free keys (labels, hooks, plugin bodies)."""

    __slots__ = ("keys", "max_properties", "min_properties", "values")

    def __init__(self) -> None:
        super().__init__()
        self.values: Node = ANY
        self.keys: ScalarNode | None = None
        self.min_properties: int | None = None
        self.max_properties: int | None = None

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        if type(value) is not dict:
            out.append(Issue(IssueKind.WRONG_TYPE, path, self, value))
            return
        if (self.min_properties is not None and len(value) < self.min_properties) or (
            self.max_properties is not None and len(value) > self.max_properties
        ):
            out.append(Issue(IssueKind.SIZE, path, self, value))
        keys = self.keys
        values = self.values
        for key, item in value.items():
            if keys is not None and keys.format_check is not None and "{{" not in key:
                problem = keys.format_check(key)
                if problem is not None:
                    out.append(Issue(IssueKind.FORMAT, (*path, key), keys, key, problem))
                    continue
            if item is not None and type(item) not in values.trivially_valid:
                values.check(item, (*path, key), out)

    @property
    def expected(self) -> str:
        return f"a mapping ({self.title})" if self.title else "a mapping"


class ObjectNode(Node):
    """A Go struct: known fields only.

    Its fields are compiled on first use: a document touches a few dozen of the
    two hundred types, and a lint run is one short process.
    """

    __slots__ = ("_pending", "at_most_one", "properties", "reported_elsewhere", "required")

    def __init__(self) -> None:
        super().__init__()
        self.properties: dict[str, Node] = {}
        self.required: tuple[str, ...] = ()
        self.reported_elsewhere: frozenset[str] = frozenset()
        self.at_most_one: tuple[str, ...] = ()
        self._pending: tuple[Compiler, Mapping[str, Schema]] | None = None

    def resolve(self) -> None:
        pending = self._pending
        if pending is not None:
            compiler, properties = pending
            # Assigned before _pending is cleared: another thread either sees the
            # finished fields or compiles them again (the result is the same).
            self.properties = {k: compiler.compile(v) for k, v in properties.items()}
            self._pending = None

    def check(self, value: Any, path: JsonPath, out: Issues) -> None:
        if type(value) is not dict:
            out.append(Issue(IssueKind.WRONG_TYPE, path, self, value))
            return
        if self._pending is not None:
            self.resolve()
        properties = self.properties
        unknown: list[str] | None = None
        for key, item in value.items():
            node = properties.get(key)
            if node is None:
                if key in self.reported_elsewhere:
                    continue
                if unknown is None:
                    unknown = []
                unknown.append(key)
                out.append(Issue(IssueKind.UNKNOWN_FIELD, (*path, key), self, item, key))
            elif item is not None and type(item) not in node.trivially_valid:
                node.check(item, (*path, key), out)
        for field in self.required:
            if value.get(field) is None and not (unknown and self._misspelt(field, unknown)):
                out.append(Issue(IssueKind.REQUIRED, path, self, value, field))
        if self.at_most_one:
            present = tuple(f for f in self.at_most_one if value.get(f) is not None)
            if len(present) > 1:
                out.append(Issue(IssueKind.EXCLUSIVE, (*path, present[1]), self, value, present[1], present))

    def _misspelt(self, field: str, unknown: list[str]) -> bool:
        return any(closest(key, self.properties) == field for key in unknown)

    @property
    def expected(self) -> str:
        return f"a mapping ({self.title})" if self.title else "a mapping"


ANY = AnyNode()


class Compiler:
    """Turns schema definitions into nodes; each ``$defs`` entry becomes one shared node."""

    def __init__(self, definitions: Mapping[str, Schema]) -> None:
        self._definitions = definitions
        self._nodes: dict[str, Node] = {}

    def definition(self, name: str) -> Node:
        node = self._nodes.get(name)
        if node is not None:
            return node
        schema = self._definitions.get(name)
        if schema is None:
            raise KeyError(f"schema has no definition {name}")
        # Register before filling, so recursive references (Template → steps → inline) resolve.
        node = _empty_node(schema)
        self._nodes[name] = node
        self._fill(node, schema)
        return node

    def complete(self) -> int:
        """Compile every definition and every field now (to find schema errors, or to warm up a server).

        Returns the number of nodes.
        """
        seen: set[int] = set()
        todo: list[Node] = [self.definition(name) for name in self._definitions]
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ObjectNode):
                node.resolve()
                todo.extend(node.properties.values())
            elif isinstance(node, ArrayNode):
                todo.append(node.items)
            elif isinstance(node, MapNode):
                todo.append(node.values)
                if node.keys is not None:
                    todo.append(node.keys)
        return len(seen)

    def compile(self, schema: Schema) -> Node:
        target = schema.get("$ref")
        if isinstance(target, str):
            prefix = "#/$defs/"
            if not target.startswith(prefix):
                raise ValueError(f"unsupported $ref {target!r}")
            return self.definition(target[len(prefix):])
        node = _empty_node(schema)
        if node is ANY:
            return ANY
        self._fill(node, schema)
        return node

    def _fill(self, node: Node, schema: Schema) -> None:
        node.title = schema.get("title")
        node.hint = schema.get("x-hint")
        if isinstance(node, ObjectNode):
            node._pending = (self, schema.get("properties", {}))
            node.required = tuple(schema.get("required", ()))
            node.reported_elsewhere = frozenset(schema.get("x-reported-elsewhere", ()))
            node.at_most_one = tuple(schema.get("x-at-most-one-of", ()))
        elif isinstance(node, MapNode):
            values = schema.get("additionalProperties", True)
            node.values = self.compile(values) if isinstance(values, Mapping) else ANY
            keys = schema.get("propertyNames")
            if isinstance(keys, Mapping):
                key_node = self.compile(keys)
                node.keys = key_node if isinstance(key_node, ScalarNode) else None
            node.min_properties = schema.get("minProperties")
            node.max_properties = schema.get("maxProperties")
        elif isinstance(node, ArrayNode):
            items = schema.get("items")
            node.items = self.compile(items) if isinstance(items, Mapping) else ANY
            node.min_items = schema.get("minItems")
            node.max_items = schema.get("maxItems")
        elif isinstance(node, ScalarNode):
            types = schema["type"]
            node.types = frozenset([types] if isinstance(types, str) else types)
            if "enum" in schema:
                node.enum = tuple(schema["enum"])
            fmt = schema.get("format")
            node.format = fmt
            node.format_check = FORMATS.get(fmt) if fmt else None
            if "pattern" in schema:
                node.pattern = re.compile(schema["pattern"])
            node.minimum = schema.get("minimum")
            node.maximum = schema.get("maximum")
            node.min_length = schema.get("minLength")
            node.max_length = schema.get("maxLength")
        node.trivially_valid = _trivially_valid(node)


def _trivially_valid(node: Node) -> frozenset[type]:
    """The Python types for which ``node.check`` could never report anything (see ``Node.trivially_valid``)."""
    if isinstance(node, ArrayNode):
        unbounded = node.min_items is None and node.max_items is None
        return frozenset({list}) if unbounded and node.items is ANY else frozenset()
    if isinstance(node, MapNode):
        unbounded = node.min_properties is None and node.max_properties is None
        free_keys = node.keys is None or node.keys.format_check is None
        return frozenset({dict}) if unbounded and free_keys and node.values is ANY else frozenset()
    if not isinstance(node, ScalarNode):
        return frozenset()  # an object's keys are always looked at (unknown and required fields)
    accepted: set[type] = set()
    types = node.types
    if "string" in types and node.enum is None and node.format_check is None and node.pattern is None \
            and node.min_length is None and node.max_length is None:
        accepted.add(str)
    if "boolean" in types and node.enum is None:
        accepted.add(bool)
    if node.enum is None and node.minimum is None and node.maximum is None:
        if "integer" in types or "number" in types:
            accepted.add(int)
        if "number" in types:  # an integer node looks at a float (1.0 is an integer, 1.5 is not)
            accepted.add(float)
    return frozenset(accepted)


def _empty_node(schema: Schema) -> Node:
    types = schema.get("type")
    if types == "object":
        if "properties" in schema:
            if schema.get("additionalProperties") is not False:
                raise ValueError("objects with properties must be closed (additionalProperties: false)")
            return ObjectNode()
        return MapNode()
    if types == "array":
        return ArrayNode()
    if types is None:
        if set(schema) - {"title", "description", "$comment", "x-hint"}:
            raise ValueError(f"unsupported schema without a type: {sorted(schema)}")
        return ANY
    if isinstance(types, list) and ("object" in types or "array" in types):
        raise ValueError(f"unsupported mixed type {types}")
    return ScalarNode()
